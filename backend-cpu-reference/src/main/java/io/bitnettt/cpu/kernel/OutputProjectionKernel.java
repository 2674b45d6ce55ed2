package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code logits = x · tableᵀ} against a BF16 {@code [V, d]} table, the largest matrix of the model.
 *
 * <p>Widening bf16 lane by lane costs a shuffle per vector, so instead one int lane is loaded per
 * pair of bf16 values: {@code lane << 16} is the even element as a float and
 * {@code lane & 0xFFFF0000} the odd one. The activation is permuted once per call
 * ({@link #permute}) into matching even/odd halves, leaving two FMAs per {@code 2·LANES} weights.
 */
public final class OutputProjectionKernel {
    static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    /**
     * int8 codes as wide as a float vector: one load holds four float vectors' worth (a byte vector
     * as narrow as one float vector does not exist for 128-bit floats).
     */
    static final VectorSpecies<Byte> CODES = VectorSpecies.of(byte.class, VectorShape.forBitSize(FLOATS.vectorBitSize()));
    /** bf16 values consumed per step: two per int lane. */
    public static final int CHUNK = 2 * INTS.length();

    private OutputProjectionKernel() {
    }

    /**
     * Copies token row {@code x[xOff .. xOff+4d)} into {@code dst[dOff ..]} with each full chunk
     * split into its even elements then its odd elements; the tail past the last full chunk is
     * copied as is.
     */
    public static void permute(MemorySegment x, long xOff, int d, float[] dst, int dOff) {
        int half = CHUNK / 2;
        int full = d - d % CHUNK;
        for (int c = 0; c < full; c += CHUNK) {
            for (int l = 0; l < half; l++) {
                dst[dOff + c + l] = x.get(ValueLayout.JAVA_FLOAT, xOff + 4L * (c + 2 * l));
                dst[dOff + c + half + l] = x.get(ValueLayout.JAVA_FLOAT, xOff + 4L * (c + 2 * l + 1));
            }
        }
        for (int k = full; k < d; k++) {
            dst[dOff + k] = x.get(ValueLayout.JAVA_FLOAT, xOff + 4L * k);
        }
    }

    /**
     * Rows {@code [v0, v1)} of a BF16 table for tokens {@code 0..tokens-1}, whose permuted
     * activations start at {@code xp[t·d]}. Tokens loop inside the row loop so a table row is read
     * from memory once per call, not once per token.
     */
    public static void bf16Rows(MemorySegment table, int d, float[] xp, int tokens, MemorySegment logits, int vocab,
                                int v0, int v1) {
        int half = CHUNK / 2;
        int full = d - d % CHUNK;
        IntVector hiMask = IntVector.broadcast(INTS, 0xFFFF0000);
        for (int v = v0; v < v1; v++) {
            long row = (long) v * d * 2;
            for (int t = 0; t < tokens; t++) {
                int xo = t * d;
                FloatVector even = FloatVector.zero(FLOATS);
                FloatVector odd = FloatVector.zero(FLOATS);
                for (int c = 0; c < full; c += CHUNK) {
                    IntVector pair = IntVector.fromMemorySegment(INTS, table, row + 2L * c, ByteOrder.LITTLE_ENDIAN);
                    FloatVector e = pair.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    FloatVector o = pair.and(hiMask).reinterpretAsFloats();
                    even = e.fma(FloatVector.fromArray(FLOATS, xp, xo + c), even);
                    odd = o.fma(FloatVector.fromArray(FLOATS, xp, xo + c + half), odd);
                }
                float sum = even.add(odd).reduceLanes(VectorOperators.ADD);
                for (int k = full; k < d; k++) {
                    sum += Bf16.toFloat(table.get(ValueLayout.JAVA_SHORT_UNALIGNED, row + 2L * k)) * xp[xo + k];
                }
                logits.set(ValueLayout.JAVA_FLOAT, (4L * t * vocab) + 4L * v, sum);
            }
        }
    }

    /** As {@link #bf16Rows} for an F32 table; {@code x} here is the unpermuted activation. */
    public static void f32Rows(MemorySegment table, int d, float[] x, int tokens, MemorySegment logits, int vocab,
                               int v0, int v1) {
        int step = FLOATS.length();
        int full = d - d % step;
        for (int v = v0; v < v1; v++) {
            long row = (long) v * d * 4;
            for (int t = 0; t < tokens; t++) {
                int xo = t * d;
                FloatVector acc = FloatVector.zero(FLOATS);
                for (int k = 0; k < full; k += step) {
                    FloatVector w = FloatVector.fromMemorySegment(FLOATS, table, row + 4L * k, ByteOrder.nativeOrder());
                    acc = w.fma(FloatVector.fromArray(FLOATS, x, xo + k), acc);
                }
                float sum = acc.reduceLanes(VectorOperators.ADD);
                for (int k = full; k < d; k++) {
                    sum += table.get(ValueLayout.JAVA_FLOAT, row + 4L * k) * x[xo + k];
                }
                logits.set(ValueLayout.JAVA_FLOAT, (4L * t * vocab) + 4L * v, sum);
            }
        }
    }

    /**
     * As {@link #f32Rows} for an INT8 table with one F32 scale per row ({@code scales}, [V]):
     * codes are widened to float and summed against the unpermuted F32 activation, and the row's
     * scale is applied once to the sum, which is exact up to float rounding of the products.
     */
    public static void int8Rows(MemorySegment table, MemorySegment scales, int d, float[] x, int tokens,
                                MemorySegment logits, int vocab, int v0, int v1) {
        int lanes = FLOATS.length();
        int step = CODES.length();
        int full = d - d % step;
        for (int v = v0; v < v1; v++) {
            long row = (long) v * d;
            float scale = scales.getAtIndex(ValueLayout.JAVA_FLOAT, v);
            for (int t = 0; t < tokens; t++) {
                int xo = t * d;
                // Four chains, one per quarter of the code vector, so the FMAs do not wait on each other.
                FloatVector a0 = FloatVector.zero(FLOATS);
                FloatVector a1 = FloatVector.zero(FLOATS);
                FloatVector a2 = FloatVector.zero(FLOATS);
                FloatVector a3 = FloatVector.zero(FLOATS);
                for (int k = 0; k < full; k += step) {
                    ByteVector q = ByteVector.fromMemorySegment(CODES, table, row + k, ByteOrder.nativeOrder());
                    int xk = xo + k;
                    a0 = widen(q, 0).fma(FloatVector.fromArray(FLOATS, x, xk), a0);
                    a1 = widen(q, 1).fma(FloatVector.fromArray(FLOATS, x, xk + lanes), a1);
                    a2 = widen(q, 2).fma(FloatVector.fromArray(FLOATS, x, xk + 2 * lanes), a2);
                    a3 = widen(q, 3).fma(FloatVector.fromArray(FLOATS, x, xk + 3 * lanes), a3);
                }
                float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
                for (int k = full; k < d; k++) {
                    sum += table.get(ValueLayout.JAVA_BYTE, row + k) * x[xo + k];
                }
                logits.set(ValueLayout.JAVA_FLOAT, (4L * t * vocab) + 4L * v, scale * sum);
            }
        }
    }

    private static FloatVector widen(ByteVector q, int part) {
        return (FloatVector) q.convertShape(VectorOperators.B2F, FLOATS, part);
    }
}
