package io.bitnettt.cpu.kernel;

import static io.bitnettt.cpu.kernel.TernaryLayout.BLOCK_BYTES;
import static io.bitnettt.cpu.kernel.TernaryLayout.BLOCK_COLS;
import static io.bitnettt.cpu.kernel.TernaryLayout.CODES_PER_LANE;
import static io.bitnettt.cpu.kernel.TernaryLayout.GROUP_ROWS;
import static io.bitnettt.cpu.kernel.TernaryLayout.LANES;
import static io.bitnettt.cpu.kernel.TernaryLayout.ORDER;
import static io.bitnettt.cpu.kernel.TernaryLayout.SPECIES;
import static io.bitnettt.cpu.kernel.TernaryMatmul.FLUSH_BLOCKS;
import static io.bitnettt.cpu.kernel.TernaryMatmul.pairSum;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The prefill kernel for one row group: the group's shifted code vectors for a chunk of
 * {@link TernaryMatmul#FLUSH_BLOCKS} blocks are written out once (7 KB, stays in L1) and then the
 * tile's tokens run over them two at a time, eight int16 accumulators (4 rows × 2 tokens) in
 * registers. A code then costs one multiply and one add per row and token and no shift (the GEMV
 * shifts once per row and code), each activation load feeds four rows and each decoded load two
 * tokens, and no accumulator goes through memory, unlike a one-row kernel looping over tokens.
 *
 * <p>Per-token partial sums between chunks live in {@code y} itself as int32: those slots are this
 * call's output anyway, so no per-token scratch is needed, and the last chunk turns them into the
 * final float with the same expression as the scalar reference.
 */
final class DecodedGroupKernel {
    private static final int CHUNK_VECTORS = FLUSH_BLOCKS * CODES_PER_LANE * GROUP_ROWS;
    /**
     * One chunk of decoded codes plus 8 accumulator spill vectors per worker thread; allocated once
     * per thread, never per call.
     */
    private static final ThreadLocal<short[]> DECODED = ThreadLocal.withInitial(() -> new short[(CHUNK_VECTORS + 8) * LANES]);

    private DecodedGroupKernel() {
    }

    /** Tokens {@code [t0, t1)} against the four rows of group {@code g}; arguments as {@link TernaryMatmul#gemm}. */
    static void run(MemorySegment w, TernaryLayout layout, int g, short[] q, int qStride, int[] qSum, float[] s,
                    int t0, int t1, float scale, MemorySegment y, long yStride) {
        short[] d = DECODED.get();
        int blocks = layout.blocks();
        long base = layout.offset(g * GROUP_ROWS, 0);
        long row = 4L * g * GROUP_ROWS;
        for (int c0 = 0; c0 < blocks; c0 += FLUSH_BLOCKS) {
            int c1 = Math.min(blocks, c0 + FLUSH_BLOCKS);
            decode(w, base + (long) c0 * GROUP_ROWS * BLOCK_BYTES, c1 - c0, d);
            int codes = (c1 - c0) * CODES_PER_LANE;
            boolean first = c0 == 0, last = c1 == blocks;
            int t = t0;
            for (; t + 1 < t1; t += 2) {
                pair(d, codes, q, t * qStride + c0 * BLOCK_COLS, qStride, y, t * yStride + row, yStride, first, last,
                        qSum[t], qSum[t + 1], s[t], s[t + 1], scale);
            }
            if (t < t1) {
                single(d, codes, q, t * qStride + c0 * BLOCK_COLS, y, t * yStride + row, first, last, qSum[t], s[t],
                        scale);
            }
        }
    }

    /**
     * Two tokens (activation at {@code xa} and {@code xa + qStride}) over one decoded chunk. A method
     * of its own so C2 inlines every vector call in it: in one large method the node budget ran out,
     * {@link TernaryMatmul#pairSum} stayed a call and the accumulators were boxed on the heap
     * (visible as ~31 MB/op in JMH's {@code -prof gc}).
     */
    private static void pair(short[] d, int codes, short[] q, int xa, int qStride, MemorySegment y, long yo,
                             long yStride, boolean first, boolean last, int sumA, int sumB, float sA, float sB,
                             float scale) {
        int xb = xa + qStride;
        ShortVector a0 = ShortVector.zero(SPECIES);
        ShortVector a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int k = 0; k < codes; k++) {
            // code k of the chunk is column block k/8, code k%8: LANES columns at xa + k·LANES
            ShortVector x = ShortVector.fromArray(SPECIES, q, xa + k * LANES);
            ShortVector z = ShortVector.fromArray(SPECIES, q, xb + k * LANES);
            int o = k * GROUP_ROWS * LANES;
            ShortVector d0 = ShortVector.fromArray(SPECIES, d, o);
            a0 = a0.add(x.mul(d0));
            b0 = b0.add(z.mul(d0));
            ShortVector d1 = ShortVector.fromArray(SPECIES, d, o + LANES);
            a1 = a1.add(x.mul(d1));
            b1 = b1.add(z.mul(d1));
            ShortVector d2 = ShortVector.fromArray(SPECIES, d, o + 2 * LANES);
            a2 = a2.add(x.mul(d2));
            b2 = b2.add(z.mul(d2));
            ShortVector d3 = ShortVector.fromArray(SPECIES, d, o + 3 * LANES);
            a3 = a3.add(x.mul(d3));
            b3 = b3.add(z.mul(d3));
        }
        // the reductions happen in finish, from the spill area behind the decoded chunk: done here,
        // they (and finish) outgrew C2's inlining node budget and some accumulators were boxed
        int spill = CHUNK_VECTORS * LANES;
        a0.intoArray(d, spill);
        a1.intoArray(d, spill + LANES);
        a2.intoArray(d, spill + 2 * LANES);
        a3.intoArray(d, spill + 3 * LANES);
        b0.intoArray(d, spill + 4 * LANES);
        b1.intoArray(d, spill + 5 * LANES);
        b2.intoArray(d, spill + 6 * LANES);
        b3.intoArray(d, spill + 7 * LANES);
        finish(d, spill, y, yo, first, last, sumA, sA, scale);
        finish(d, spill + 4 * LANES, y, yo + yStride, first, last, sumB, sB, scale);
    }

    /** The odd last token of a tile, as {@link #pair} with one token. */
    private static void single(short[] d, int codes, short[] q, int xo, MemorySegment y, long yo, boolean first,
                               boolean last, int sum, float s, float scale) {
        ShortVector a0 = ShortVector.zero(SPECIES);
        ShortVector a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < codes; k++) {
            ShortVector x = ShortVector.fromArray(SPECIES, q, xo + k * LANES);
            int o = k * GROUP_ROWS * LANES;
            a0 = a0.add(x.mul(ShortVector.fromArray(SPECIES, d, o)));
            a1 = a1.add(x.mul(ShortVector.fromArray(SPECIES, d, o + LANES)));
            a2 = a2.add(x.mul(ShortVector.fromArray(SPECIES, d, o + 2 * LANES)));
            a3 = a3.add(x.mul(ShortVector.fromArray(SPECIES, d, o + 3 * LANES)));
        }
        int spill = CHUNK_VECTORS * LANES;
        a0.intoArray(d, spill);
        a1.intoArray(d, spill + LANES);
        a2.intoArray(d, spill + 2 * LANES);
        a3.intoArray(d, spill + 3 * LANES);
        finish(d, spill, y, yo, first, last, sum, s, scale);
    }

    /**
     * Adds one chunk's four row accumulators (spilled at {@code acc} in {@code d}) to the token's
     * running int32 sums kept in its {@code y} slots (starting from {@code −Σx} on the first chunk)
     * and, after the last chunk, writes the floats.
     */
    private static void finish(short[] d, int acc, MemorySegment y, long yo, boolean first, boolean last, int qSum,
                               float s, float scale) {
        int p0 = pairSum(ShortVector.fromArray(SPECIES, d, acc));
        int p1 = pairSum(ShortVector.fromArray(SPECIES, d, acc + LANES));
        int p2 = pairSum(ShortVector.fromArray(SPECIES, d, acc + 2 * LANES));
        int p3 = pairSum(ShortVector.fromArray(SPECIES, d, acc + 3 * LANES));
        if (first) {
            p0 -= qSum;
            p1 -= qSum;
            p2 -= qSum;
            p3 -= qSum;
        } else {
            p0 += y.get(ValueLayout.JAVA_INT, yo);
            p1 += y.get(ValueLayout.JAVA_INT, yo + 4);
            p2 += y.get(ValueLayout.JAVA_INT, yo + 8);
            p3 += y.get(ValueLayout.JAVA_INT, yo + 12);
        }
        if (last) {
            y.set(ValueLayout.JAVA_FLOAT, yo, p0 / s * scale);
            y.set(ValueLayout.JAVA_FLOAT, yo + 4, p1 / s * scale);
            y.set(ValueLayout.JAVA_FLOAT, yo + 8, p2 / s * scale);
            y.set(ValueLayout.JAVA_FLOAT, yo + 12, p3 / s * scale);
        } else {
            y.set(ValueLayout.JAVA_INT, yo, p0);
            y.set(ValueLayout.JAVA_INT, yo + 4, p1);
            y.set(ValueLayout.JAVA_INT, yo + 8, p2);
            y.set(ValueLayout.JAVA_INT, yo + 12, p3);
        }
    }

    /** Writes code i of block b for group row r at vector {@code (b·8 + i)·4 + r} of {@code d}. */
    private static void decode(MemorySegment w, long off, int blocks, short[] d) {
        for (int b = 0; b < blocks; b++) {
            for (int r = 0; r < GROUP_ROWS; r++) {
                IntVector c = ShortVector.fromMemorySegment(SPECIES, w, off + (long) (b * GROUP_ROWS + r) * BLOCK_BYTES,
                        ORDER).reinterpretAsInts();
                for (int i = 0; i < CODES_PER_LANE; i++) {
                    // shifting the loaded word by 2i (as TernaryMatmul.nextCode does i times) carries no
                    // vector from one iteration to the next, which C2 would otherwise box
                    c.lanewise(VectorOperators.LSHR, 2 * i).reinterpretAsShorts()
                            .intoArray(d, ((b * CODES_PER_LANE + i) * GROUP_ROWS + r) * LANES);
                }
            }
        }
    }
}
