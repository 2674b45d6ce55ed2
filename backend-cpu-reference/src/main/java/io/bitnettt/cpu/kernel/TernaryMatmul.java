package io.bitnettt.cpu.kernel;

import static io.bitnettt.cpu.kernel.TernaryLayout.BLOCK_BYTES;
import static io.bitnettt.cpu.kernel.TernaryLayout.BLOCK_COLS;
import static io.bitnettt.cpu.kernel.TernaryLayout.GROUP_ROWS;
import static io.bitnettt.cpu.kernel.TernaryLayout.LANES;
import static io.bitnettt.cpu.kernel.TernaryLayout.ORDER;
import static io.bitnettt.cpu.kernel.TernaryLayout.SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Exact int8 × ternary matmul over {@link TernaryLayout}: int16 lanes multiply the telescoped
 * activation by the logically shifted weight word and accumulate mod 2^16 (see
 * {@link TernaryLayout} for why that equals {@code Σ x·u}); the 16-bit partial sums of each lane
 * pair are widened to int32 while the true value still fits, and {@code Σ x} is subtracted to turn
 * codes u = t + 1 back into weights t.
 *
 * <p>Weight words are shifted as int32 pairs ({@link #nextCode}); see {@link TernaryLayout} for why
 * and why only the sum of a pair of lanes is exact.
 *
 * <p>Overflow bound: per block a lane pair's true partial sum is {@code Σ x_j·u_j} over 16 columns
 * with |x| ≤ 128 and u ≤ 2, at most 4096 in magnitude, so after {@link #FLUSH_BLOCKS} = 7 blocks it
 * is within ±28672 and the wrapped int16 pair sum sign-extends to it exactly.
 *
 * <p>Both kernels work on a range of row groups so the caller can split rows over threads; the
 * result is {@code y[t, row] = acc / s[t] · scale}, the same float expression as the scalar
 * reference, so outputs match it bit for bit.
 */
public final class TernaryMatmul {
    static final int FLUSH_BLOCKS = 7;
    /** Tokens per prefill tile: keeps a tile's activation slice for one block in L1. */
    public static final int TOKEN_TILE = 32;

    private TernaryMatmul() {
    }

    /**
     * One token against row groups {@code [g0, g1)}: four rows at a time share each activation load.
     *
     * @param q    telescoped activation ({@link TernaryLayout#telescope}), paddedIn shorts from {@code qOff}
     * @param qSum the sum {@link TernaryLayout#telescope} returned for this token
     * @param y    F32 output row; row {@code j} lands at byte {@code yOff + 4j}
     */
    public static void gemv(MemorySegment w, TernaryLayout layout, short[] q, int qOff, int qSum, float s, float scale,
                            MemorySegment y, long yOff, int g0, int g1) {
        int blocks = layout.blocks();
        for (int g = g0; g < g1; g++) {
            long base = layout.offset(g * GROUP_ROWS, 0);
            int t0 = -qSum, t1 = -qSum, t2 = -qSum, t3 = -qSum;
            // Chunks of at most FLUSH_BLOCKS blocks keep the int16 lane pairs in range; a simple inner
            // loop with fresh accumulators is what C2 keeps in registers best.
            for (int c0 = 0; c0 < blocks; c0 += FLUSH_BLOCKS) {
                int c1 = Math.min(blocks, c0 + FLUSH_BLOCKS);
                ShortVector a0 = ShortVector.zero(SPECIES);
                ShortVector a1 = a0, a2 = a0, a3 = a0;
                for (int b = c0; b < c1; b++) {
                    long wb = base + (long) b * GROUP_ROWS * BLOCK_BYTES;
                    ShortVector w0 = ShortVector.fromMemorySegment(SPECIES, w, wb, ORDER);
                    ShortVector w1 = ShortVector.fromMemorySegment(SPECIES, w, wb + BLOCK_BYTES, ORDER);
                    ShortVector w2 = ShortVector.fromMemorySegment(SPECIES, w, wb + 2L * BLOCK_BYTES, ORDER);
                    ShortVector w3 = ShortVector.fromMemorySegment(SPECIES, w, wb + 3L * BLOCK_BYTES, ORDER);
                    int qb = qOff + b * BLOCK_COLS;
                    for (int i = 0; i < TernaryLayout.CODES_PER_LANE; i++) {
                        ShortVector x = ShortVector.fromArray(SPECIES, q, qb + i * LANES);
                        a0 = a0.add(x.mul(w0));
                        a1 = a1.add(x.mul(w1));
                        a2 = a2.add(x.mul(w2));
                        a3 = a3.add(x.mul(w3));
                        w0 = nextCode(w0);
                        w1 = nextCode(w1);
                        w2 = nextCode(w2);
                        w3 = nextCode(w3);
                    }
                }
                t0 += pairSum(a0);
                t1 += pairSum(a1);
                t2 += pairSum(a2);
                t3 += pairSum(a3);
            }
            long yo = yOff + 4L * g * GROUP_ROWS;
            y.set(ValueLayout.JAVA_FLOAT, yo, t0 / s * scale);
            y.set(ValueLayout.JAVA_FLOAT, yo + 4, t1 / s * scale);
            y.set(ValueLayout.JAVA_FLOAT, yo + 8, t2 / s * scale);
            y.set(ValueLayout.JAVA_FLOAT, yo + 12, t3 / s * scale);
        }
    }

    /**
     * Tokens {@code [t0, t1)} (at most {@link #TOKEN_TILE}) against row groups {@code [g0, g1)}.
     * Each weight block is decoded once into registers and then applied to every token of the tile,
     * which is what makes prefill cheaper per token than repeated GEMVs.
     *
     * @param qStride  shorts between consecutive tokens in {@code q} (≥ paddedIn)
     * @param qSum     per-token sums from {@link TernaryLayout#telescope}
     * @param yStride  bytes between consecutive tokens in {@code y}
     * @param accShort scratch of at least {@code TOKEN_TILE · LANES} shorts
     * @param accInt   scratch of at least {@code TOKEN_TILE} ints
     */
    public static void gemm(MemorySegment w, TernaryLayout layout, short[] q, int qStride, int[] qSum, float[] s,
                            int t0, int t1, float scale, MemorySegment y, long yStride, int g0, int g1,
                            short[] accShort, int[] accInt) {
        int blocks = layout.blocks();
        int tokens = t1 - t0;
        for (int row = g0 * GROUP_ROWS; row < g1 * GROUP_ROWS; row++) {
            for (int t = 0; t < tokens; t++) {
                accInt[t] = -qSum[t0 + t];
            }
            for (int c0 = 0; c0 < blocks; c0 += FLUSH_BLOCKS) {
                int c1 = Math.min(blocks, c0 + FLUSH_BLOCKS);
                java.util.Arrays.fill(accShort, 0, tokens * LANES, (short) 0);
                for (int b = c0; b < c1; b++) {
                    ShortVector wv = ShortVector.fromMemorySegment(SPECIES, w, layout.offset(row, b), ORDER);
                    blockTimesTokens(wv, q, t0 * qStride + b * BLOCK_COLS, qStride, tokens, accShort);
                }
                flush(accShort, accInt, tokens);
            }
            for (int t = 0; t < tokens; t++) {
                y.set(ValueLayout.JAVA_FLOAT, (t0 + t) * yStride + 4L * row, accInt[t] / s[t0 + t] * scale);
            }
        }
    }

    /** Shifts one row block once per code, then adds its dot product with each token's slice to that token's lanes. */
    private static void blockTimesTokens(ShortVector wv, short[] q, int qb, int qStride, int tokens, short[] acc) {
        ShortVector c0 = wv;
        ShortVector c1 = nextCode(c0);
        ShortVector c2 = nextCode(c1);
        ShortVector c3 = nextCode(c2);
        ShortVector c4 = nextCode(c3);
        ShortVector c5 = nextCode(c4);
        ShortVector c6 = nextCode(c5);
        ShortVector c7 = nextCode(c6);
        for (int t = 0, a = 0; t < tokens; t++, qb += qStride, a += LANES) {
            ShortVector p01 = ShortVector.fromArray(SPECIES, q, qb).mul(c0)
                    .add(ShortVector.fromArray(SPECIES, q, qb + LANES).mul(c1));
            ShortVector p23 = ShortVector.fromArray(SPECIES, q, qb + 2 * LANES).mul(c2)
                    .add(ShortVector.fromArray(SPECIES, q, qb + 3 * LANES).mul(c3));
            ShortVector p45 = ShortVector.fromArray(SPECIES, q, qb + 4 * LANES).mul(c4)
                    .add(ShortVector.fromArray(SPECIES, q, qb + 5 * LANES).mul(c5));
            ShortVector p67 = ShortVector.fromArray(SPECIES, q, qb + 6 * LANES).mul(c6)
                    .add(ShortVector.fromArray(SPECIES, q, qb + 7 * LANES).mul(c7));
            ShortVector.fromArray(SPECIES, acc, a).add(p01.add(p23).add(p45.add(p67))).intoArray(acc, a);
        }
    }

    private static void flush(short[] accShort, int[] accInt, int tokens) {
        for (int t = 0; t < tokens; t++) {
            ShortVector a = ShortVector.fromArray(SPECIES, accShort, t * LANES);
            accInt[t] += pairSum(a);
        }
    }

    /**
     * {@code w >>> 2} as int32 lanes: AVX2 C2 code shifts those by an immediate, unlike int16 lanes.
     * The bits that cross into each pair's low lane are cancelled by {@link TernaryLayout#telescope}.
     */
    static ShortVector nextCode(ShortVector w) {
        return w.reinterpretAsInts().lanewise(VectorOperators.LSHR, 2).reinterpretAsShorts();
    }

    /**
     * Sums the int16 lanes of {@code a} in int32, adding each int32 pair of lanes mod 2^16 first:
     * only that pair sum is exact (and in range), not its two halves.
     */
    static int pairSum(ShortVector a) {
        IntVector v = a.reinterpretAsInts();
        IntVector pair = v.add(v.lanewise(VectorOperators.LSHR, 16)) // low half: lo + hi mod 2^16
                .lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16);
        return pair.reduceLanes(VectorOperators.ADD);
    }

    /** Sums int16 lanes in int32 so lanes that are individually in range cannot wrap when added. */
    static int widenSum(ShortVector a) {
        return ((IntVector) a.convert(VectorOperators.S2I, 0)).reduceLanes(VectorOperators.ADD)
                + ((IntVector) a.convert(VectorOperators.S2I, 1)).reduceLanes(VectorOperators.ADD);
    }
}
