package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
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
    /** Parts of {@link #int8Rows}'s range: {@link #int8Row4} reads a row of each at once. */
    private static final int STREAMS = 4;
    /** Parts of {@link #bf16Rows}'s range: {@link #bf16EightRows} reads a row of each at once. */
    private static final int BF16_STREAMS = 8;
    /** Floats of the stage a {@link #bf16Rows} call of {@link #BF16_STREAMS} rows or more needs. */
    public static final int BF16_STAGE = BF16_STREAMS * FLOATS.length();
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
     * from memory once per call, not once per token. The range is cut into {@link #BF16_STREAMS}
     * parts and a row of each runs at once: each activation load serves eight rows, sixteen FMA
     * chains hide the FMA latency that bounds a single row, and the table is read as eight streams.
     * Every row still sums in its own even/odd order and {@link LaneSum}'s tree, so results do not
     * depend on the blocking, and so not on where the thread parts split the rows.
     *
     * <p>Why eight streams: four adjacent rows at once, as before, read the 2B-4T table at about 10
     * GB/s on one thread of a Zen 4 VM at 512 bits; four streams at 13–14, eight at 19, what the int8
     * screen reaches with four. Under {@code -XX:UseAVX=2} four and eight streams measured alike
     * (README, "Eight bf16 streams"). The int8 rows measured slower with eight (13–15 GB/s against 19).
     *
     * <p>This form allocates the eight-row kernel's stage where the range has eight rows or more;
     * the CPU backend passes one of its own to the other form.
     */
    public static void bf16Rows(MemorySegment table, int d, float[] xp, int tokens, MemorySegment logits, int vocab,
                                int v0, int v1) {
        bf16Rows(table, d, xp, tokens, logits, vocab, v0, v1, v1 - v0 < BF16_STREAMS ? null : new float[BF16_STAGE]);
    }

    /**
     * As {@link #bf16Rows(MemorySegment, int, float[], int, MemorySegment, int, int, int)}, with the
     * caller's {@code stage} of at least {@link #BF16_STAGE} floats (unused, and may be null, below
     * {@link #BF16_STREAMS} rows), so a warm call allocates nothing.
     */
    public static void bf16Rows(MemorySegment table, int d, float[] xp, int tokens, MemorySegment logits, int vocab,
                                int v0, int v1, float[] stage) {
        int per = (v1 - v0 + BF16_STREAMS - 1) / BF16_STREAMS;
        for (int v = v0; v < v0 + per; v++) {
            if (v + (BF16_STREAMS - 1L) * per < v1) {
                for (int t = 0; t < tokens; t++) {
                    bf16EightRows(table, d, xp, t, logits, vocab, v, per, stage);
                }
            } else {
                for (int r = v; r < v1; r += per) {
                    for (int t = 0; t < tokens; t++) {
                        bf16Row(table, d, xp, t, logits, vocab, r);
                    }
                }
            }
        }
    }

    private static void bf16EightRows(MemorySegment table, int d, float[] xp, int t, MemorySegment logits, int vocab,
                                      int v, int per, float[] stage) {
        int half = CHUNK / 2;
        int full = d - d % CHUNK;
        IntVector hiMask = IntVector.broadcast(INTS, 0xFFFF0000);
        long st = 2L * per * d;
        long r0 = (long) v * d * 2;
        long r1 = r0 + st, r2 = r1 + st, r3 = r2 + st, r4 = r3 + st, r5 = r4 + st, r6 = r5 + st, r7 = r6 + st;
        int xo = t * d;
        FloatVector e0 = FloatVector.zero(FLOATS);
        FloatVector e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        FloatVector e4 = e0, e5 = e0, e6 = e0, e7 = e0, o4 = e0, o5 = e0, o6 = e0, o7 = e0;
        for (int c = 0; c < full; c += CHUNK) {
            FloatVector xe = FloatVector.fromArray(FLOATS, xp, xo + c);
            FloatVector xd = FloatVector.fromArray(FLOATS, xp, xo + c + half);
            IntVector p0 = IntVector.fromMemorySegment(INTS, table, r0 + 2L * c, ByteOrder.LITTLE_ENDIAN);
            IntVector p1 = IntVector.fromMemorySegment(INTS, table, r1 + 2L * c, ByteOrder.LITTLE_ENDIAN);
            IntVector p2 = IntVector.fromMemorySegment(INTS, table, r2 + 2L * c, ByteOrder.LITTLE_ENDIAN);
            IntVector p3 = IntVector.fromMemorySegment(INTS, table, r3 + 2L * c, ByteOrder.LITTLE_ENDIAN);
            IntVector p4 = IntVector.fromMemorySegment(INTS, table, r4 + 2L * c, ByteOrder.LITTLE_ENDIAN);
            IntVector p5 = IntVector.fromMemorySegment(INTS, table, r5 + 2L * c, ByteOrder.LITTLE_ENDIAN);
            IntVector p6 = IntVector.fromMemorySegment(INTS, table, r6 + 2L * c, ByteOrder.LITTLE_ENDIAN);
            IntVector p7 = IntVector.fromMemorySegment(INTS, table, r7 + 2L * c, ByteOrder.LITTLE_ENDIAN);
            e0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e0);
            o0 = p0.and(hiMask).reinterpretAsFloats().fma(xd, o0);
            e1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e1);
            o1 = p1.and(hiMask).reinterpretAsFloats().fma(xd, o1);
            e2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e2);
            o2 = p2.and(hiMask).reinterpretAsFloats().fma(xd, o2);
            e3 = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e3);
            o3 = p3.and(hiMask).reinterpretAsFloats().fma(xd, o3);
            e4 = p4.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e4);
            o4 = p4.and(hiMask).reinterpretAsFloats().fma(xd, o4);
            e5 = p5.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e5);
            o5 = p5.and(hiMask).reinterpretAsFloats().fma(xd, o5);
            e6 = p6.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e6);
            o6 = p6.and(hiMask).reinterpretAsFloats().fma(xd, o6);
            e7 = p7.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e7);
            o7 = p7.and(hiMask).reinterpretAsFloats().fma(xd, o7);
        }
        // The eight rows' vectors leave through stage: summing their lanes here, in a helper that takes
        // vectors, pushed this method past C2's inlining budget, and the helper's vectors were boxed.
        int l = FLOATS.length();
        e0.add(o0).intoArray(stage, 0);
        e1.add(o1).intoArray(stage, l);
        e2.add(o2).intoArray(stage, 2 * l);
        e3.add(o3).intoArray(stage, 3 * l);
        e4.add(o4).intoArray(stage, 4 * l);
        e5.add(o5).intoArray(stage, 5 * l);
        e6.add(o6).intoArray(stage, 6 * l);
        e7.add(o7).intoArray(stage, 7 * l);
        storeFour(table, d, xp, xo, full, logits, 4L * t * vocab + 4L * v, 4L * per, r0, st, stage, 0);
        storeFour(table, d, xp, xo, full, logits, 4L * t * vocab + 4L * (v + 4L * per), 4L * per, r4, st, stage, 4 * l);
    }

    /**
     * The logits of four rows {@code step} bytes apart from {@code out}, whose bf16 rows start {@code rowStep}
     * bytes apart from {@code r0}, from their vector sums at {@code stage[at ..]}: lane sums, then tails.
     */
    private static void storeFour(MemorySegment table, int d, float[] xp, int xo, int full, MemorySegment logits,
                                  long out, long step, long r0, long rowStep, float[] stage, int at) {
        int l = FLOATS.length();
        FloatVector s0 = FloatVector.fromArray(FLOATS, stage, at);
        FloatVector s1 = FloatVector.fromArray(FLOATS, stage, at + l);
        FloatVector s2 = FloatVector.fromArray(FLOATS, stage, at + 2 * l);
        FloatVector s3 = FloatVector.fromArray(FLOATS, stage, at + 3 * l);
        float q0, q1, q2, q3;
        if (LaneSum.FOUR_IN_ONE) {
            FloatVector p = LaneSum.ofFour(s0, s1, s2, s3);
            q0 = p.lane(0);
            q1 = p.lane(LaneSum.SECOND_LANE);
            q2 = p.lane(LaneSum.THIRD_LANE);
            q3 = p.lane(LaneSum.FOURTH_LANE);
        } else {
            q0 = LaneSum.of(s0);
            q1 = LaneSum.of(s1);
            q2 = LaneSum.of(s2);
            q3 = LaneSum.of(s3);
        }
        logits.set(ValueLayout.JAVA_FLOAT, out, bf16Tail(table, r0, xp, xo, full, d, q0));
        logits.set(ValueLayout.JAVA_FLOAT, out + step, bf16Tail(table, r0 + rowStep, xp, xo, full, d, q1));
        logits.set(ValueLayout.JAVA_FLOAT, out + 2 * step, bf16Tail(table, r0 + 2 * rowStep, xp, xo, full, d, q2));
        logits.set(ValueLayout.JAVA_FLOAT, out + 3 * step, bf16Tail(table, r0 + 3 * rowStep, xp, xo, full, d, q3));
    }

    private static void bf16Row(MemorySegment table, int d, float[] xp, int t, MemorySegment logits, int vocab, int v) {
        int half = CHUNK / 2;
        int full = d - d % CHUNK;
        IntVector hiMask = IntVector.broadcast(INTS, 0xFFFF0000);
        long row = (long) v * d * 2;
        int xo = t * d;
        FloatVector even = FloatVector.zero(FLOATS);
        FloatVector odd = FloatVector.zero(FLOATS);
        for (int c = 0; c < full; c += CHUNK) {
            IntVector pair = IntVector.fromMemorySegment(INTS, table, row + 2L * c, ByteOrder.LITTLE_ENDIAN);
            even = pair.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(FLOATS, xp, xo + c), even);
            odd = pair.and(hiMask).reinterpretAsFloats().fma(FloatVector.fromArray(FLOATS, xp, xo + c + half), odd);
        }
        logits.set(ValueLayout.JAVA_FLOAT, 4L * t * vocab + 4L * v,
                bf16Tail(table, row, xp, xo, full, d, LaneSum.of(even.add(odd))));
    }

    /** A row's dot product: {@code sum}, its full chunks' sum, plus the tail past the last full chunk in order. */
    private static float bf16Tail(MemorySegment table, long row, float[] xp, int xo, int full, int d, float sum) {
        for (int k = full; k < d; k++) {
            sum += Bf16.toFloat(table.get(ValueLayout.JAVA_SHORT_UNALIGNED, row + 2L * k)) * xp[xo + k];
        }
        return sum;
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
                float sum = LaneSum.of(acc);
                for (int k = full; k < d; k++) {
                    sum += table.get(ValueLayout.JAVA_FLOAT, row + 4L * k) * x[xo + k];
                }
                logits.set(ValueLayout.JAVA_FLOAT, (4L * t * vocab) + 4L * v, sum);
            }
        }
    }

    /**
     * As {@link #bf16Rows} for an INT8 table with one F32 scale per row ({@code scales}, [V]),
     * activations {@code x} in natural order. Rows are read as {@link #STREAMS} streams, as in
     * {@link TernaryMatmul#gemv}, but here a row from each part runs at once ({@link #int8Row4}):
     * each activation vector then serves four rows, and the four rows' misses overlap. Every row
     * sums in one FMA chain of {@link ByteWidening#L}-code steps, then {@link LaneSum}'s tree, then
     * its scalar tail, alone or beside three others ({@link #int8Row}), so results do not depend on
     * where a range splits. Against one row at a time in four chains, a pass over the 2B-4T table
     * on one thread of a Zen 4 VM went from 6.5–8.4 to 19 GB/s at 512 bits and from 11–12 to 17 at
     * 256 (README, "Four screen rows at once"). No touch-ahead: it measured a loss there.
     */
    public static void int8Rows(MemorySegment table, MemorySegment scales, int d, float[] x, int tokens,
                                MemorySegment logits, int vocab, int v0, int v1) {
        int per = (v1 - v0 + STREAMS - 1) / STREAMS;
        for (int v = v0; v < v0 + per; v++) {
            if (v + (STREAMS - 1L) * per < v1) {
                int8Row4(table, d, x, tokens, logits, vocab, v, per);
            } else {
                for (int r = v; r < v1; r += per) {
                    int8Row(table, d, x, tokens, logits, vocab, r);
                }
            }
        }
        for (int t = 0; t < tokens; t++) {
            for (int v = v0; v < v1; v++) {
                finish(table, scales, d, x, t, logits, vocab, v);
            }
        }
    }

    /*
     * The row kernels store each row's vector sum as it is, and finish() adds the scalar tail and
     * applies the scale in a pass of its own: the same operations in the same order. With the
     * tail loop and the scale in the row kernel, its pass over the 2B-4T table ran at 13.6–16.2
     * GB/s on one thread of a Zen 4 VM; without them, at 19.9–20.7 (README, "The screen's tail").
     */

    /** Rows {@code v, v+per, v+2per, v+3per} of {@link #int8Rows} for every token, in one pass over the four. */
    private static void int8Row4(MemorySegment table, int d, float[] x, int tokens, MemorySegment logits, int vocab,
                                 int v, int per) {
        int lanes = ByteWidening.L;
        int full = d - d % lanes;
        long o0 = (long) v * d;
        long o1 = o0 + (long) per * d;
        long o2 = o1 + (long) per * d;
        long o3 = o2 + (long) per * d;
        for (int t = 0; t < tokens; t++) {
            int xo = t * d;
            FloatVector a0 = FloatVector.zero(FLOATS);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int c = 0; c < full; c += lanes) {
                FloatVector xv = FloatVector.fromArray(FLOATS, x, xo + c);
                a0 = ByteWidening.widen(table, o0 + c).fma(xv, a0);
                a1 = ByteWidening.widen(table, o1 + c).fma(xv, a1);
                a2 = ByteWidening.widen(table, o2 + c).fma(xv, a2);
                a3 = ByteWidening.widen(table, o3 + c).fma(xv, a3);
            }
            long at = 4L * t * vocab;
            logits.set(ValueLayout.JAVA_FLOAT, at + 4L * v, LaneSum.of(a0));
            logits.set(ValueLayout.JAVA_FLOAT, at + 4L * (v + per), LaneSum.of(a1));
            logits.set(ValueLayout.JAVA_FLOAT, at + 4L * (v + 2 * per), LaneSum.of(a2));
            logits.set(ValueLayout.JAVA_FLOAT, at + 4L * (v + 3 * per), LaneSum.of(a3));
        }
    }

    /** Row {@code v} of {@link #int8Rows} alone, for every token, in the order {@link #int8Row4} sums each of its rows. */
    private static void int8Row(MemorySegment table, int d, float[] x, int tokens, MemorySegment logits, int vocab,
                                int v) {
        int lanes = ByteWidening.L;
        int full = d - d % lanes;
        long o = (long) v * d;
        for (int t = 0; t < tokens; t++) {
            int xo = t * d;
            FloatVector a = FloatVector.zero(FLOATS);
            for (int c = 0; c < full; c += lanes) {
                a = ByteWidening.widen(table, o + c).fma(FloatVector.fromArray(FLOATS, x, xo + c), a);
            }
            logits.set(ValueLayout.JAVA_FLOAT, 4L * t * vocab + 4L * v, LaneSum.of(a));
        }
    }

    /** Adds row {@code v}'s scalar tail to the vector sum stored for token {@code t} and stores the scaled logit. */
    private static void finish(MemorySegment table, MemorySegment scales, int d, float[] x, int t,
                               MemorySegment logits, int vocab, int v) {
        long at = 4L * t * vocab + 4L * v;
        float sum = logits.get(ValueLayout.JAVA_FLOAT, at);
        long row = (long) v * d;
        int xo = t * d;
        for (int k = d - d % ByteWidening.L; k < d; k++) {
            sum += table.get(ValueLayout.JAVA_BYTE, row + k) * x[xo + k];
        }
        logits.set(ValueLayout.JAVA_FLOAT, at, scales.getAtIndex(ValueLayout.JAVA_FLOAT, v) * sum);
    }
}
