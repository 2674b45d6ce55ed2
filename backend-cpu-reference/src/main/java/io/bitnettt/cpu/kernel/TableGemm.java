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
 * all tokens of a tile. A multiply-add kernel needs two vector ops per {@code LANES}
 * multiply-adds; this needs one per {@code 4 · LANES} plus a few scalar ops to find the entry,
 * and each table is built once per tile and pass and then read by every row.
 *
 * <p>A table entry holds one tile of tokens, so the entry index found from a weight byte serves
 * every vector of it. Finding indices is most of a lookup's work, so tiles are wide
 * ({@link #WIDE}: 128 tokens, eight vectors at 16 lanes) while enough tokens remain, and narrow
 * ({@link #NARROW}, two vectors) for the rest of a prompt ({@link #tileWidth}): on the README's AVX2
 * machine wide tiles ran 1.2–1.5× faster per token than narrow ones at the 2B-4T shapes. The
 * tables of one pass (the {@link #QUADS} weight bytes of one {@code int} of each row's block word)
 * take 4 × 81 entries, 83 KB for a wide tile, and are read by every row of a chunk of the range
 * ({@link #MAX_CHUNK_GROUPS}). They are numbered densely ({@link #DENSE}): indexed by the raw byte,
 * the live entries of eight tables spread over 256 slots at a power-of-two stride pile into a third
 * of the L1 sets and evict each other.
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
    /** Tokens of a wide tile: 128 (eight vectors at 16 lanes), or four vectors if those are wider. */
    static final int WIDE = Math.max(128, 4 * LANES);
    /** Tokens of a narrow tile: two vectors. */
    static final int NARROW = 2 * LANES;
    /**
     * Below this many tokens the per-token GEMV ({@link TernaryMatmul#gemv}) is faster, as the
     * table work is per tile however many of its lanes hold tokens: on the AVX2 machine of the
     * README the two were level at 24 of 32 lanes (and the table kernel 1.5× ahead at 32).
     */
    public static final int MIN_TOKENS = 3 * NARROW / 4;
    /** Weight bytes (column quads) per pass: one {@code int} of a row's block word. */
    static final int QUADS = Integer.BYTES;
    static final int PASSES_PER_BLOCK = BLOCK_BYTES / QUADS;
    /** Entries per table: the 3^4 code combinations, numbered {@code u0 + 3·u1 + 9·u2 + 27·u3}. */
    static final int ENTRIES = 81;
    static final int FLUSH_PASSES = 14;
    /**
     * At most this many row groups share one build of the tables (a range is cut into equal
     * chunks). Bounded so a wide tile's int16 accumulators (3072 rows × 128 tokens × 2 bytes:
     * 768 KB) stay in a 1 MB L2 as every pass sweeps them: at the 6912 rows of the MLP the unbounded
     * sweep gave up the wide tiles' whole lead; rebuilding the tables per chunk costs little next to
     * thousands of rows of lookups.
     */
    static final int MAX_CHUNK_GROUPS = 768;
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
        final short[] tables = new short[QUADS * ENTRIES * WIDE];
        final short[] pairs = new short[2 * 16 * WIDE];
        short[] acc16 = new short[0];
        int[] acc32 = new int[0];

        void ensure(int rows) {
            if (acc16.length < rows * WIDE) {
                acc16 = new short[rows * WIDE];
                acc32 = new int[rows * WIDE];
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

    /**
     * Lanes of the tile that starts with {@code remaining} tokens still to do: wide while three
     * quarters of a wide tile can be filled, else narrow. Every tile but the last is full, so the
     * tile starting at token {@code t0} begins at {@code t0 · paddedIn} in the transposed activations.
     */
    static int tileWidth(int remaining) {
        return remaining >= 3 * WIDE / 4 ? WIDE : NARROW;
    }

    /** Shorts {@link #transpose} writes for {@code tokens} tokens of {@code paddedIn} columns. */
    public static int transposedSize(int tokens, int paddedIn) {
        int t0 = 0;
        while (tokens - t0 > tileWidth(tokens - t0)) {
            t0 += tileWidth(tokens - t0);
        }
        return (t0 + tileWidth(tokens - t0)) * paddedIn;
    }

    /**
     * Lays quantized activations ({@code tokens} rows of {@code paddedIn} shorts, {@code qStride}
     * apart) out tile by tile as {@code [column][lane]}, lane {@code l} of the tile starting at token
     * {@code t0} holding token {@code t0 + l}; lanes past the last token are zero.
     */
    public static void transpose(short[] q, int qStride, int tokens, int paddedIn, short[] xt) {
        for (int t0 = 0; t0 < tokens; t0 += tileWidth(tokens - t0)) {
            int width = tileWidth(tokens - t0);
            int base = t0 * paddedIn;
            for (int l = 0; l < width; l++) {
                int t = t0 + l;
                int qo = t * qStride;
                for (int k = 0; k < paddedIn; k++) {
                    xt[base + k * width + l] = t < tokens ? q[qo + k] : 0;
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
        if (g0 >= g1) {
            return;
        }
        int chunks = (g1 - g0 + MAX_CHUNK_GROUPS - 1) / MAX_CHUNK_GROUPS;
        int chunk = (g1 - g0 + chunks - 1) / chunks;
        work.ensure(chunk * GROUP_ROWS);
        int paddedIn = layout.paddedIn();
        for (int t0 = 0; t0 < tokens; t0 += tileWidth(tokens - t0)) {
            int width = tileWidth(tokens - t0);
            int xBase = t0 * paddedIn;
            for (int c0 = g0; c0 < g1; c0 += chunk) {
                int c1 = Math.min(g1, c0 + chunk);
                int rows = (c1 - c0) * GROUP_ROWS;
                Arrays.fill(work.acc16, 0, rows * width, (short) 0);
                Arrays.fill(work.acc32, 0, rows * width, 0);
                int passes = 0;
                for (int b = 0; b < layout.blocks(); b++) {
                    for (int pass = 0; pass < PASSES_PER_BLOCK; pass++) {
                        buildTables(xt, xBase, width, b, pass, work);
                        lookupRows(w, layout, width, b, pass, c0, c1, work);
                        if (++passes == FLUSH_PASSES) {
                            flush(work, rows * width);
                            passes = 0;
                        }
                    }
                }
                flush(work, rows * width);
                store(work, rows, width, c0, t0, tokens, s, scale, y, yStride);
            }
        }
    }

    /** The tables of one pass: table {@code f} serves bits {@code 8f..8f+7} of the pass's word. */
    private static void buildTables(short[] xt, int xBase, int width, int block, int pass, Work work) {
        for (int f = 0; f < QUADS; f++) {
            // bits 8f.. of the word are byte j = f & 1 (codes 4j..4j+3, columns (4j + m)·LANES + lane
            // of the block) of one lane's short in either byte order; which lane depends on the order
            int k = f >> 1;
            int lane = pass * (QUADS / 2) + (LITTLE ? k : QUADS / 2 - 1 - k);
            int col = block * BLOCK_COLS + 4 * (f & 1) * LANES + lane;
            for (int h = 0; h < width; h += LANES) {
                pairTable(xt, xBase + col * width + h, width, work.pairs, h);
                pairTable(xt, xBase + (col + 2 * LANES) * width + h, width, work.pairs, 16 * width + h);
            }
            combine(work.pairs, width, work.tables, f * ENTRIES * width);
        }
    }

    /**
     * Writes {@code (u0 − 1)·x0 + (u1 − 1)·x1} at slot {@code u0 + 4·u1} (slots {@code width} apart)
     * for codes 0..2, {@code x0} being the vector at {@code xo} and {@code x1} the one {@code LANES}
     * columns ({@code LANES · width} shorts) later.
     */
    private static void pairTable(short[] xt, int xo, int width, short[] p, int po) {
        ShortVector x0 = ShortVector.fromArray(SPECIES, xt, xo);
        ShortVector x1 = ShortVector.fromArray(SPECIES, xt, xo + LANES * width);
        ShortVector m0 = x0.neg();
        ShortVector m1 = x1.neg();
        m0.add(m1).intoArray(p, po);
        m1.intoArray(p, po + width);
        x0.sub(x1).intoArray(p, po + 2 * width);
        m0.intoArray(p, po + 4 * width);
        ShortVector.zero(SPECIES).intoArray(p, po + 5 * width);
        x0.intoArray(p, po + 6 * width);
        x1.sub(x0).intoArray(p, po + 8 * width);
        x1.intoArray(p, po + 9 * width);
        x0.add(x1).intoArray(p, po + 10 * width);
    }

    /**
     * Entry {@code i + 9·j} = low pair slot {@code PAIR_SLOTS[i]} + high pair slot
     * {@code PAIR_SLOTS[j]}; slot {@code u0 + 4·u1} is the {@code (u0 + 3·u1)}-th of them, so that is
     * entry {@code u0 + 3·u1 + 9·u2 + 27·u3}.
     */
    private static void combine(short[] p, int width, short[] tables, int to) {
        for (int j = 0; j < PAIR_SLOTS.length; j++) {
            for (int h = 0; h < width; h += LANES) {
                ShortVector hi = ShortVector.fromArray(SPECIES, p, (16 + PAIR_SLOTS[j]) * width + h);
                for (int i = 0; i < PAIR_SLOTS.length; i++) {
                    ShortVector.fromArray(SPECIES, p, PAIR_SLOTS[i] * width + h).add(hi)
                            .intoArray(tables, to + (i + 9 * j) * width + h);
                }
            }
        }
    }

    /** Adds this pass's lookups to every row's int16 accumulators. */
    private static void lookupRows(MemorySegment w, TernaryLayout layout, int width, int block, int pass, int g0,
                                   int g1, Work work) {
        short[] t = work.tables;
        short[] acc = work.acc16;
        long groupStride = (long) layout.blocks() * GROUP_ROWS * BLOCK_BYTES;
        long wo = layout.offset(g0 * GROUP_ROWS, block) + (long) pass * QUADS;
        for (int g = g0, ao = 0; g < g1; g++, ao += GROUP_ROWS * width, wo += groupStride) {
            lookupPair(w.get(WORD, wo), w.get(WORD, wo + BLOCK_BYTES), t, acc, ao, width);
            lookupPair(w.get(WORD, wo + 2 * BLOCK_BYTES), w.get(WORD, wo + 3 * BLOCK_BYTES), t, acc, ao + 2 * width,
                    width);
        }
    }

    /**
     * Two rows side by side: each row's four entry indices are found once and then serve every
     * vector of the tile. The vector loop is written once per tile width so that each copy has a
     * constant trip count, which C2 unrolls; with {@code width} as the bound the wide tiles lost
     * most of their lead.
     */
    private static void lookupPair(int w0, int w1, short[] t, short[] acc, int ao, int width) {
        int e00 = DENSE[w0 & 0xFF] * width;
        int e01 = (ENTRIES + DENSE[(w0 >>> 8) & 0xFF]) * width;
        int e02 = (2 * ENTRIES + DENSE[(w0 >>> 16) & 0xFF]) * width;
        int e03 = (3 * ENTRIES + DENSE[w0 >>> 24]) * width;
        int e10 = DENSE[w1 & 0xFF] * width;
        int e11 = (ENTRIES + DENSE[(w1 >>> 8) & 0xFF]) * width;
        int e12 = (2 * ENTRIES + DENSE[(w1 >>> 16) & 0xFF]) * width;
        int e13 = (3 * ENTRIES + DENSE[w1 >>> 24]) * width;
        int ao1 = ao + width;
        if (width == WIDE) {
            for (int h = 0; h < WIDE; h += LANES) {
                addEntries(t, acc, ao + h, e00 + h, e01 + h, e02 + h, e03 + h);
                addEntries(t, acc, ao1 + h, e10 + h, e11 + h, e12 + h, e13 + h);
            }
        } else {
            for (int h = 0; h < NARROW; h += LANES) {
                addEntries(t, acc, ao + h, e00 + h, e01 + h, e02 + h, e03 + h);
                addEntries(t, acc, ao1 + h, e10 + h, e11 + h, e12 + h, e13 + h);
            }
        }
    }

    private static void addEntries(short[] t, short[] acc, int o, int e0, int e1, int e2, int e3) {
        ShortVector.fromArray(SPECIES, acc, o)
                .add(ShortVector.fromArray(SPECIES, t, e0))
                .add(ShortVector.fromArray(SPECIES, t, e1))
                .add(ShortVector.fromArray(SPECIES, t, e2))
                .add(ShortVector.fromArray(SPECIES, t, e3))
                .intoArray(acc, o);
    }

    /** Widens the int16 accumulators into the int32 ones and clears them. */
    private static void flush(Work work, int length) {
        short[] a16 = work.acc16;
        int[] a32 = work.acc32;
        int half = LANES / 2;
        for (int o = 0; o < length; o += LANES) {
            ShortVector a = ShortVector.fromArray(SPECIES, a16, o);
            ((IntVector) a.convertShape(VectorOperators.S2I, INTS, 0)).add(IntVector.fromArray(INTS, a32, o))
                    .intoArray(a32, o);
            ((IntVector) a.convertShape(VectorOperators.S2I, INTS, 1)).add(IntVector.fromArray(INTS, a32, o + half))
                    .intoArray(a32, o + half);
            ShortVector.zero(SPECIES).intoArray(a16, o);
        }
    }

    private static void store(Work work, int rows, int width, int g0, int t0, int tokens, float[] s, float scale,
                              MemorySegment y, long yStride) {
        int lanes = Math.min(width, tokens - t0);
        long row0 = 4L * g0 * GROUP_ROWS;
        for (int l = 0; l < lanes; l++) {
            int t = t0 + l;
            float st = s[t];
            long yo = t * yStride + row0;
            for (int r = 0; r < rows; r++) {
                y.set(ValueLayout.JAVA_FLOAT, yo + 4L * r, work.acc32[r * width + l] / st * scale);
            }
        }
    }
}
