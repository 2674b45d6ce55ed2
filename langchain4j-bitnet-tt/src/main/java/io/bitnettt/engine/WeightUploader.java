package io.bitnettt.engine;

import io.bitnettt.model.checkpoint.HostTensor;
import io.bitnettt.model.checkpoint.HostWeights;
import io.bitnettt.model.checkpoint.LayerWeights;
import io.bitnettt.model.checkpoint.PackedTernary;
import io.bitnettt.safetensors.HalfFloats;
import io.bitnettt.safetensors.SafetensorsDType;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.RowQuantization;
import io.bitnettt.spi.ScreenedTable;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves a model's weights (a checkpoint's, or stand-ins of the same shapes) onto a device once: ternary projections in the packed form the
 * backend repacks, norms as F32, the embedding (and an untied lm_head) as BF16, the output table's
 * screen ({@link OutputScreens}) where the backend uses one, and on request an int8 per-row
 * quantized copy of the output table ({@link RowQuantization}) for approximate logits.
 */
public final class WeightUploader {
    /**
     * How to upload.
     *
     * @param int8Output compute logits against an int8 per-row copy of the output table
     *                   (approximate; backends with {@code outputProjectionInt8} only)
     * @param screen     add the coarse copy of the output table for exact screened greedy and top-k
     *                   tokens ({@link OutputScreens}), where the backend supports it and int8
     *                   logits are off
     * @param borrowHost let the device read BF16 tables in place from the host weights
     *                   ({@code Device.wrapHost}): the caller then keeps the host weights open for
     *                   as long as the device weights live
     */
    public record Options(boolean int8Output, boolean screen, boolean borrowHost) {
        public static Options defaults() {
            return new Options(false, true, false);
        }

        public Options withInt8Output(boolean on) {
            return new Options(on, screen, borrowHost);
        }

        public Options withScreen(boolean on) {
            return new Options(int8Output, on, borrowHost);
        }

        public Options withBorrowHost(boolean on) {
            return new Options(int8Output, screen, on);
        }
    }

    private WeightUploader() {
    }

    public static DeviceWeights upload(HostWeights host, Device device) {
        return upload(host, device, Options.defaults());
    }

    /**
     * As {@link #upload(HostWeights, Device)}, adding the int8 output table when
     * {@code int8Output}; a backend without {@code outputProjectionInt8} is refused before any upload.
     */
    public static DeviceWeights upload(HostWeights host, Device device, boolean int8Output) {
        return upload(host, device, Options.defaults().withInt8Output(int8Output));
    }

    /**
     * Uploads every weight as {@code options} say. Checkpoint memory that is memory-mapped is given
     * back to the page cache ({@link HostMemory#release}) once the device has its own copy, so a
     * loading model does not hold the file and the device copy at once.
     */
    public static DeviceWeights upload(HostWeights host, Device device, Options options) {
        boolean int8Output = options.int8Output();
        if (int8Output && !device.ops().supportsInt8OutputProjection()) {
            throw new IllegalArgumentException("int8 output projection was requested but backend "
                    + device.backendName() + " does not support it; leave it off for this backend");
        }
        List<Tensor> done = new ArrayList<>();
        Arena hostMemory = null;
        DeviceWeights.QuantizedTable q = null;
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
            Tensor embedding = keep(done, table(device, host.embedding(), options.borrowHost()));
            HostTensor outputHost = host.outputTied() ? host.embedding() : host.outputWeight();
            Tensor output = host.outputTied() ? embedding : keep(done, table(device, outputHost, options.borrowHost()));
            // Before the screen reads the table again batch by batch: the file's pages and the device
            // copy would otherwise be resident together with the screen's codes.
            HostMemory.release(host.embedding().data());
            HostMemory.release(outputHost.data());
            Tensor finalNorm = keep(done, norm(device, host.finalNorm()));
            if (int8Output) {
                q = quantized(device, outputHost, done);
            }
            ScreenedTable screen = null;
            if (options.screen() && !int8Output && device.ops().supportsScreenedOutput()) {
                hostMemory = Arena.ofShared();
                screen = OutputScreens.build(device, output, OutputScreens.of(outputHost, output.dtype()), hostMemory);
            }
            return new DeviceWeights(embedding, layers, finalNorm, output, q, screen, hostMemory);
        } catch (RuntimeException e) {
            // A half-uploaded model would leak device memory: free what made it across.
            done.forEach(Tensor::close);
            if (hostMemory != null) {
                hostMemory.close();
            }
            throw e;
        }
    }

    /**
     * Whether {@link #upload(HostWeights, Device, Options)} lets the device read a table of
     * {@code host} in place (BF16 already, {@code borrowHost} on), so that {@code host} must stay open
     * while the device weights live. The device may still copy it (see {@code Device.wrapHost}).
     */
    public static boolean borrowsHost(HostWeights host, Options options) {
        return options.borrowHost() && (host.embedding().dtype() == SafetensorsDType.BF16
                || !host.outputTied() && host.outputWeight().dtype() == SafetensorsDType.BF16);
    }

    private static Tensor keep(List<Tensor> done, Tensor t) {
        done.add(t);
        return t;
    }

    private static Tensor ternary(Device device, PackedTernary w) {
        Tensor t = device.uploadTernary(w.out(), w.in(), w.hfPacked(), w.scale(), MemoryPlacement.DEVICE_DRAM);
        HostMemory.release(w.hfPacked());
        return t;
    }

    private static Tensor norm(Device device, HostTensor t) {
        try (Arena arena = Arena.ofConfined()) {
            return device.upload(TensorSpec.f32(t.elementCount()), t.asF32(arena));
        }
    }

    /**
     * Quantizes the output table row by row from the values the BF16 table holds (so a bf16
     * checkpoint's rows are quantized exactly as stored; an F32 one is rounded to bf16 first, to
     * match the table the bf16 path reads).
     */
    private static DeviceWeights.QuantizedTable quantized(Device device, HostTensor t, List<Tensor> done) {
        long[] shape = t.shape();
        int rows = Math.toIntExact(shape[0]);
        int d = Math.toIntExact(shape[1]);
        float[] row = new float[d];
        byte[] codes = new byte[d];
        short[] scratch = new short[d];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = arena.allocate((long) rows * d);
            MemorySegment scales = arena.allocate(4L * rows, 4);
            for (int r = 0; r < rows; r++) {
                t.read((long) r * d, row, scratch);
                for (int i = 0; i < d; i++) {
                    row[i] = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(row[i]));
                }
                float scale = RowQuantization.quantizeRow(row, 0, d, codes, 0);
                MemorySegment.copy(codes, 0, q, ValueLayout.JAVA_BYTE, (long) r * d, d);
                scales.setAtIndex(ValueLayout.JAVA_FLOAT, r, scale);
            }
            Tensor codesT = keep(done, device.upload(TensorSpec.of(DType.INT8, rows, d), q));
            Tensor scalesT = keep(done, device.upload(TensorSpec.f32(rows), scales));
            return new DeviceWeights.QuantizedTable(codesT, scalesT);
        }
    }

    /** A BF16 table; read in place from {@code t} when {@code borrow} and it is BF16 already. */
    private static Tensor table(Device device, HostTensor t, boolean borrow) {
        long[] shape = t.shape();
        TensorSpec spec = TensorSpec.of(DType.BF16, shape[0], shape[1]);
        if (borrow && t.dtype() == SafetensorsDType.BF16) {
            return device.wrapHost(spec, t.data());
        }
        try (Arena arena = Arena.ofConfined()) {
            return device.upload(spec, t.asBf16(arena));
        }
    }
}
