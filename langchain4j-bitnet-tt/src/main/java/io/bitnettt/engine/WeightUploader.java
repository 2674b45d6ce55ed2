package io.bitnettt.engine;

import io.bitnettt.model.checkpoint.HostTensor;
import io.bitnettt.model.checkpoint.HostWeights;
import io.bitnettt.model.checkpoint.LayerWeights;
import io.bitnettt.model.checkpoint.PackedTernary;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves a model's weights (a checkpoint's, or stand-ins of the same shapes) onto a device once: ternary projections in the packed form the
 * backend repacks, norms as F32, the embedding (and an untied lm_head) as BF16.
 */
public final class WeightUploader {
    private WeightUploader() {
    }

    public static DeviceWeights upload(HostWeights host, Device device) {
        List<Tensor> done = new ArrayList<>();
        try {
            List<DeviceLayer> layers = new ArrayList<>();
            for (LayerWeights l : host.layers()) {
                layers.add(new DeviceLayer(
                        keep(done, norm(device, l.inputNorm())),
                        keep(done, ternary(device, l.q())), keep(done, ternary(device, l.k())),
                        keep(done, ternary(device, l.v())),
                        keep(done, norm(device, l.attnSubNorm())), keep(done, ternary(device, l.o())),
                        keep(done, norm(device, l.postAttentionNorm())),
                        keep(done, ternary(device, l.gate())), keep(done, ternary(device, l.up())),
                        keep(done, norm(device, l.ffnSubNorm())), keep(done, ternary(device, l.down()))));
            }
            Tensor embedding = keep(done, table(device, host.embedding()));
            Tensor output = host.outputTied() ? embedding : keep(done, table(device, host.outputWeight()));
            Tensor finalNorm = keep(done, norm(device, host.finalNorm()));
            return new DeviceWeights(embedding, layers, finalNorm, output);
        } catch (RuntimeException e) {
            // A half-uploaded model would leak device memory: free what made it across.
            done.forEach(Tensor::close);
            throw e;
        }
    }

    private static Tensor keep(List<Tensor> done, Tensor t) {
        done.add(t);
        return t;
    }

    private static Tensor ternary(Device device, PackedTernary w) {
        return device.uploadTernary(w.out(), w.in(), w.hfPacked(), w.scale(), MemoryPlacement.DEVICE_DRAM);
    }

    private static Tensor norm(Device device, HostTensor t) {
        try (Arena arena = Arena.ofConfined()) {
            return device.upload(TensorSpec.f32(t.elementCount()), t.asF32(arena));
        }
    }

    private static Tensor table(Device device, HostTensor t) {
        long[] shape = t.shape();
        try (Arena arena = Arena.ofConfined()) {
            return device.upload(TensorSpec.of(DType.BF16, shape[0], shape[1]), t.asBf16(arena));
        }
    }
}
