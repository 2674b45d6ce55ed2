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
 * Exact int8 × ternary GEMV over {@link TernaryLayout} (prefill runs {@link TableGemm}): int16
 * lanes multiply the telescoped activation by the logically shifted weight word and accumulate
 * mod 2^16 (see
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
 * <p>The kernel works on a range of row groups so the caller can split rows over threads; the
 * result is {@code y[t, row] = acc / s[t] · scale}, the same float expression as the scalar
 * reference, so outputs match it bit for bit.
 */
public final class TernaryMatmul {
    static final int FLUSH_BLOCKS = 7;
    /**
     * Weight streams one call reads at once. One thread with one stream leaves the memory system
     * idle between its misses; with four, the hardware prefetchers run ahead on each: 6912×2560 from
     * a 900 MB working set under {@code -XX:UseAVX=2} went from 3.5–3.7 to 4.3–4.9 GB/s, and from L2
     * it stays at 10 GB/s (README, "Four weight streams a call").
     */
    static final int STREAMS = 4;

    private TernaryMatmul() {
    }

    /**
     * One token against row groups {@code [g0, g1)}: four rows at a time share each activation load.
     * The range is cut into {@link #STREAMS} parts taken a group from each in turn, so the weights
     * are read as that many sequential streams rather than one.
     *
     * @param q    telescoped activation ({@link TernaryLayout#telescope}), paddedIn shorts from {@code qOff}
     * @param qSum the sum {@link TernaryLayout#telescope} returned for this token
     * @param y    F32 output row; row {@code j} lands at byte {@code yOff + 4j}
     */
    public static void gemv(MemorySegment w, TernaryLayout layout, short[] q, int qOff, int qSum, float s, float scale,
                            MemorySegment y, long yOff, int g0, int g1) {
        int per = (g1 - g0 + STREAMS - 1) / STREAMS;
        for (int i = 0; i < per; i++) {
            for (int g = g0 + i; g < g1; g += per) {
                group(w, layout, q, qOff, qSum, s, scale, y, yOff, g);
            }
        }
    }

    /** Row group {@code g}: its four rows' outputs. */
    private static void group(MemorySegment w, TernaryLayout layout, short[] q, int qOff, int qSum, float s,
                              float scale, MemorySegment y, long yOff, int g) {
        int blocks = layout.blocks();
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
