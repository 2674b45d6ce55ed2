package io.bitnettt.cpu.kernel;

import static io.bitnettt.cpu.kernel.LookupLayout.FIELD_BITS;
import static io.bitnettt.cpu.kernel.LookupLayout.GROUP_ROWS;
import static io.bitnettt.cpu.kernel.LookupLayout.ORDER;
import static io.bitnettt.cpu.kernel.LookupLayout.WORD_BYTES;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Exact int8 × ternary products over {@link LookupLayout} by in-register table lookup. Per token,
 * every three activation columns get a table of their 27 signed sums ({@link #tables}); a weight
 * word then costs three permutes and three adds for 32 rows × 9 columns, where a multiply-add
 * kernel ({@link TernaryMatmul}) spends a multiply, an add and a shift per 32 columns of one row.
 * On the README's AVX-512 machine a streamed GEMV runs within 10 % of the same loop compiled from C
 * with a software prefetch ({@code bin/bench-native}).
 *
 * <p>{@link #gemv} runs one token over four row groups at a time so each table load serves 128
 * rows. {@link #gemm} (prefill) runs four tokens over two row groups: each weight word is loaded
 * and split once for four tokens, and there are twelve table loads per 24 permutes instead of 24
 * per 24 in an eight-token, one-group form, which measured slower than the GEMV because of its
 * loads. From cache both are bound by vector ALU throughput, not by loads: per word and group
 * three permutes, three ANDs (C2 masks each index for {@code selectFrom}'s wrapping), two shifts
 * and three adds, 11 ops, of which the GEMM shares only the shifts across its tokens (9.5 ops), so
 * reuse across tokens buys little per token while the weights sit in cache; the same loop in C
 * (the README's AVX-512 machine does two {@code vpermw} a cycle) was about 10 % faster than this
 * one. Streamed from DRAM, where a decode step reads them, the GEMV waits on memory and the GEMM,
 * which reads each word once per four tokens, runs two to three times as fast per token.
 *
 * <p>Overflow bound: an entry is at most 3 · 128 in magnitude, so the int16 lane sums of at most
 * {@link #FLUSH_WORDS} words (three entries each) stay within ±32256 before they are widened to
 * int32. The result is {@code y = acc / s · scale}, the scalar reference's expression on the same
 * exact integer, so outputs match it bit for bit.
 */
public final class LookupMatmul {
    static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_512;
    /** Table shorts per weight word: three tables of {@link LookupLayout#GROUP_ROWS} entries. */
    public static final int WORD_TABLE = 3 * GROUP_ROWS;
    static final int FLUSH_WORDS = 28;
    private static final int SLAB = 4;
    /** Tokens per {@link #gemm} pass, each over {@link #PAIR} row groups. */
    public static final int TOKENS = 4;
    private static final int PAIR = 2;
    private static final int STEP_SUMS = Math.max(SLAB, TOKENS * PAIR) * GROUP_ROWS;
    private static final int HALF = GROUP_ROWS / 2;
    private static final int SHIFT1 = FIELD_BITS;
    private static final int SHIFT2 = 2 * FIELD_BITS;
    /** Where the used parts of {@link Work}'s arrays start: 64 bytes in. */
    private static final int ACC0 = 64 / Integer.BYTES;
    private static final int STAGE0 = 64 / Short.BYTES;
    /** Lane {@code e} holds digit {@code d} of {@code e} in base 3, minus 1; lanes past 26 hold 0. */
    private static final ShortVector DIGIT0 = digits(1);
    private static final ShortVector DIGIT1 = digits(3);
    private static final ShortVector DIGIT2 = digits(9);

    private LookupMatmul() {
    }

    /**
     * Per-thread working memory, owned by the device's scratch so a warm call allocates nothing.
     * The sum arrays are written every chunk, so their used parts start and end 64 bytes away from
     * anything another thread writes.
     */
    public static final class Work {
        /** int32 sums of the row groups in flight, from {@link #ACC0}. */
        final int[] acc = new int[ACC0 + STEP_SUMS + ACC0];
        /** int16 sums of one chunk on their way to {@link #acc}, from {@link #STAGE0}. */
        final short[] stage = new short[STAGE0 + STEP_SUMS + STAGE0];
        private short[] tables = new short[0];

        /**
         * This thread's table buffer, at least {@code n} shorts. Each thread builds its own tables:
         * read by another core they were 55 KB and more of cache-to-cache traffic per call.
         */
        public short[] tables(int n) {
            if (tables.length < n) {
                tables = new short[n];
            }
            return tables;
        }
    }

    private static ShortVector digits(int place) {
        short[] d = new short[GROUP_ROWS];
        for (int e = 0; e < 27; e++) {
            d[e] = (short) (e / place % 3 - 1);
        }
        return ShortVector.fromArray(SHORTS, d, 0);
    }

    /** Table shorts one token needs for {@code layout}. */
    public static int tableSize(LookupLayout layout) {
        return layout.words() * WORD_TABLE;
    }

    /**
     * Builds one token's tables from its quantized activation ({@code words · 9} shorts from
     * {@code qOff}, zero past the real columns): table {@code i} (at {@code tabOff + 32·i}) holds at
     * entry {@code u0 + 3·u1 + 9·u2} the sum {@code Σ_d (u_d − 1)·q[3i + d]}.
     */
    public static void tables(short[] q, int qOff, int words, short[] tab, int tabOff) {
        for (int i = 0; i < 3 * words; i++) {
            int c = qOff + 3 * i;
            DIGIT0.mul(q[c]).add(DIGIT1.mul(q[c + 1])).add(DIGIT2.mul(q[c + 2]))
                    .intoArray(tab, tabOff + i * GROUP_ROWS);
        }
    }

    /**
     * One token (tables at {@code tabOff}) against row groups {@code [g0, g1)}; row {@code j} of
     * the output lands at byte {@code yOff + 4j}.
     */
    public static void gemv(MemorySegment w, LookupLayout layout, short[] tab, int tabOff, float s, float scale,
                            MemorySegment y, long yOff, int g0, int g1, Work work) {
        int[] acc = work.acc;
        int words = layout.words();
        long stride = layout.groupBytes();
        int g = g0;
        long touched = 0;
        for (; g < g1; g += SLAB) {
            int groups = Math.min(SLAB, g1 - g);
            Arrays.fill(acc, ACC0, ACC0 + groups * GROUP_ROWS, 0);
            for (int j0 = 0; j0 < words; j0 += FLUSH_WORDS) {
                int j1 = Math.min(words, j0 + FLUSH_WORDS);
                if (groups == SLAB) {
                    touched += slabChunk(w, g * stride, stride, tab, tabOff, j0, j1, work.stage);
                    widen(work.stage, SLAB * GROUP_ROWS, acc, ACC0);
                } else {
                    for (int k = 0; k < groups; k++) {
                        touched += groupChunk(w, (g + k) * stride, tab, tabOff, j0, j1, work.stage);
                        widen(work.stage, GROUP_ROWS, acc, ACC0 + k * GROUP_ROWS);
                    }
                }
            }
            for (int k = 0; k < groups; k++) {
                store(acc, ACC0 + k * GROUP_ROWS, s, scale, y, yOff, (g + k) * GROUP_ROWS, layout.out());
            }
        }
        TouchAhead.keep(touched);
    }

    /*
     * The chunk methods keep every vector inside one method, with no helpers of their own: C2 stops
     * inlining once a method's IR grows past a node budget, or when the callee was already compiled
     * on its own into a big method, and a Vector API value passed to a call that was not inlined is
     * boxed on the heap, which made whole kernels 50x slower. Even widening the sums inside them
     * went past the budget, so the int16 sums leave through a short array and {@link #widen}.
     * Field {@code f} is the word shifted right by {@code 5f}; the permute never reads the bits left
     * above the low five.
     */

    /** Words {@code [j0, j1)} of the four groups from byte {@code base}; sums to {@code stage} from {@link #STAGE0}. */
    private static long slabChunk(MemorySegment w, long base, long stride, short[] tab, int tabOff, int j0, int j1,
                                  short[] stage) {
        ShortVector a0 = ShortVector.zero(SHORTS), a1 = a0, a2 = a0, a3 = a0;
        long touched = 0;
        for (int j = j0; j < j1; j++) {
            int t = tabOff + j * WORD_TABLE;
            ShortVector t0 = ShortVector.fromArray(SHORTS, tab, t);
            ShortVector t1 = ShortVector.fromArray(SHORTS, tab, t + GROUP_ROWS);
            ShortVector t2 = ShortVector.fromArray(SHORTS, tab, t + 2 * GROUP_ROWS);
            long o = base + (long) j * WORD_BYTES;
            if (TouchAhead.ON) {
                touched += TouchAhead.ahead(w, o) + TouchAhead.ahead(w, o + stride) + TouchAhead.ahead(w, o + 2 * stride)
                        + TouchAhead.ahead(w, o + 3 * stride);
            }
            ShortVector w0 = ShortVector.fromMemorySegment(SHORTS, w, o, ORDER);
            ShortVector w1 = ShortVector.fromMemorySegment(SHORTS, w, o + stride, ORDER);
            ShortVector w2 = ShortVector.fromMemorySegment(SHORTS, w, o + 2 * stride, ORDER);
            ShortVector w3 = ShortVector.fromMemorySegment(SHORTS, w, o + 3 * stride, ORDER);
            a0 = a0.add(w0.selectFrom(t0)).add(w0.lanewise(VectorOperators.LSHR, SHIFT1).selectFrom(t1))
                    .add(w0.lanewise(VectorOperators.LSHR, SHIFT2).selectFrom(t2));
            a1 = a1.add(w1.selectFrom(t0)).add(w1.lanewise(VectorOperators.LSHR, SHIFT1).selectFrom(t1))
                    .add(w1.lanewise(VectorOperators.LSHR, SHIFT2).selectFrom(t2));
            a2 = a2.add(w2.selectFrom(t0)).add(w2.lanewise(VectorOperators.LSHR, SHIFT1).selectFrom(t1))
                    .add(w2.lanewise(VectorOperators.LSHR, SHIFT2).selectFrom(t2));
            a3 = a3.add(w3.selectFrom(t0)).add(w3.lanewise(VectorOperators.LSHR, SHIFT1).selectFrom(t1))
                    .add(w3.lanewise(VectorOperators.LSHR, SHIFT2).selectFrom(t2));
        }
        a0.intoArray(stage, STAGE0);
        a1.intoArray(stage, STAGE0 + GROUP_ROWS);
        a2.intoArray(stage, STAGE0 + 2 * GROUP_ROWS);
        a3.intoArray(stage, STAGE0 + 3 * GROUP_ROWS);
        return touched;
    }

    /** Words {@code [j0, j1)} of the group at byte {@code base}; sums to {@code stage} from {@link #STAGE0}. */
    private static long groupChunk(MemorySegment w, long base, short[] tab, int tabOff, int j0, int j1,
                                   short[] stage) {
        ShortVector a = ShortVector.zero(SHORTS);
        long touched = 0;
        for (int j = j0; j < j1; j++) {
            int t = tabOff + j * WORD_TABLE;
            if (TouchAhead.ON) {
                touched += TouchAhead.ahead(w, base + (long) j * WORD_BYTES);
            }
            ShortVector w0 = ShortVector.fromMemorySegment(SHORTS, w, base + (long) j * WORD_BYTES, ORDER);
            a = a.add(w0.selectFrom(ShortVector.fromArray(SHORTS, tab, t)))
                    .add(w0.lanewise(VectorOperators.LSHR, SHIFT1)
                            .selectFrom(ShortVector.fromArray(SHORTS, tab, t + GROUP_ROWS)))
                    .add(w0.lanewise(VectorOperators.LSHR, SHIFT2)
                            .selectFrom(ShortVector.fromArray(SHORTS, tab, t + 2 * GROUP_ROWS)));
        }
        a.intoArray(stage, STAGE0);
        return touched;
    }

    /**
     * {@link #TOKENS} tokens, token {@code k}'s tables at {@code tabOff + k·tabStride} and its output
     * row at byte {@code yOff + k·yStride}, against row groups {@code [g0, g1)}: each weight word is
     * loaded and split into fields once for four tokens, and each table load serves two groups.
     */
    public static void gemm(MemorySegment w, LookupLayout layout, short[] tab, int tabOff, int tabStride, float[] s,
                            int s0, float scale, MemorySegment y, long yOff, long yStride, int g0, int g1, Work work) {
        int[] acc = work.acc;
        int words = layout.words();
        long stride = layout.groupBytes();
        int g = g0;
        for (; g + PAIR <= g1; g += PAIR) {
            Arrays.fill(acc, ACC0, ACC0 + TOKENS * PAIR * GROUP_ROWS, 0);
            for (int j0 = 0; j0 < words; j0 += FLUSH_WORDS) {
                pairChunk(w, g * stride, stride, tab, tabOff, tabStride, j0, Math.min(words, j0 + FLUSH_WORDS),
                        work.stage);
                widen(work.stage, TOKENS * PAIR * GROUP_ROWS, acc, ACC0);
            }
            for (int k = 0; k < TOKENS; k++) {
                for (int p = 0; p < PAIR; p++) {
                    store(acc, ACC0 + (k * PAIR + p) * GROUP_ROWS, s[s0 + k], scale, y, yOff + k * yStride,
                            (g + p) * GROUP_ROWS, layout.out());
                }
            }
        }
        if (g < g1) {
            for (int k = 0; k < TOKENS; k++) {
                gemv(w, layout, tab, tabOff + k * tabStride, s[s0 + k], scale, y, yOff + k * yStride, g, g1, work);
            }
        }
    }

    /**
     * Words {@code [j0, j1)} of the two groups from byte {@code base} for four tokens; token
     * {@code k}'s sums for group {@code p} go to {@code stage} from {@code STAGE0 + 32·(2k + p)}.
     */
    private static void pairChunk(MemorySegment w, long base, long stride, short[] tab, int tabOff, int tabStride,
                                  int j0, int j1, short[] stage) {
        ShortVector z = ShortVector.zero(SHORTS);
        ShortVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
        for (int j = j0; j < j1; j++) {
            long o = base + (long) j * WORD_BYTES;
            ShortVector v0 = ShortVector.fromMemorySegment(SHORTS, w, o, ORDER);
            ShortVector v1 = v0.lanewise(VectorOperators.LSHR, SHIFT1);
            ShortVector v2 = v0.lanewise(VectorOperators.LSHR, SHIFT2);
            ShortVector u0 = ShortVector.fromMemorySegment(SHORTS, w, o + stride, ORDER);
            ShortVector u1 = u0.lanewise(VectorOperators.LSHR, SHIFT1);
            ShortVector u2 = u0.lanewise(VectorOperators.LSHR, SHIFT2);
            int t = tabOff + j * WORD_TABLE;
            ShortVector t0 = ShortVector.fromArray(SHORTS, tab, t);
            ShortVector t1 = ShortVector.fromArray(SHORTS, tab, t + GROUP_ROWS);
            ShortVector t2 = ShortVector.fromArray(SHORTS, tab, t + 2 * GROUP_ROWS);
            a0 = a0.add(v0.selectFrom(t0)).add(v1.selectFrom(t1)).add(v2.selectFrom(t2));
            b0 = b0.add(u0.selectFrom(t0)).add(u1.selectFrom(t1)).add(u2.selectFrom(t2));
            t += tabStride;
            t0 = ShortVector.fromArray(SHORTS, tab, t);
            t1 = ShortVector.fromArray(SHORTS, tab, t + GROUP_ROWS);
            t2 = ShortVector.fromArray(SHORTS, tab, t + 2 * GROUP_ROWS);
            a1 = a1.add(v0.selectFrom(t0)).add(v1.selectFrom(t1)).add(v2.selectFrom(t2));
            b1 = b1.add(u0.selectFrom(t0)).add(u1.selectFrom(t1)).add(u2.selectFrom(t2));
            t += tabStride;
            t0 = ShortVector.fromArray(SHORTS, tab, t);
            t1 = ShortVector.fromArray(SHORTS, tab, t + GROUP_ROWS);
            t2 = ShortVector.fromArray(SHORTS, tab, t + 2 * GROUP_ROWS);
            a2 = a2.add(v0.selectFrom(t0)).add(v1.selectFrom(t1)).add(v2.selectFrom(t2));
            b2 = b2.add(u0.selectFrom(t0)).add(u1.selectFrom(t1)).add(u2.selectFrom(t2));
            t += tabStride;
            t0 = ShortVector.fromArray(SHORTS, tab, t);
            t1 = ShortVector.fromArray(SHORTS, tab, t + GROUP_ROWS);
            t2 = ShortVector.fromArray(SHORTS, tab, t + 2 * GROUP_ROWS);
            a3 = a3.add(v0.selectFrom(t0)).add(v1.selectFrom(t1)).add(v2.selectFrom(t2));
            b3 = b3.add(u0.selectFrom(t0)).add(u1.selectFrom(t1)).add(u2.selectFrom(t2));
        }
        a0.intoArray(stage, STAGE0);
        b0.intoArray(stage, STAGE0 + GROUP_ROWS);
        a1.intoArray(stage, STAGE0 + 2 * GROUP_ROWS);
        b1.intoArray(stage, STAGE0 + 3 * GROUP_ROWS);
        a2.intoArray(stage, STAGE0 + 4 * GROUP_ROWS);
        b2.intoArray(stage, STAGE0 + 5 * GROUP_ROWS);
        a3.intoArray(stage, STAGE0 + 6 * GROUP_ROWS);
        b3.intoArray(stage, STAGE0 + 7 * GROUP_ROWS);
    }

    /** Adds {@code n} int16 sums of {@code stage} (from {@link #STAGE0}) to {@code acc[at..]}. */
    private static void widen(short[] stage, int n, int[] acc, int at) {
        for (int i = 0; i < n; i += GROUP_ROWS) {
            ShortVector a = ShortVector.fromArray(SHORTS, stage, STAGE0 + i);
            IntVector lo = (IntVector) a.convert(VectorOperators.S2I, 0);
            IntVector hi = (IntVector) a.convert(VectorOperators.S2I, 1);
            lo.add(IntVector.fromArray(INTS, acc, at + i)).intoArray(acc, at + i);
            hi.add(IntVector.fromArray(INTS, acc, at + i + HALF)).intoArray(acc, at + i + HALF);
        }
    }

    /** Rows {@code row0..row0+31} (those below {@code out}) get {@code acc[at..] / s · scale}. */
    private static void store(int[] acc, int at, float s, float scale, MemorySegment y, long yOff, int row0, int out) {
        for (int h = 0; h < GROUP_ROWS; h += HALF) {
            FloatVector v = ((FloatVector) IntVector.fromArray(INTS, acc, at + h).convert(VectorOperators.I2F, 0))
                    .div(s).mul(scale);
            int row = row0 + h;
            long to = yOff + 4L * row;
            if (row + HALF <= out) {
                v.intoMemorySegment(y, to, ORDER);
            } else if (row < out) {
                VectorMask<Float> m = FLOATS.indexInRange(0, out - row);
                v.intoMemorySegment(y, to, ORDER, m);
            }
        }
    }
}
