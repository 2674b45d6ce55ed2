package io.bitnettt.cpu.kernel;

import static io.bitnettt.cpu.kernel.LookupLayout.CHUNK_WORDS;
import static io.bitnettt.cpu.kernel.LookupLayout.FIELD_BITS;
import static io.bitnettt.cpu.kernel.LookupLayout.GROUP_ROWS;
import static io.bitnettt.cpu.kernel.LookupLayout.ORDER;
import static io.bitnettt.cpu.kernel.LookupLayout.SLAB_GROUPS;
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
 * rows, and walks a chunk of columns over every slab of its range before the next chunk, in the
 * layout's order, so the weights come as one stream and the chunk's tables stay in L1.
 * {@link #gemm} (prefill) runs four tokens over two row groups: each weight word is loaded
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
 * {@link LookupLayout#CHUNK_WORDS} words (three entries each) stay within ±32256 before they are
 * widened to int32. The result is {@code y = acc / s · scale}, the scalar reference's expression on the same
 * exact integer, so outputs match it bit for bit.
 */
public final class LookupMatmul {
    static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_512;
    /** Table shorts per weight word: three tables of {@link LookupLayout#GROUP_ROWS} entries. */
    public static final int WORD_TABLE = 3 * GROUP_ROWS;
    /** Bytes of one word of every group of a whole slab. */
    private static final long SLAB_BYTES = (long) SLAB_GROUPS * WORD_BYTES;
    /** Tokens per {@link #gemm} pass, each over {@link #PAIR} row groups. */
    public static final int TOKENS = 4;
    private static final int PAIR = 2;
    private static final int STEP_SUMS = Math.max(SLAB_GROUPS, TOKENS * PAIR) * GROUP_ROWS;
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
        /** int32 sums of every row group of a call's range, from {@link #ACC0}. */
        private int[] acc = new int[0];
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

        /**
         * Grows the sums to hold {@code groups} row groups of {@link #TOKENS} tokens, the most a
         * {@link #gemm} over that many groups needs, so the kernels then allocate nothing.
         */
        public void reserve(int groups) {
            acc(TOKENS * groups);
        }

        /** Zeroes the sums of groups {@code [0, groups)}, growing them first where needed. */
        public void clearSums(int groups) {
            Arrays.fill(acc(groups), ACC0, ACC0 + groups * GROUP_ROWS, 0);
        }

        int[] acc(int groups) {
            int n = ACC0 + groups * GROUP_ROWS + ACC0;
            if (acc.length < n) {
                acc = new int[n];
            }
            return acc;
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
     * the output lands at byte {@code yOff + 4j}. Chunk by chunk, the range's slabs in layout
     * order: one forward stream, the chunk's tables reused from L1 by every slab.
     */
    public static void gemv(MemorySegment w, LookupLayout layout, short[] tab, int tabOff, float s, float scale,
                            MemorySegment y, long yOff, int g0, int g1, Work work) {
        int n = g1 - g0;
        int[] acc = work.acc(n);
        Arrays.fill(acc, ACC0, ACC0 + n * GROUP_ROWS, 0);
        addSums(w, layout, tab, tabOff, 0, layout.words(), g0, g1, acc, ACC0, work.stage);
        for (int g = g0; g < g1; g++) {
            store(acc, ACC0 + (g - g0) * GROUP_ROWS, s, scale, y, yOff, g * GROUP_ROWS, layout.out());
        }
    }

    /**
     * Adds one token's int sums over words {@code [j0, j1)} ({@code j0} at a chunk's start) of every
     * row group to {@code work}'s sums, group {@code g}'s at group {@code group0 + g}. Those words of
     * all groups are one stretch of the layout, read in order, so parts that split a GEMV by columns
     * each stream a stretch of their own; the sums are exact integers, so however the columns are
     * split, {@link #foldSums} then gives the same sums.
     */
    public static void addColumnSums(MemorySegment w, LookupLayout layout, short[] tab, int tabOff, int j0, int j1,
                                     Work work, int group0) {
        addSums(w, layout, tab, tabOff, j0, j1, 0, layout.groups(), work.acc, ACC0 + group0 * GROUP_ROWS, work.stage);
    }

    /**
     * Adds the int sums over words {@code [j0, j1)} of row groups {@code [g0, g1)} to
     * {@code acc[at + 32·(g - g0)..]}: chunk by chunk, the range's slabs in layout order, so the
     * weights come as one forward stream and each chunk's tables are reused from L1 by every slab.
     * Groups of a slab that the range or the matrix cuts run one at a time.
     */
    private static void addSums(MemorySegment w, LookupLayout layout, short[] tab, int tabOff, int j0, int j1, int g0,
                                int g1, int[] acc, int at, short[] stage) {
        long touched = 0;
        for (int c = j0; c < j1; c += CHUNK_WORDS) {
            int len = layout.chunkWords(c);
            int t = tabOff + c * WORD_TABLE;
            for (int g = g0; g < g1; ) {
                int slab = g / SLAB_GROUPS;
                int k = g % SLAB_GROUPS;
                int m = layout.slabGroups(slab);
                long base = layout.slabOffset(c, slab);
                int to = at + (g - g0) * GROUP_ROWS;
                if (k == 0 && m == SLAB_GROUPS && g + SLAB_GROUPS <= g1) {
                    touched += slabChunk(w, base, tab, t, len, stage);
                    widen(stage, STAGE0, SLAB_GROUPS * GROUP_ROWS, acc, to);
                    g += SLAB_GROUPS;
                } else {
                    touched += groupChunk(w, base + (long) k * WORD_BYTES, (long) m * WORD_BYTES, tab, t, len, stage,
                            STAGE0);
                    widen(stage, STAGE0, GROUP_ROWS, acc, to);
                    g++;
                }
            }
        }
        TouchAhead.keep(touched);
    }

    /** Adds {@code from}'s sums of groups {@code [0, groups)} to {@code into}'s. */
    public static void foldSums(Work into, Work from, int groups) {
        int[] a = into.acc;
        int[] b = from.acc;
        for (int i = ACC0; i < ACC0 + groups * GROUP_ROWS; i += HALF) {
            IntVector.fromArray(INTS, a, i).add(IntVector.fromArray(INTS, b, i)).intoArray(a, i);
        }
    }

    /** Rows of {@code layout} from {@code work}'s sums of groups from {@code group0}: {@code y = sum / s · scale}. */
    public static void storeSums(Work work, int group0, LookupLayout layout, float s, float scale, MemorySegment y,
                                 long yOff) {
        for (int g = 0; g < layout.groups(); g++) {
            store(work.acc, ACC0 + (group0 + g) * GROUP_ROWS, s, scale, y, yOff, g * GROUP_ROWS, layout.out());
        }
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

    /**
     * {@code len} words of a whole slab from byte {@code base}, the tables of its first word at
     * {@code t}; the four groups' sums to {@code stage} from {@link #STAGE0}.
     */
    private static long slabChunk(MemorySegment w, long base, short[] tab, int t, int len, short[] stage) {
        ShortVector a0 = ShortVector.zero(SHORTS), a1 = a0, a2 = a0, a3 = a0;
        long touched = 0;
        for (int i = 0; i < len; i++) {
            int ti = t + i * WORD_TABLE;
            ShortVector t0 = ShortVector.fromArray(SHORTS, tab, ti);
            ShortVector t1 = ShortVector.fromArray(SHORTS, tab, ti + GROUP_ROWS);
            ShortVector t2 = ShortVector.fromArray(SHORTS, tab, ti + 2 * GROUP_ROWS);
            long o = base + (long) i * SLAB_BYTES;
            if (TouchAhead.ON) {
                touched += TouchAhead.ahead(w, o) + TouchAhead.ahead(w, o + WORD_BYTES)
                        + TouchAhead.ahead(w, o + 2 * WORD_BYTES) + TouchAhead.ahead(w, o + 3 * WORD_BYTES);
            }
            ShortVector w0 = ShortVector.fromMemorySegment(SHORTS, w, o, ORDER);
            ShortVector w1 = ShortVector.fromMemorySegment(SHORTS, w, o + WORD_BYTES, ORDER);
            ShortVector w2 = ShortVector.fromMemorySegment(SHORTS, w, o + 2 * WORD_BYTES, ORDER);
            ShortVector w3 = ShortVector.fromMemorySegment(SHORTS, w, o + 3 * WORD_BYTES, ORDER);
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

    /**
     * {@code len} words of one group, {@code step} bytes apart from byte {@code base}, the tables
     * of its first word at {@code t}; its sums to {@code stage} from {@code at}.
     */
    private static long groupChunk(MemorySegment w, long base, long step, short[] tab, int t, int len,
                                   short[] stage, int at) {
        ShortVector a = ShortVector.zero(SHORTS);
        long touched = 0;
        for (int i = 0; i < len; i++) {
            int ti = t + i * WORD_TABLE;
            long o = base + i * step;
            if (TouchAhead.ON) {
                touched += TouchAhead.ahead(w, o);
            }
            ShortVector w0 = ShortVector.fromMemorySegment(SHORTS, w, o, ORDER);
            a = a.add(w0.selectFrom(ShortVector.fromArray(SHORTS, tab, ti)))
                    .add(w0.lanewise(VectorOperators.LSHR, SHIFT1)
                            .selectFrom(ShortVector.fromArray(SHORTS, tab, ti + GROUP_ROWS)))
                    .add(w0.lanewise(VectorOperators.LSHR, SHIFT2)
                            .selectFrom(ShortVector.fromArray(SHORTS, tab, ti + 2 * GROUP_ROWS)));
        }
        a.intoArray(stage, at);
        return touched;
    }

    /**
     * {@link #TOKENS} tokens, token {@code k}'s tables at {@code tabOff + k·tabStride} and its output
     * row at byte {@code yOff + k·yStride}, against row groups {@code [g0, g1)}, in {@link #gemv}'s
     * order: each weight word is loaded and split into fields once for four tokens, and each table
     * load serves two groups of a slab. A group without a partner in its slab and range runs per
     * token.
     */
    public static void gemm(MemorySegment w, LookupLayout layout, short[] tab, int tabOff, int tabStride, float[] s,
                            int s0, float scale, MemorySegment y, long yOff, long yStride, int g0, int g1, Work work) {
        int n = g1 - g0;
        int[] acc = work.acc(TOKENS * n);
        Arrays.fill(acc, ACC0, ACC0 + TOKENS * n * GROUP_ROWS, 0);
        short[] stage = work.stage;
        for (int j0 = 0; j0 < layout.words(); j0 += CHUNK_WORDS) {
            int len = layout.chunkWords(j0);
            int t = tabOff + j0 * WORD_TABLE;
            for (int g = g0; g < g1; ) {
                int slab = g / SLAB_GROUPS;
                int k = g % SLAB_GROUPS;
                int m = layout.slabGroups(slab);
                long base = layout.slabOffset(j0, slab) + (long) k * WORD_BYTES;
                long step = (long) m * WORD_BYTES;
                int pair = k % PAIR == 0 && k + 1 < m && g + 1 < g1 ? PAIR : 1;
                if (pair == PAIR) {
                    pairChunk(w, base, step, tab, t, tabStride, len, stage);
                } else {
                    for (int tok = 0; tok < TOKENS; tok++) {
                        groupChunk(w, base, step, tab, t + tok * tabStride, len, stage, STAGE0 + tok * PAIR * GROUP_ROWS);
                    }
                }
                for (int tok = 0; tok < TOKENS; tok++) {
                    widen(stage, STAGE0 + tok * PAIR * GROUP_ROWS, pair * GROUP_ROWS, acc,
                            ACC0 + (tok * n + g - g0) * GROUP_ROWS);
                }
                g += pair;
            }
        }
        for (int tok = 0; tok < TOKENS; tok++) {
            for (int g = g0; g < g1; g++) {
                store(acc, ACC0 + (tok * n + g - g0) * GROUP_ROWS, s[s0 + tok], scale, y, yOff + tok * yStride,
                        g * GROUP_ROWS, layout.out());
            }
        }
    }

    /**
     * {@code len} words of two groups for four tokens: group 0's words {@code step} bytes apart from
     * byte {@code base}, group 1's one word later; token {@code k}'s sums for group {@code p} go to
     * {@code stage} from {@code STAGE0 + 32·(2k + p)}.
     */
    private static void pairChunk(MemorySegment w, long base, long step, short[] tab, int tabOff, int tabStride,
                                  int len, short[] stage) {
        ShortVector z = ShortVector.zero(SHORTS);
        ShortVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
        for (int i = 0; i < len; i++) {
            long o = base + i * step;
            ShortVector v0 = ShortVector.fromMemorySegment(SHORTS, w, o, ORDER);
            ShortVector v1 = v0.lanewise(VectorOperators.LSHR, SHIFT1);
            ShortVector v2 = v0.lanewise(VectorOperators.LSHR, SHIFT2);
            ShortVector u0 = ShortVector.fromMemorySegment(SHORTS, w, o + WORD_BYTES, ORDER);
            ShortVector u1 = u0.lanewise(VectorOperators.LSHR, SHIFT1);
            ShortVector u2 = u0.lanewise(VectorOperators.LSHR, SHIFT2);
            int t = tabOff + i * WORD_TABLE;
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

    /** Adds {@code n} int16 sums of {@code stage} (from {@code from}) to {@code acc[at..]}. */
    private static void widen(short[] stage, int from, int n, int[] acc, int at) {
        for (int i = 0; i < n; i += GROUP_ROWS) {
            ShortVector a = ShortVector.fromArray(SHORTS, stage, from + i);
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
