package io.bitnettt.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import io.bitnettt.cpu.kernel.Bf16;
import io.bitnettt.cpu.kernel.HfTernaryCodec;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;

/** Moves test data between Java arrays and device tensors. */
final class Host {
    private Host() {
    }

    static Tensor f32(Device d, float[] data, long... dims) {
        return d.upload(TensorSpec.f32(dims), MemorySegment.ofArray(data.clone()));
    }

    static Tensor bf16(Device d, float[] data, long... dims) {
        short[] bits = new short[data.length];
        for (int i = 0; i < data.length; i++) {
            bits[i] = Bf16.fromFloat(data[i]);
        }
        return d.upload(TensorSpec.of(DType.BF16, dims), MemorySegment.ofArray(bits));
    }

    /** An INT8_ROWS tensor {@code dims} (a cache {@code [rows, Hkv, D]}) quantized from {@code data}. */
    static Tensor int8Rows(Device d, float[] data, long... dims) {
        return d.upload(TensorSpec.of(DType.INT8_ROWS, dims), MemorySegment.ofArray(data.clone()));
    }

    /**
     * What an INT8_ROWS tensor with rows of {@code width} holds, worked out here from the rule alone: per
     * row {@code s = max|x| / 127} and {@code x ↦ s · rint(x / s)}, all in float.
     */
    static float[] roundInt8Rows(float[] data, int width) {
        float[] out = new float[data.length];
        for (int row = 0; row < data.length; row += width) {
            float max = 0f;
            for (int i = row; i < row + width; i++) {
                max = Math.max(max, Math.abs(data[i]));
            }
            float s = max / 127;
            for (int i = row; i < row + width; i++) {
                out[i] = s == 0f ? 0f : s * (float) Math.rint(data[i] / s);
            }
        }
        return out;
    }

    static Tensor u32(Device d, int... values) {
        return d.upload(TensorSpec.of(DType.UINT32, values.length), MemorySegment.ofArray(values.clone()));
    }

    static Tensor ternary(Device d, byte[] ternary, int out, int in, float scale) {
        return d.uploadTernary(out, in, MemorySegment.ofArray(HfTernaryCodec.encode(ternary, out, in)), scale,
                io.bitnettt.spi.MemoryPlacement.DEVICE_DRAM);
    }

    static float[] floats(Tensor t) {
        float[] out = new float[Math.toIntExact(t.shape().elementCount())];
        t.download(MemorySegment.ofArray(out));
        return out;
    }

    static int[] ints(Tensor t) {
        MemorySegment m = MemorySegment.ofArray(new int[Math.toIntExact(t.shape().elementCount())]);
        t.download(m);
        return m.toArray(ValueLayout.JAVA_INT);
    }

    /** bf16-rounded copy, so a reference sees exactly what a BF16 tensor holds. */
    static float[] roundBf16(float[] data) {
        float[] out = new float[data.length];
        for (int i = 0; i < data.length; i++) {
            out[i] = Bf16.toFloat(Bf16.fromFloat(data[i]));
        }
        return out;
    }

    static float[] gaussian(Random r, int n, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian() * scale;
        }
        return x;
    }

    static byte[] randomTernary(Random r, int n) {
        byte[] w = new byte[n];
        for (int i = 0; i < n; i++) {
            w[i] = (byte) (r.nextInt(3) - 1);
        }
        return w;
    }
}
