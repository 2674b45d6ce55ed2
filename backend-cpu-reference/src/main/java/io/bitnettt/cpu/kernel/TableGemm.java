package io.bitnettt.cpu.kernel;

import static io.bitnettt.cpu.kernel.TernaryLayout.BLOCK_BYTES;
import static io.bitnettt.cpu.kernel.TernaryLayout.BLOCK_COLS;
import static io.bitnettt.cpu.kernel.TernaryLayout.GROUP_ROWS;
import static io.bitnettt.cpu.kernel.TernaryLayout.LANES;
import static io.bitnettt.cpu.kernel.TernaryLayout.SPECIES;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prefill ternary GEMM by table lookup, with the tokens of a tile in vector lanes. One weight byte
 * holds the codes of four columns; for each such column quad a table of all 3^4 signed sums of the
 * four activation columns turns four multiply-adds per token into one table load and one add for
 * all {@link #TILE} tokens. A multiply-add kernel needs two vector ops per {@code LANES}
 * multiply-adds; this needs one per {@code 4 · LANES}, and each table is built once per tile and
 * pass and then read by every row.
 *
 * <p>The tables of one pass (the {@link #QUADS} weight bytes of one {@code int} of each row's block
 * word) take 4 × 81 entries, 20 KB at 32 lanes, and stay in L1 while every row of the range runs
 * over them. They are numbered densely ({@link #DENSE}): indexed by the raw byte, the live entries
 * of eight tables spread over 256 slots at a power-of-two stride pile into a third of the L1 sets
 * and evict each other.
 *
 * <p>What bounds the lookup loop is how many instructions surround each vector add, so before a
 * block's passes the entry offsets of all its weight bytes are computed with vector ops
 * ({@link #offsets}) and the loop only loads an offset, checks it and adds. Tables and int16
 * accumulators live off-heap at 64-byte alignment: a heap array is only 8-byte aligned, and at 512
 * bits an unaligned vector load spans two cache lines, which took a quarter of the lookup time. Rows run
 * in chunks of {@link #CHUNK_GROUPS} groups so their accumulators and offsets stay in L2.
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
    /**
     * Vectors of tokens per tile: one at 512 bits; at narrower widths several, so that each offset
     * loaded and checked serves 32 tokens.
     */
    static final int VECTORS = Math.max(1, 32 / LANES);
    /** Tokens per tile. */
    public static final int TILE = VECTORS * LANES;
    /**
     * Below this many tokens the per-token GEMV ({@link TernaryMatmul#gemv}) is faster, as the
     * table work is per tile however many of its lanes hold tokens: the two were level at about 17
     * tokens of 32 on the README's AVX-512 machine and at 19 with 256-bit vectors on it.
     */
    public static final int MIN_TOKENS = 9 * TILE / 16;
    /** Weight bytes (column quads) per pass: one {@code int} of a row's block word. */
    static final int QUADS = Integer.BYTES;
    static final int PASSES_PER_BLOCK = BLOCK_BYTES / QUADS;
    /** Entries per table: the 3^4 code combinations, numbered {@code u0 + 3·u1 + 9·u2 + 27·u3}. */
    static final int ENTRIES = 81;
    static final int FLUSH_PASSES = 14;
    /**
     * Row groups per chunk: 4096 rows, whose int16 accumulators and offsets take 768 KB at 512 bits.
     * Each chunk rebuilds the tables; on the README's AVX-512 machine (1 MB L2) chunks of 1024
     * rows lost 15 % to that and chunks of 8192 rows lost 20 % to L2 misses.
     */
    static final int CHUNK_GROUPS = 1024;
    private static final VectorSpecies<Integer> INTS = SPECIES.withLanes(int.class);
    private static final VectorSpecies<Byte> BYTES = SPECIES.withLanes(byte.class);
    private static final boolean LITTLE = TernaryLayout.ORDER == ByteOrder.LITTLE_ENDIAN;
    /** Weight byte to entry; code 3 never occurs in a packed weight. */
    private static final byte[] DENSE = dense();
    /** Entry of a byte's low nibble (codes u0, u1) and of its high nibble (u2, u3), repeated to fill a vector. */
    private static final ByteVector LOW_ENTRY = nibbleEntries(0);
    private static final ByteVector HIGH_ENTRY = nibbleEntries(4);
    /** Offset of table {@code f} for the weight byte at each lane's position in a pass's word. */
    private static final ShortVector TABLE_BASE = tableBases();
    /** Pair-table slots {@code u0 + 4·u1} with both codes in 0..2, in entry order. */
    private static final int[] PAIR_SLOTS = {0, 1, 2, 4, 5, 6, 8, 9, 10};

    private TableGemm() {
    }

    /**
     * Per-thread working memory, owned by the device's scratch so a warm call allocates nothing;
     * row buffers grow to the largest chunk seen. Holds off-heap memory: close it when the device
     * closes.
     */
    public static final class Work implements AutoCloseable {
        private final Arena arena = Arena.ofShared();
        final MemorySegment tables = arena.allocate(2L * QUADS * ENTRIES * TILE, 64);
        final short[] pairs = new short[2 * 16 * TILE];
        MemorySegment acc16 = MemorySegment.NULL;
        int[] acc32 = new int[0];
        short[] offsets = new short[0];

        void ensure(int rows) {
            if (acc32.length < rows * TILE) {
                acc16 = arena.allocate(2L * rows * TILE, 64); // the old one stays until close: growth stops at a chunk
                acc32 = new int[rows * TILE];
                offsets = new short[rows * BLOCK_BYTES];
            }
        }

        @Override
        public void close() {
            arena.close();
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

    private static ByteVector nibbleEntries(int shift) {
        byte[] e = new byte[BYTES.length()];
        for (int i = 0; i < e.length; i++) {
            e[i] = DENSE[(i & 15) << shift];
        }
        return ByteVector.fromArray(BYTES, e, 0);
    }

    private static ShortVector tableBases() {
        short[] b = new short[LANES];
        for (int j = 0; j < LANES; j++) {
            // byte j of a row's block is byte j % 4 of its pass's word in memory order
            int f = LITTLE ? j % QUADS : QUADS - 1 - j % QUADS;
            b[j] = (short) (f * ENTRIES * TILE);
        }
        return ShortVector.fromArray(SPECIES, b, 0);
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
        int paddedIn = layout.paddedIn();
        for (int c0 = g0; c0 < g1; c0 += CHUNK_GROUPS) {
            int c1 = Math.min(g1, c0 + CHUNK_GROUPS);
            int rows = (c1 - c0) * GROUP_ROWS;
            work.ensure(rows);
            for (int tile = 0; tile < tiles(tokens); tile++) {
                clear(work, rows);
                int xBase = tile * paddedIn * TILE;
                int passes = 0;
                for (int b = 0; b < layout.blocks(); b++) {
                    offsets(w, layout, b, c0, c1, work.offsets);
                    for (int pass = 0; pass < PASSES_PER_BLOCK; pass++) {
                        buildTables(xt, xBase, b, pass, work);
                        lookupRows(rows, pass, work);
                        if (++passes == FLUSH_PASSES) {
                            flush(work, rows);
                            passes = 0;
                        }
                    }
                }
                flush(work, rows);
                store(work, rows, c0, tile, tokens, s, scale, y, yStride);
            }
        }
    }

    private static void clear(Work work, int rows) {
        for (long o = 0; o < 2L * rows * TILE; o += SPECIES.vectorByteSize()) {
            ShortVector.zero(SPECIES).intoMemorySegment(work.acc16, o, TernaryLayout.ORDER);
        }
        Arrays.fill(work.acc32, 0, rows * TILE, 0);
    }

    /**
     * Table offsets (entry · {@link #TILE} plus the table's base) of every weight byte of block
     * {@code block} for row groups {@code [g0, g1)}, row after row, each row's in memory order.
     */
    private static void offsets(MemorySegment w, TernaryLayout layout, int block, int g0, int g1, short[] offsets) {
        int o = 0;
        for (int g = g0; g < g1; g++) {
            long wo = layout.offset(g * GROUP_ROWS, block);
            for (int r = 0; r < GROUP_ROWS; r++, o += BLOCK_BYTES, wo += BLOCK_BYTES) {
                ByteVector v = ByteVector.fromMemorySegment(BYTES, w, wo, TernaryLayout.ORDER);
                ByteVector entry = v.and((byte) 15).selectFrom(LOW_ENTRY)
                        .add(v.lanewise(VectorOperators.LSHR, 4).and((byte) 15).selectFrom(HIGH_ENTRY));
                for (int part = 0; part < 2; part++) {
                    ((ShortVector) entry.convertShape(VectorOperators.B2S, SPECIES, part)).mul((short) TILE)
                            .add(TABLE_BASE).intoArray(offsets, o + part * LANES);
                }
            }
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
    private static void combine(short[] p, MemorySegment tables, int to) {
        for (int j = 0; j < PAIR_SLOTS.length; j++) {
            for (int h = 0; h < TILE; h += LANES) {
                ShortVector hi = ShortVector.fromArray(SPECIES, p, (16 + PAIR_SLOTS[j]) * TILE + h);
                for (int i = 0; i < PAIR_SLOTS.length; i++) {
                    ShortVector.fromArray(SPECIES, p, PAIR_SLOTS[i] * TILE + h).add(hi)
                            .intoMemorySegment(tables, 2L * (to + (i + 9 * j) * TILE + h), TernaryLayout.ORDER);
                }
            }
        }
    }

    /** Adds this pass's four lookups to every row's int16 accumulator. */
    private static void lookupRows(int rows, int pass, Work work) {
        MemorySegment t = work.tables;
        MemorySegment acc = work.acc16;
        short[] offsets = work.offsets;
        for (int r = 0; r < rows; r++) {
            int o = pass * QUADS + r * BLOCK_BYTES;
            long e0 = 2L * offsets[o];
            long e1 = 2L * offsets[o + 1];
            long e2 = 2L * offsets[o + 2];
            long e3 = 2L * offsets[o + 3];
            for (int v = 0; v < VECTORS; v++) {
                long h = 2L * v * LANES;
                long ao = 2L * r * TILE + h;
                ShortVector.fromMemorySegment(SPECIES, acc, ao, TernaryLayout.ORDER)
                        .add(ShortVector.fromMemorySegment(SPECIES, t, e0 + h, TernaryLayout.ORDER))
                        .add(ShortVector.fromMemorySegment(SPECIES, t, e1 + h, TernaryLayout.ORDER))
                        .add(ShortVector.fromMemorySegment(SPECIES, t, e2 + h, TernaryLayout.ORDER))
                        .add(ShortVector.fromMemorySegment(SPECIES, t, e3 + h, TernaryLayout.ORDER))
                        .intoMemorySegment(acc, ao, TernaryLayout.ORDER);
            }
        }
    }

    /** Widens the int16 accumulators into the int32 ones and clears them. */
    private static void flush(Work work, int rows) {
        MemorySegment a16 = work.acc16;
        int[] a32 = work.acc32;
        int half = LANES / 2;
        for (int o = 0; o < rows * TILE; o += LANES) {
            ShortVector a = ShortVector.fromMemorySegment(SPECIES, a16, 2L * o, TernaryLayout.ORDER);
            ((IntVector) a.convertShape(VectorOperators.S2I, INTS, 0)).add(IntVector.fromArray(INTS, a32, o))
                    .intoArray(a32, o);
            ((IntVector) a.convertShape(VectorOperators.S2I, INTS, 1)).add(IntVector.fromArray(INTS, a32, o + half))
                    .intoArray(a32, o + half);
            ShortVector.zero(SPECIES).intoMemorySegment(a16, 2L * o, TernaryLayout.ORDER);
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
