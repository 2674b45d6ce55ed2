package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise F32 kernels on off-heap rows (byte offsets, native order). They are memory-bound
 * and tiny next to the matmuls, so they vectorize the obvious loop and nothing more.
 */
public final class FloatKernels {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final ByteOrder ORDER = ByteOrder.nativeOrder();
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;

    private FloatKernels() {
    }

    /**
     * Narrows {@code n} floats of {@code src} to bfloat16 at byte {@code dstOff} of {@code dst}, rounding
     * to nearest even ({@link Bf16#fromFloat}): a KV cache row or a prefill block's rows, a few
     * thousand values a layer, so the scalar loop is enough.
     */
    public static void toBf16(MemorySegment src, MemorySegment dst, long dstOff, long n) {
        for (long i = 0; i < n; i++) {
            dst.set(ValueLayout.JAVA_SHORT, dstOff + 2 * i, Bf16.fromFloat(src.get(FLOAT, 4 * i)));
        }
    }

    /** {@code out = a + b} over {@code n} floats; {@code out} may alias {@code a}. */
    public static void add(MemorySegment a, MemorySegment b, MemorySegment out, long n) {
        long full = n - n % F.length();
        long i = 0;
        for (; i < full; i += F.length()) {
            FloatVector.fromMemorySegment(F, a, 4 * i, ORDER)
                    .add(FloatVector.fromMemorySegment(F, b, 4 * i, ORDER))
                    .intoMemorySegment(out, 4 * i, ORDER);
        }
        for (; i < n; i++) {
            out.set(FLOAT, 4 * i, a.get(FLOAT, 4 * i) + b.get(FLOAT, 4 * i));
        }
    }

    /** {@code out = max(gate, 0)² · up}; {@code out} may alias {@code gate}. */
    public static void relu2Gate(MemorySegment gate, MemorySegment up, MemorySegment out, long n) {
        long full = n - n % F.length();
        long i = 0;
        for (; i < full; i += F.length()) {
            FloatVector g = FloatVector.fromMemorySegment(F, gate, 4 * i, ORDER).max(0f);
            g.mul(g).mul(FloatVector.fromMemorySegment(F, up, 4 * i, ORDER)).intoMemorySegment(out, 4 * i, ORDER);
        }
        for (; i < n; i++) {
            float g = Math.max(gate.get(FLOAT, 4 * i), 0f);
            out.set(FLOAT, 4 * i, g * g * up.get(FLOAT, 4 * i));
        }
    }

    /**
     * One row of RMSNorm: {@code out = w · x / sqrt(mean(x²) + eps)}, with the F32 weight read in
     * place from {@code w} (a norm weight is cold by the time its layer comes round again, and a
     * copy would read it twice). {@code out} may alias {@code x}.
     */
    public static void rmsNormRow(MemorySegment x, long xOff, MemorySegment w, int n, float eps, MemorySegment out,
                                  long oOff) {
        int full = n - n % F.length();
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < full; i += F.length()) {
            FloatVector v = FloatVector.fromMemorySegment(F, x, xOff + 4L * i, ORDER);
            acc = v.fma(v, acc);
        }
        float sum = LaneSum.of(acc);
        for (; i < n; i++) {
            float v = x.get(FLOAT, xOff + 4L * i);
            sum += v * v;
        }
        float inv = (float) (1.0 / Math.sqrt(sum / n + eps));
        for (i = 0; i < full; i += F.length()) {
            FloatVector.fromMemorySegment(F, x, xOff + 4L * i, ORDER).mul(inv)
                    .mul(FloatVector.fromMemorySegment(F, w, 4L * i, ORDER))
                    .intoMemorySegment(out, oOff + 4L * i, ORDER);
        }
        for (; i < n; i++) {
            out.set(FLOAT, oOff + 4L * i, x.get(FLOAT, xOff + 4L * i) * inv * w.get(FLOAT, 4L * i));
        }
    }

    /**
     * Rotate-half RoPE in place for one token row of {@code heads} heads of size {@code dim}, with
     * the cos/sin rows for its position starting at {@code tabOff}. Scalar: O(heads·dim) per token.
     */
    public static void ropeRow(MemorySegment x, long xOff, int heads, int dim, MemorySegment cos, MemorySegment sin,
                               long tabOff) {
        int half = dim / 2;
        for (int h = 0; h < heads; h++) {
            long base = xOff + 4L * h * dim;
            for (int i = 0; i < half; i++) {
                float x1 = x.get(FLOAT, base + 4L * i);
                float x2 = x.get(FLOAT, base + 4L * (i + half));
                x.set(FLOAT, base + 4L * i,
                        x1 * cos.get(FLOAT, tabOff + 4L * i) - x2 * sin.get(FLOAT, tabOff + 4L * i));
                x.set(FLOAT, base + 4L * (i + half),
                        x2 * cos.get(FLOAT, tabOff + 4L * (i + half)) + x1 * sin.get(FLOAT, tabOff + 4L * (i + half)));
            }
        }
    }
}
