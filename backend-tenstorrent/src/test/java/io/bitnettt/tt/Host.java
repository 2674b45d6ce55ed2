package io.bitnettt.tt;

import io.bitnettt.spi.DType;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.Layout;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.Shape;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Test data in and out of devices, in the SPI host representation. */
final class Host {
    private Host() {
    }

    static Tensor f32(Device d, float[] v, long... dims) {
        return d.upload(TensorSpec.f32(dims), MemorySegment.ofArray(v.clone()));
    }

    static Tensor f32(Device d, MemoryPlacement p, float[] v, long... dims) {
        return d.upload(TensorSpec.f32(dims).withPlacement(p), MemorySegment.ofArray(v.clone()));
    }

    static Tensor u32(Device d, int... v) {
        return d.upload(TensorSpec.of(DType.UINT32, v.length), MemorySegment.ofArray(v.clone()));
    }

    /** A BF16 tensor from values that are exactly bf16 (see {@link #bf16Round}). */
    static Tensor bf16(Device d, float[] exactBf16, long... dims) {
        short[] bits = new short[exactBf16.length];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (short) (Float.floatToRawIntBits(exactBf16[i]) >>> 16);
        }
        return d.upload(TensorSpec.of(DType.BF16, dims), MemorySegment.ofArray(bits));
    }

    static Tensor blockFloat(Device d, DType dtype, float[] v, long... dims) {
        TensorSpec spec = new TensorSpec(Shape.of(dims), dtype, Layout.TILE, MemoryPlacement.DEVICE_DRAM);
        return d.upload(spec, MemorySegment.ofArray(v.clone()));
    }

    static Tensor ternary(Device d, byte[] w, int out, int in, float scale) {
        byte[] packed = packHf(w, out, in);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(packed.length);
            MemorySegment.copy(packed, 0, s, ValueLayout.JAVA_BYTE, 0, packed.length);
            return d.uploadTernary(out, in, s, scale, MemoryPlacement.DEVICE_DRAM);
        }
    }

    static float[] floats(Tensor t) {
        float[] v = new float[Math.toIntExact(t.shape().elementCount())];
        t.download(MemorySegment.ofArray(v));
        return v;
    }

    static int[] ints(Tensor t) {
        int[] v = new int[Math.toIntExact(t.shape().elementCount())];
        t.download(MemorySegment.ofArray(v));
        return v;
    }

    static float[] gaussian(SplittableRandom r, int n, double sigma) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * sigma);
        }
        return v;
    }

    static byte[] ternaryValues(SplittableRandom r, int n) {
        byte[] w = new byte[n];
        for (int i = 0; i < n; i++) {
            w[i] = (byte) (r.nextInt(3) - 1);
        }
        return w;
    }

    static float bf16Round(float f) {
        int bits = Float.floatToRawIntBits(f);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    static float[] bf16Round(float[] v) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = bf16Round(v[i]);
        }
        return r;
    }

    /** Hugging Face packing, written from spec §3.2 independently of the backend's decoder. */
    static byte[] packHf(byte[] w, int out, int in) {
        int p = out / 4;
        byte[] packed = new byte[p * in];
        for (int row = 0; row < out; row++) {
            for (int c = 0; c < in; c++) {
                packed[(row % p) * in + c] |= (byte) ((w[row * in + c] + 1) << (2 * (row / p)));
            }
        }
        return packed;
    }

    static double pearson(float[] a, float[] b) {
        double ma = 0, mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }

    static float maxAbs(float[] v) {
        float m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
