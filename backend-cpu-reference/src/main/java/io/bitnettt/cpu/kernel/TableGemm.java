package io.bitnettt.cpu.kernel;

import static io.bitnettt.cpu.kernel.TernaryLayout.BLOCK_BYTES;
import static io.bitnettt.cpu.kernel.TernaryLayout.BLOCK_COLS;
import static io.bitnettt.cpu.kernel.TernaryLayout.GROUP_ROWS;
import static io.bitnettt.cpu.kernel.TernaryLayout.LANES;
import static io.bitnettt.cpu.kernel.TernaryLayout.SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prefill ternary GEMM by table lookup, with the tokens of a tile in vector lanes. One weight byte
 * holds the codes of four columns; for each such column quad a table of all 3^4 signed sums of the
 * four activation columns turns four multiply-adds per token into one table load and one add for
 * all {@link #TILE} tokens. A multiply-add kernel needs two vector ops per {@code LANES}
 * multiply-adds; this needs one per {@code 4 · LANES} plus a few scalar ops to find the entry,
 * and each table is built once per tile and pass and then read by every row.
 *
 * <p>A tile is two vectors of tokens, so a table entry is two vectors side by side (one cache line
 * at 16 lanes) and the entry index found from a weight byte serves both. The tables of one pass
 * (the {@link #QUADS} weight bytes of one {@code int} of each row's block word) take 4 × 81 entries,
 * 20 KB at 16 lanes, and stay in L1 while every row of the range runs over them. They are numbered
 * densely ({@link #DENSE}): indexed by the raw byte, the live entries of eight tables spread over
 * 256 slots at a power-of-two stride pile into a third of the L1 sets and evict each other.
 *
 * <p>Sums go to int16 row accumulators: an entry is at most 4 · 128 in magnitude, so
 * {@link #FLUSH_PASSES} passes of four lookups stay within ±28672, after which they are widened into
 * int32 ones. The result is {@code y = acc / s · scale}, the scalar reference's expression on the
 * same exact integer, so outputs match it bit for bit.
 *
 * <p>Weights are the layout's codes {@code u = t + 1}; the tables hold {@code Σ (u_m − 1)·x_m}, so
 * no per-token correction is needed and activations are plain quantized values, not
 * {@link TernaryLayout#telescope telescoped} ones.
 */
public final class TableGemm {
    /** Tokens per tile: two vectors. */
    public static final int TILE = 2 * LANES;
    /**
     * Below this many tokens the per-token GEMV ({@link TernaryMatmul#gemv}) is faster, as the
     * table work is per tile however many of its lanes hold tokens: on the AVX2 machine of the
     * README the two were level at 24 of 32 lanes (and the table kernel 1.5× ahead at 32).
     */
    public static final int MIN_TOKENS = 3 * TILE / 4;
    /** Weight bytes (column quads) per pass: one {@code int} of a row's block word. */
    static final int QUADS = Integer.BYTES;
    static final int PASSES_PER_BLOCK = BLOCK_BYTES / QUADS;
    /** Entries per table: the 3^4 code combinations, numbered {@code u0 + 3·u1 + 9·u2 + 27·u3}. */
    static final int ENTRIES = 81;
    static final int FLUSH_PASSES = 14;
    private static final VectorSpecies<Integer> INTS = SPECIES.withLanes(int.class);
    private static final ValueLayout.OfInt WORD = ValueLayout.JAVA_INT_UNALIGNED.withOrder(TernaryLayout.ORDER);
    private static final boolean LITTLE = TernaryLayout.ORDER == ByteOrder.LITTLE_ENDIAN;
    /** Weight byte to entry; code 3 never occurs in a packed weight. */
    private static final byte[] DENSE = dense();
    /** Pair-table slots {@code u0 + 4·u1} with both codes in 0..2, in entry order. */
    private static final int[] PAIR_SLOTS = {0, 1, 2, 4, 5, 6, 8, 9, 10};

    private TableGemm() {
    }

    /** Per-thread working memory, owned by the device's scratch so a warm call allocates nothing. */
    public static final class Work {
        final short[] tables = new short[QUADS * ENTRIES * TILE];
        final short[] pairs = new short[2 * 16 * TILE];
        short[] acc16 = new short[0];
        int[] acc32 = new int[0];

        void ensure(int rows) {
            if (acc16.length < rows * TILE) {
                acc16 = new short[rows * TILE];
                acc32 = new int[rows * TILE];
            }
        }
    }

    private static byte[] dense() {
        byte[] d = new byte[256];
        for (int b = 0; b < 256; b++) {
            int e = 0;
            for (int m = 3; m >= 0; m--) {
                int u = (b >>> (2 * m)) & 3;
                e = e * 3 + (u == 3 ? 0 : u);
            }
            d[b] = (byte) e;
        }
        return d;
    }

    static int tiles(int tokens) {
        return (tokens + TILE - 1) / TILE;
    }

    /** Shorts {@link #transpose} writes for {@code tokens} tokens of {@code paddedIn} columns. */
    public static int transposedSize(int tokens, int paddedIn) {
        return tiles(tokens) * paddedIn * TILE;
    }

    /**
     * Lays quantized activations ({@code tokens} rows of {@code paddedIn} shorts, {@code qStride}
     * apart) out as {@code xt[tile][column][lane]}, lane {@code l} holding token
     * {@code tile·TILE + l}; lanes past the last token are zero.
     */
    public static void transpose(short[] q, int qStride, int tokens, int paddedIn, short[] xt) {
        for (int tile = 0; tile < tiles(tokens); tile++) {
            int base = tile * paddedIn * TILE;
            for (int l = 0; l < TILE; l++) {
                int t = tile * TILE + l;
                int qo = t * qStride;
                for (int k = 0; k < paddedIn; k++) {
                    xt[base + k * TILE + l] = t < tokens ? q[qo + k] : 0;
                }
            }
        }
    }

    /**
     * All tokens of {@code xt} against row groups {@code [g0, g1)}: {@code y[t, row]} (F32, token
     * rows {@code yStride} bytes apart) is overwritten for those rows and every token.
     */
    public static void run(MemorySegment w, TernaryLayout layout, short[] xt, int tokens, float[] s, float scale,
                           MemorySegment y, long yStride, int g0, int g1, Work work) {
        int rows = (g1 - g0) * GROUP_ROWS;
        work.ensure(rows);
        int paddedIn = layout.paddedIn();
        for (int tile = 0; tile < tiles(tokens); tile++) {
            Arrays.fill(work.acc16, 0, rows * TILE, (short) 0);
            Arrays.fill(work.acc32, 0, rows * TILE, 0);
            int xBase = tile * paddedIn * TILE;
            int passes = 0;
            for (int b = 0; b < layout.blocks(); b++) {
                for (int pass = 0; pass < PASSES_PER_BLOCK; pass++) {
                    buildTables(xt, xBase, b, pass, work);
                    lookupRows(w, layout, b, pass, g0, g1, work);
                    if (++passes == FLUSH_PASSES) {
                        flush(work, rows);
                        passes = 0;
                    }
                }
            }
            flush(work, rows);
            store(work, rows, g0, tile, tokens, s, scale, y, yStride);
        }
    }

    /** The tables of one pass: table {@code f} serves bits {@code 8f..8f+7} of the pass's word. */
    private static void buildTables(short[] xt, int xBase, int block, int pass, Work work) {
        for (int f = 0; f < QUADS; f++) {
            // bits 8f.. of the word are byte j = f & 1 (codes 4j..4j+3, columns (4j + m)·LANES + lane
            // of the block) of one lane's short in either byte order; which lane depends on the order
            int k = f >> 1;
            int lane = pass * (QUADS / 2) + (LITTLE ? k : QUADS / 2 - 1 - k);
            int col = block * BLOCK_COLS + 4 * (f & 1) * LANES + lane;
            for (int h = 0; h < TILE; h += LANES) {
                pairTable(xt, xBase + col * TILE + h, work.pairs, h);
                pairTable(xt, xBase + (col + 2 * LANES) * TILE + h, work.pairs, 16 * TILE + h);
            }
            combine(work.pairs, work.tables, f * ENTRIES * TILE);
        }
    }

    /**
     * Writes {@code (u0 − 1)·x0 + (u1 − 1)·x1} at slot {@code u0 + 4·u1} (slots {@link #TILE} apart)
     * for codes 0..2, {@code x0} being the vector at {@code xo} and {@code x1} the one {@code LANES}
     * columns later.
     */
    private static void pairTable(short[] xt, int xo, short[] p, int po) {
        ShortVector x0 = ShortVector.fromArray(SPECIES, xt, xo);
        ShortVector x1 = ShortVector.fromArray(SPECIES, xt, xo + LANES * TILE);
        ShortVector m0 = x0.neg();
        ShortVector m1 = x1.neg();
        m0.add(m1).intoArray(p, po);
        m1.intoArray(p, po + TILE);
        x0.sub(x1).intoArray(p, po + 2 * TILE);
        m0.intoArray(p, po + 4 * TILE);
        ShortVector.zero(SPECIES).intoArray(p, po + 5 * TILE);
        x0.intoArray(p, po + 6 * TILE);
        x1.sub(x0).intoArray(p, po + 8 * TILE);
        x1.intoArray(p, po + 9 * TILE);
        x0.add(x1).intoArray(p, po + 10 * TILE);
    }

    /**
     * Entry {@code i + 9·j} = low pair slot {@code PAIR_SLOTS[i]} + high pair slot
     * {@code PAIR_SLOTS[j]}; slot {@code u0 + 4·u1} is the {@code (u0 + 3·u1)}-th of them, so that is
     * entry {@code u0 + 3·u1 + 9·u2 + 27·u3}.
     */
    private static void combine(short[] p, short[] tables, int to) {
        for (int j = 0; j < PAIR_SLOTS.length; j++) {
            for (int h = 0; h < TILE; h += LANES) {
                ShortVector hi = ShortVector.fromArray(SPECIES, p, (16 + PAIR_SLOTS[j]) * TILE + h);
                for (int i = 0; i < PAIR_SLOTS.length; i++) {
                    ShortVector.fromArray(SPECIES, p, PAIR_SLOTS[i] * TILE + h).add(hi)
                            .intoArray(tables, to + (i + 9 * j) * TILE + h);
                }
            }
        }
    }

    /** Adds this pass's lookups to every row's int16 accumulators. */
    private static void lookupRows(MemorySegment w, TernaryLayout layout, int block, int pass, int g0, int g1,
                                   Work work) {
        short[] t = work.tables;
        short[] acc = work.acc16;
        long groupStride = (long) layout.blocks() * GROUP_ROWS * BLOCK_BYTES;
        long wo = layout.offset(g0 * GROUP_ROWS, block) + (long) pass * QUADS;
        for (int g = g0, ao = 0; g < g1; g++, ao += GROUP_ROWS * TILE, wo += groupStride) {
            int w0 = w.get(WORD, wo);
            int w1 = w.get(WORD, wo + BLOCK_BYTES);
            lookupPair(w0, w1, t, acc, ao);
            int w2 = w.get(WORD, wo + 2 * BLOCK_BYTES);
            int w3 = w.get(WORD, wo + 3 * BLOCK_BYTES);
            lookupPair(w2, w3, t, acc, ao + 2 * TILE);
        }
    }

    /**
     * Two rows side by side, each as two vectors of tokens: four independent add chains, and each
     * entry index found once for both vectors of its entry. Unrolled by hand so the byte shifts are
     * constants.
     */
    private static void lookupPair(int w0, int w1, short[] t, short[] acc, int ao) {
        ShortVector a0 = ShortVector.fromArray(SPECIES, acc, ao);
        ShortVector b0 = ShortVector.fromArray(SPECIES, acc, ao + LANES);
        ShortVector a1 = ShortVector.fromArray(SPECIES, acc, ao + TILE);
        ShortVector b1 = ShortVector.fromArray(SPECIES, acc, ao + TILE + LANES);
        int e0 = DENSE[w0 & 0xFF] * TILE;
        int e1 = DENSE[w1 & 0xFF] * TILE;
        a0 = a0.add(ShortVector.fromArray(SPECIES, t, e0));
        b0 = b0.add(ShortVector.fromArray(SPECIES, t, e0 + LANES));
        a1 = a1.add(ShortVector.fromArray(SPECIES, t, e1));
        b1 = b1.add(ShortVector.fromArray(SPECIES, t, e1 + LANES));
        e0 = (ENTRIES + DENSE[(w0 >>> 8) & 0xFF]) * TILE;
        e1 = (ENTRIES + DENSE[(w1 >>> 8) & 0xFF]) * TILE;
        a0 = a0.add(ShortVector.fromArray(SPECIES, t, e0));
        b0 = b0.add(ShortVector.fromArray(SPECIES, t, e0 + LANES));
        a1 = a1.add(ShortVector.fromArray(SPECIES, t, e1));
        b1 = b1.add(ShortVector.fromArray(SPECIES, t, e1 + LANES));
        e0 = (2 * ENTRIES + DENSE[(w0 >>> 16) & 0xFF]) * TILE;
        e1 = (2 * ENTRIES + DENSE[(w1 >>> 16) & 0xFF]) * TILE;
        a0 = a0.add(ShortVector.fromArray(SPECIES, t, e0));
        b0 = b0.add(ShortVector.fromArray(SPECIES, t, e0 + LANES));
        a1 = a1.add(ShortVector.fromArray(SPECIES, t, e1));
        b1 = b1.add(ShortVector.fromArray(SPECIES, t, e1 + LANES));
        e0 = (3 * ENTRIES + DENSE[w0 >>> 24]) * TILE;
        e1 = (3 * ENTRIES + DENSE[w1 >>> 24]) * TILE;
        a0 = a0.add(ShortVector.fromArray(SPECIES, t, e0));
        b0 = b0.add(ShortVector.fromArray(SPECIES, t, e0 + LANES));
        a1 = a1.add(ShortVector.fromArray(SPECIES, t, e1));
        b1 = b1.add(ShortVector.fromArray(SPECIES, t, e1 + LANES));
        a0.intoArray(acc, ao);
        b0.intoArray(acc, ao + LANES);
        a1.intoArray(acc, ao + TILE);
        b1.intoArray(acc, ao + TILE + LANES);
    }

    /** Widens the int16 accumulators into the int32 ones and clears them. */
    private static void flush(Work work, int rows) {
        short[] a16 = work.acc16;
        int[] a32 = work.acc32;
        int half = LANES / 2;
        for (int o = 0; o < rows * TILE; o += LANES) {
            ShortVector a = ShortVector.fromArray(SPECIES, a16, o);
            ((IntVector) a.convertShape(VectorOperators.S2I, INTS, 0)).add(IntVector.fromArray(INTS, a32, o))
                    .intoArray(a32, o);
            ((IntVector) a.convertShape(VectorOperators.S2I, INTS, 1)).add(IntVector.fromArray(INTS, a32, o + half))
                    .intoArray(a32, o + half);
            ShortVector.zero(SPECIES).intoArray(a16, o);
        }
    }

    private static void store(Work work, int rows, int g0, int tile, int tokens, float[] s, float scale,
                              MemorySegment y, long yStride) {
        int lanes = Math.min(TILE, tokens - tile * TILE);
        long row0 = 4L * g0 * GROUP_ROWS;
        for (int l = 0; l < lanes; l++) {
            int t = tile * TILE + l;
            float st = s[t];
            long yo = t * yStride + row0;
            for (int r = 0; r < rows; r++) {
                y.set(ValueLayout.JAVA_FLOAT, yo + 4L * r, work.acc32[r * TILE + l] / st * scale);
            }
        }
    }
}
