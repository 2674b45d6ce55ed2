package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The coarse pass of the screened output projection: {@code scale_r · Σ x_i q_ri} for rows of an
 * int8 table, in float, the activation unpermuted. Each group of {@code FLOATS} codes is loaded as
 * bytes and widened to floats in one conversion (a sign-extending load and a convert on AVX-512),
 * and four rows share every activation load; the table streams at half the bytes of the BF16 one.
 * Its results only select rows, which are then recomputed by {@link OutputProjectionKernel}, so
 * their summation order is free; the error bound of {@code io.bitnettt.spi.LogitScreen} holds for
 * any order.
 */
public final class ScreenKernel {
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    /** One byte per float lane, but at least the narrowest shape (64 bits). */
    static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.max(64, FLOATS.length() * Byte.SIZE)));
    /** Float vectors per byte vector: 1, or 2 where float vectors are 128 bits. */
    static final int PARTS = BYTES.length() / FLOATS.length();
    /** Codes consumed per step. */
    public static final int CHUNK = BYTES.length();

    private ScreenKernel() {
    }

    /**
     * Rows {@code [v0, v1)}: {@code out[r] = scales[r] · Σ_i x[i]·codes[r, i]} as floats at byte
     * {@code 4r} of {@code out}.
     */
    public static void approxRows(MemorySegment codes, MemorySegment scales, int d, float[] x, MemorySegment out,
                                  int v0, int v1) {
        int v = v0;
        for (; v + 4 <= v1; v += 4) {
            fourRows(codes, scales, d, x, out, v);
        }
        for (; v < v1; v++) {
            out.setAtIndex(ValueLayout.JAVA_FLOAT, v, scales.getAtIndex(ValueLayout.JAVA_FLOAT, v) * row(codes, d, x, v));
        }
    }

    private static void fourRows(MemorySegment codes, MemorySegment scales, int d, float[] x, MemorySegment out, int v) {
        int full = d - d % CHUNK;
        long r0 = (long) v * d;
        long r1 = r0 + d;
        long r2 = r1 + d;
        long r3 = r2 + d;
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
        for (int c = 0; c < full; c += CHUNK) {
            ByteVector b0 = ByteVector.fromMemorySegment(BYTES, codes, r0 + c, ByteOrder.LITTLE_ENDIAN);
            ByteVector b1 = ByteVector.fromMemorySegment(BYTES, codes, r1 + c, ByteOrder.LITTLE_ENDIAN);
            ByteVector b2 = ByteVector.fromMemorySegment(BYTES, codes, r2 + c, ByteOrder.LITTLE_ENDIAN);
            ByteVector b3 = ByteVector.fromMemorySegment(BYTES, codes, r3 + c, ByteOrder.LITTLE_ENDIAN);
            for (int p = 0; p < PARTS; p++) {
                FloatVector xv = FloatVector.fromArray(FLOATS, x, c + p * FLOATS.length());
                a0 = ((FloatVector) b0.convertShape(VectorOperators.B2F, FLOATS, p)).fma(xv, a0);
                a1 = ((FloatVector) b1.convertShape(VectorOperators.B2F, FLOATS, p)).fma(xv, a1);
                a2 = ((FloatVector) b2.convertShape(VectorOperators.B2F, FLOATS, p)).fma(xv, a2);
                a3 = ((FloatVector) b3.convertShape(VectorOperators.B2F, FLOATS, p)).fma(xv, a3);
            }
        }
        float s0 = LaneSum.of(a0);
        float s1 = LaneSum.of(a1);
        float s2 = LaneSum.of(a2);
        float s3 = LaneSum.of(a3);
        for (int k = full; k < d; k++) {
            float xk = x[k];
            s0 += xk * codes.get(ValueLayout.JAVA_BYTE, r0 + k);
            s1 += xk * codes.get(ValueLayout.JAVA_BYTE, r1 + k);
            s2 += xk * codes.get(ValueLayout.JAVA_BYTE, r2 + k);
            s3 += xk * codes.get(ValueLayout.JAVA_BYTE, r3 + k);
        }
        out.setAtIndex(ValueLayout.JAVA_FLOAT, v, scales.getAtIndex(ValueLayout.JAVA_FLOAT, v) * s0);
        out.setAtIndex(ValueLayout.JAVA_FLOAT, v + 1, scales.getAtIndex(ValueLayout.JAVA_FLOAT, v + 1) * s1);
        out.setAtIndex(ValueLayout.JAVA_FLOAT, v + 2, scales.getAtIndex(ValueLayout.JAVA_FLOAT, v + 2) * s2);
        out.setAtIndex(ValueLayout.JAVA_FLOAT, v + 3, scales.getAtIndex(ValueLayout.JAVA_FLOAT, v + 3) * s3);
    }

    private static float row(MemorySegment codes, int d, float[] x, int v) {
        int full = d - d % CHUNK;
        long r = (long) v * d;
        FloatVector a = FloatVector.zero(FLOATS);
        for (int c = 0; c < full; c += CHUNK) {
            ByteVector b = ByteVector.fromMemorySegment(BYTES, codes, r + c, ByteOrder.LITTLE_ENDIAN);
            for (int p = 0; p < PARTS; p++) {
                a = ((FloatVector) b.convertShape(VectorOperators.B2F, FLOATS, p))
                        .fma(FloatVector.fromArray(FLOATS, x, c + p * FLOATS.length()), a);
            }
        }
        float s = LaneSum.of(a);
        for (int k = full; k < d; k++) {
            s += x[k] * codes.get(ValueLayout.JAVA_BYTE, r + k);
        }
        return s;
    }
}
