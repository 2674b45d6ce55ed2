package io.bitnettt.cpu;

import java.lang.foreign.MemorySegment;

import io.bitnettt.cpu.kernel.HfTernaryCodec;
import io.bitnettt.cpu.kernel.WeightLayout;
import io.bitnettt.spi.BackendException;
import io.bitnettt.spi.TensorSpec;

/**
 * A ternary weight stored in a kernel {@link WeightLayout}; upload and download speak the Hugging Face
 * packed layout, so a round trip returns the checkpoint bytes.
 */
final class CpuTernaryTensor extends CpuTensor {
    private final WeightLayout layout;
    private final float scale;

    CpuTernaryTensor(CpuDevice device, TensorSpec spec, WeightLayout layout, float scale) {
        super(device, spec, layout.byteSize(), true);
        this.layout = layout;
        this.scale = scale;
    }

    WeightLayout layout() {
        return layout;
    }

    @Override
    public float quantScale() {
        return scale;
    }

    @Override
    void writeHost(MemorySegment source) {
        CpuDevice device = device();
        byte[] ternary = device.takeRepackBuffer(Math.multiplyExact(layout.out(), layout.in()));
        try {
            HfTernaryCodec.decodeInto(source, layout.out(), layout.in(), ternary);
            layout.pack(ternary, segment());
        } catch (IllegalArgumentException e) {
            throw new BackendException(CpuDevice.NAME, "uploadTernary",
                    "weight " + spec().shape() + ": " + e.getMessage(), e);
        } finally {
            device.returnRepackBuffer(ternary);
        }
    }

    @Override
    void readHost(MemorySegment destination) {
        byte[] packed = HfTernaryCodec.encode(layout.unpack(segment()), layout.out(), layout.in());
        destination.copyFrom(MemorySegment.ofArray(packed));
    }
}
