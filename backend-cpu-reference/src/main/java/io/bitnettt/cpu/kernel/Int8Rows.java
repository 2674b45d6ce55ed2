package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import static io.bitnettt.cpu.kernel.AttentionKernel.BLOCK;
import static io.bitnettt.cpu.kernel.AttentionKernel.F;
import static io.bitnettt.cpu.kernel.AttentionKernel.I;
import static io.bitnettt.cpu.kernel.AttentionKernel.L;

/**
 * {@link AttentionKernel}'s score and value passes over {@link KvCaches.Kind#INT8} cache rows.
 *
 * <p>Scores, keys in {@link KeyTiles} order (the CPU backend's key caches): L consecutive rows' codes
 * of one element are one load, widened to float ({@link ByteWidening}), and each query element is
 * broadcast, so a vector holds L rows' scores, each lane one FMA chain over the head's elements, and
 * no lane sums are needed. Several runs of L rows go at once ({@link #RUNS}).
 *
 * <p>Scores, keys in row order (a tensor passed as both keys and values): L codes at a time are loaded
 * as bytes and widened to float in order, so the query stays in natural order. Key rows are scored
 * two at a time, row j with row j + ⌈n/2⌉ of the block: each query vector loaded then serves both
 * rows, eight independent FMA chains keep both FMA ports busy where one row's four would not, and
 * the block's keys are read as two streams. A row's sums are the same operations in the same order
 * either way, so pairing changes no bits.
 *
 * <p>Values: a load of {@code 4L} codes, seen as L little-endian ints, holds element {@code 4l + g} in
 * byte g of int l. Shifting byte g to the top and back down sign-extends it in place, so four lane-wise
 * shift pairs and int-to-float converts widen {@code 4L} codes without moving lanes; the widening
 * load above costs more here, where each row's codes are used by only one FMA per query head.
 * Vector g of a group of {@code 4L} then holds elements {@code 4l + g}: the accumulators are kept in
 * that order ({@link #valueIndex}); the {@code dim % 4L} tail stays in natural order.
 *
 * <p>The row scales stay out of the sums: a score is {@code Σ q·code} times its key row's scale, and
 * each value row's weight is multiplied by that row's scale before it weighs the codes.
 */
final class Int8Rows {
    private Int8Rows() {
    }

    /** Elements of a head dimension the value pass handles by vectors: a multiple of {@code 4L}. */
    static int valuePart(int dim) {
        return dim - dim % (4 * L);
    }

    /** Index in the value pass's accumulator order of natural element {@code i} of a head (see the class comment). */
    static int valueIndex(int i, int dim) {
        if (i >= valuePart(dim)) {
            return i;
        }
        int base = i - i % (4 * L);
        int r = i - base;
        return base + (r % 4) * L + r / 4;
    }

    /*
     * The helpers below take or return vectors, so they must be inlined or the vectors are boxed: each
     * stays under the 35 bytecodes that C2 inlines at any call site, however cold its profile says it is.
     */

    /** The byte that {@code << up} brings to the top of each int lane (code {@code 3 - up/8}), sign-extended, as float. */
    private static FloatVector code(IntVector w, int up) {
        return (FloatVector) w.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24)
                .convert(VectorOperators.I2F, 0);
    }

    /** Code 3, the top byte of each int lane, sign-extended, as float. */
    private static FloatVector top(IntVector w) {
        return (FloatVector) w.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
    }

    private static float element(MemorySegment s, long off, int i) {
        return s.get(ValueLayout.JAVA_BYTE, off + i);
    }

    /** {@link AttentionKernel#block} over INT8 rows. */
    static void block(float[] qk, KvCaches c, int j0, int j1, int heads, int kvHeads, int kh0, int kh1, int dim,
                      float scale, float[] scores, float[] acc, int accOff, float[] max, float[] sum, int statOff) {
        int group = heads / kvHeads;
        long rowBytes = (long) kvHeads * dim;
        int n = j1 - j0;
        long touched = scores(qk, c, j0, n, heads, kvHeads, kh0, kh1, dim, scale, scores);
        AttentionKernel.softmax(scores, kh0 * group, kh1 * group, n, max, sum, statOff);
        for (int kh = kh0; kh < kh1; kh++) {
            long off = j0 * rowBytes + (long) kh * dim;
            int h = kh * group;
            int end = h + group;
            for (int g = h; g < end; g++) {
                scaleWeights(scores, g * BLOCK, n, c.vScales, kh * c.maxSeq + j0);
            }
            for (; h + 4 <= end; h += 4) {
                weigh4(c.v, off, rowBytes, n, dim, h, scores, acc, accOff);
            }
            for (; h < end; h++) {
                weigh(c.v, off, rowBytes, n, dim, h, scores, acc, accOff);
            }
        }
        TouchAhead.keep(touched);
    }

    /** {@code p[from + j] *= scales[at + j]} for {@code j < n}: each value row's weight times that row's scale. */
    private static void scaleWeights(float[] p, int from, int n, MemorySegment scales, long at) {
        int j = 0;
        for (; j + L <= n; j += L) {
            FloatVector.fromArray(F, p, from + j).mul(FloatVector.fromMemorySegment(F, scales, 4 * (at + j), AttentionKernel.ORDER))
                    .intoArray(p, from + j);
        }
        for (; j < n; j++) {
            p[from + j] *= scales.getAtIndex(AttentionKernel.FLOAT, at + j);
        }
    }

    /**
     * Scores of block rows {@code [0, n)} (cache rows {@code j0 ..}) for the query heads of kv heads
     * {@code [kh0, kh1)}: {@code scores[h·BLOCK + j]}. Returns what the touch-ahead loads read.
     */
    private static long scores(float[] qk, KvCaches c, int j0, int n, int heads, int kvHeads, int kh0, int kh1, int dim,
                       float scale, float[] scores) {
        if (c.keyTiles) {
            return tiledScores(qk, c, j0, n, heads, kvHeads, kh0, kh1, dim, scale, scores);
        }
        int group = heads / kvHeads;
        long rowBytes = (long) kvHeads * dim;
        long sliceOff = (long) kh0 * dim;
        long sliceBytes = (long) (kh1 - kh0) * dim;
        long touched = 0;
        // Row j is paired with row j + half, so the key rows are read as two streams half a block
        // apart rather than one (README, "Two key streams").
        int half = (n + 1) / 2;
        long apart = half * rowBytes;
        for (int j = 0; j < half; j++) {
            int j2 = j + half;
            boolean pair = j2 < n;
            long row = (j0 + j) * rowBytes;
            if (TouchAhead.ON) {
                // K a distance ahead; V's rows now, so the column-wise value pass finds the block in cache
                touched += TouchAhead.lines(c.k, row + sliceOff, sliceBytes) + TouchAhead.linesHere(c.v, row + sliceOff, sliceBytes);
                if (pair) {
                    touched += TouchAhead.lines(c.k, row + apart + sliceOff, sliceBytes)
                            + TouchAhead.linesHere(c.v, row + apart + sliceOff, sliceBytes);
                }
            }
            for (int kh = kh0; kh < kh1; kh++) {
                long off = row + (long) kh * dim;
                long at = kh * c.maxSeq + j0 + j;
                float s0 = scale * c.kScales.getAtIndex(AttentionKernel.FLOAT, at);
                // an unpaired last row is its own partner (see below)
                long next = pair ? apart : 0;
                float s1 = pair ? scale * c.kScales.getAtIndex(AttentionKernel.FLOAT, at + half) : s0;
                int h = kh * group;
                int end = h + group;
                for (; h + 4 <= end; h += 4) {
                    // A last row without a partner is scored twice, the copy landing in slot j + half,
                    // which is n (odd n, so below BLOCK) and which nothing reads: one method for every
                    // row keeps it hot in C2, where a rarely called one would stay in C1, which boxes
                    // vectors.
                    dots4Pair(qk, c.k, off, next, dim, h, scores, j, j2, s0, s1);
                }
                for (; h < end; h++) {
                    scores[h * BLOCK + j] = dot(qk, c.k, off, dim, h) * s0;
                    if (pair) {
                        scores[h * BLOCK + j2] = dot(qk, c.k, off + apart, dim, h) * s1;
                    }
                }
            }
        }
        return touched;
    }

    /**
     * Runs of L rows scored at once in {@link KeyTiles} order: four (sixteen FMA chains for four heads)
     * where the float vector is 512 bits, as AVX-512's 32 registers hold them, else two (eight chains,
     * within the 16 registers of AVX2). Four measured 0.21 against 0.25 ms a layer from cache and 0.27
     * against 0.36 from memory on the Zen 4 VM (README, "Keys in tiles").
     */
    private static final int RUNS = L >= 16 ? 4 : 2;

    /**
     * {@link #scores} over keys in {@link KeyTiles} order: {@link #RUNS} runs of L rows at a time, each
     * lane one row's FMA chain over the head's elements in order, then each row's score times its
     * scale. Every row's sum is that chain whichever run, group of runs or kv-head range it falls in,
     * so the bits do not depend on how the block was split. {@code j0} is a multiple of
     * {@link AttentionKernel#BLOCK}, so of the tile height; the runs of a step stay inside the block.
     */
    private static long tiledScores(float[] qk, KvCaches c, int j0, int n, int heads, int kvHeads, int kh0, int kh1,
                                    int dim, float scale, float[] scores) {
        int group = heads / kvHeads;
        long rowBytes = (long) kvHeads * dim;
        long tileBytes = KeyTiles.ROWS * rowBytes;
        long headBytes = (long) KeyTiles.ROWS * dim;
        long touched = 0;
        for (int t = 0; t < n; t += RUNS * L) {
            // a run past the block's last row reads the first run's codes again; its slots, at n or
            // later, are written and never read
            long a0 = tileAt(j0 + t, tileBytes);
            long a1 = t + L < n ? tileAt(j0 + t + L, tileBytes) : a0;
            long a2 = t + 2 * L < n ? tileAt(j0 + t + 2 * L, tileBytes) : a0;
            long a3 = t + 3 * L < n ? tileAt(j0 + t + 3 * L, tileBytes) : a0;
            touched += touchTiles(c, j0, t, Math.min(n, t + RUNS * L), kh0, kh1, dim, rowBytes, tileBytes, headBytes);
            for (int kh = kh0; kh < kh1; kh++) {
                long head = kh * headBytes;
                int h = kh * group;
                int end = h + group;
                for (; h + 4 <= end; h += 4) {
                    if (RUNS == 4) {
                        tiles4Quad(qk, c.k, a0 + head, a1 + head, a2 + head, a3 + head, dim, h, scores, t);
                    } else {
                        tiles4Pair(qk, c.k, a0 + head, a1 + head, dim, h, scores, t);
                    }
                }
                for (; h < end; h++) {
                    tilePair(qk, c.k, a0 + head, a1 + head, dim, h, scores, t);
                    if (RUNS == 4) {
                        tilePair(qk, c.k, a2 + head, a3 + head, dim, h, scores, t + 2 * L);
                    }
                }
            }
        }
        for (int kh = kh0; kh < kh1; kh++) {
            for (int h = kh * group; h < (kh + 1) * group; h++) {
                scaleScores(scores, h * BLOCK, n, c.kScales, kh * c.maxSeq + j0, scale);
            }
        }
        return touched;
    }

    /**
     * {@code p[from + j] *= scale · scales[at + j]} for {@code j < n}: each score times its key row's
     * scale, the product the row kernel forms ({@code scale · rowScale}, then the sum times it).
     */
    private static void scaleScores(float[] p, int from, int n, MemorySegment scales, long at, float scale) {
        int j = 0;
        for (; j + L <= n; j += L) {
            FloatVector rs = FloatVector.fromMemorySegment(F, scales, 4 * (at + j), AttentionKernel.ORDER).mul(scale);
            FloatVector.fromArray(F, p, from + j).mul(rs).intoArray(p, from + j);
        }
        for (; j < n; j++) {
            p[from + j] *= scale * scales.getAtIndex(AttentionKernel.FLOAT, at + j);
        }
    }

    /** Byte offset of row {@code row}'s run in tile order, head 0 element 0. */
    private static long tileAt(int row, long tileBytes) {
        return (row / KeyTiles.ROWS) * tileBytes + row % KeyTiles.ROWS;
    }

    /**
     * At each tile start in block rows {@code [t, end)}: the values of the tile's rows for kv heads
     * {@code [kh0, kh1)} now, so the column-wise value pass finds the block in cache, and where
     * touch-ahead is on, their keys a distance ahead. The value touches are made whatever the
     * touch-ahead setting: on the Zen 4 VM, where that is off, they took int8 attention at context
     * 4096 from 29–32 to 25 ms a token on one thread, where key touches at 2, 20 and 80 KB gained
     * nothing (README, "Keys in tiles").
     */
    private static long touchTiles(KvCaches c, int j0, int t, int end, int kh0, int kh1, int dim, long rowBytes,
                                   long tileBytes, long headBytes) {
        long touched = 0;
        for (int r = (t + KeyTiles.ROWS - 1) / KeyTiles.ROWS * KeyTiles.ROWS; r < end; r += KeyTiles.ROWS) {
            if (TouchAhead.ON) {
                touched += TouchAhead.lines(c.k, tileAt(j0 + r, tileBytes) + kh0 * headBytes, (kh1 - kh0) * headBytes);
            }
            for (int j = r; j < Math.min(end, r + KeyTiles.ROWS); j++) {
                touched += TouchAhead.linesHere(c.v, (j0 + j) * rowBytes + (long) kh0 * dim, (long) (kh1 - kh0) * dim);
            }
        }
        return touched;
    }

    /**
     * Sums (before the row scales) of query heads {@code h..h+3} for the four runs of L rows whose codes
     * start at {@code a0..a3}, into slots {@code t, t + L, t + 2L, t + 3L}.
     */
    private static void tiles4Quad(float[] qk, MemorySegment k, long a0, long a1, long a2, long a3, int dim, int h,
                                   float[] scores, int t) {
        int q0 = h * dim;
        FloatVector z = FloatVector.zero(F);
        FloatVector s0 = z, s1 = z, s2 = z, s3 = z;
        FloatVector t0 = z, t1 = z, t2 = z, t3 = z;
        FloatVector u0 = z, u1 = z, u2 = z, u3 = z;
        FloatVector v0 = z, v1 = z, v2 = z, v3 = z;
        long step = KeyTiles.ROWS;
        for (int i = 0; i < dim; i++) {
            FloatVector c0 = ByteWidening.widen(k, a0 + i * step);
            FloatVector c1 = ByteWidening.widen(k, a1 + i * step);
            FloatVector c2 = ByteWidening.widen(k, a2 + i * step);
            FloatVector c3 = ByteWidening.widen(k, a3 + i * step);
            FloatVector x0 = FloatVector.broadcast(F, qk[q0 + i]);
            FloatVector x1 = FloatVector.broadcast(F, qk[q0 + dim + i]);
            FloatVector x2 = FloatVector.broadcast(F, qk[q0 + 2 * dim + i]);
            FloatVector x3 = FloatVector.broadcast(F, qk[q0 + 3 * dim + i]);
            s0 = c0.fma(x0, s0);
            s1 = c0.fma(x1, s1);
            s2 = c0.fma(x2, s2);
            s3 = c0.fma(x3, s3);
            t0 = c1.fma(x0, t0);
            t1 = c1.fma(x1, t1);
            t2 = c1.fma(x2, t2);
            t3 = c1.fma(x3, t3);
            u0 = c2.fma(x0, u0);
            u1 = c2.fma(x1, u1);
            u2 = c2.fma(x2, u2);
            u3 = c2.fma(x3, u3);
            v0 = c3.fma(x0, v0);
            v1 = c3.fma(x1, v1);
            v2 = c3.fma(x2, v2);
            v3 = c3.fma(x3, v3);
        }
        int s = h * BLOCK + t;
        s0.intoArray(scores, s);
        s1.intoArray(scores, s + BLOCK);
        s2.intoArray(scores, s + 2 * BLOCK);
        s3.intoArray(scores, s + 3 * BLOCK);
        s += L;
        t0.intoArray(scores, s);
        t1.intoArray(scores, s + BLOCK);
        t2.intoArray(scores, s + 2 * BLOCK);
        t3.intoArray(scores, s + 3 * BLOCK);
        s += L;
        u0.intoArray(scores, s);
        u1.intoArray(scores, s + BLOCK);
        u2.intoArray(scores, s + 2 * BLOCK);
        u3.intoArray(scores, s + 3 * BLOCK);
        s += L;
        v0.intoArray(scores, s);
        v1.intoArray(scores, s + BLOCK);
        v2.intoArray(scores, s + 2 * BLOCK);
        v3.intoArray(scores, s + 3 * BLOCK);
    }

    /** As {@link #tiles4Quad} for two runs ({@code a0}, {@code a1}; slots {@code t}, {@code t + L}). */
    private static void tiles4Pair(float[] qk, MemorySegment k, long a0, long a1, int dim, int h, float[] scores,
                                   int t) {
        int q0 = h * dim;
        FloatVector z = FloatVector.zero(F);
        FloatVector s0 = z, s1 = z, s2 = z, s3 = z;
        FloatVector t0 = z, t1 = z, t2 = z, t3 = z;
        long step = KeyTiles.ROWS;
        for (int i = 0; i < dim; i++) {
            FloatVector c0 = ByteWidening.widen(k, a0 + i * step);
            FloatVector c1 = ByteWidening.widen(k, a1 + i * step);
            FloatVector x0 = FloatVector.broadcast(F, qk[q0 + i]);
            FloatVector x1 = FloatVector.broadcast(F, qk[q0 + dim + i]);
            FloatVector x2 = FloatVector.broadcast(F, qk[q0 + 2 * dim + i]);
            FloatVector x3 = FloatVector.broadcast(F, qk[q0 + 3 * dim + i]);
            s0 = c0.fma(x0, s0);
            s1 = c0.fma(x1, s1);
            s2 = c0.fma(x2, s2);
            s3 = c0.fma(x3, s3);
            t0 = c1.fma(x0, t0);
            t1 = c1.fma(x1, t1);
            t2 = c1.fma(x2, t2);
            t3 = c1.fma(x3, t3);
        }
        int s = h * BLOCK + t;
        s0.intoArray(scores, s);
        s1.intoArray(scores, s + BLOCK);
        s2.intoArray(scores, s + 2 * BLOCK);
        s3.intoArray(scores, s + 3 * BLOCK);
        s += L;
        t0.intoArray(scores, s);
        t1.intoArray(scores, s + BLOCK);
        t2.intoArray(scores, s + 2 * BLOCK);
        t3.intoArray(scores, s + 3 * BLOCK);
    }

    /** As {@link #tiles4Pair} for query head {@code h} alone: the same chain for each of its rows. */
    private static void tilePair(float[] qk, MemorySegment k, long a0, long a1, int dim, int h, float[] scores, int t) {
        int q0 = h * dim;
        FloatVector s0 = FloatVector.zero(F);
        FloatVector t0 = s0;
        long step = KeyTiles.ROWS;
        for (int i = 0; i < dim; i++) {
            FloatVector x0 = FloatVector.broadcast(F, qk[q0 + i]);
            s0 = ByteWidening.widen(k, a0 + i * step).fma(x0, s0);
            t0 = ByteWidening.widen(k, a1 + i * step).fma(x0, t0);
        }
        int s = h * BLOCK + t;
        s0.intoArray(scores, s);
        t0.intoArray(scores, s + L);
    }

    /**
     * Scores of query heads {@code h..h+3} against the codes at {@code off} (into slot {@code j}) and
     * those {@code rowBytes} later (into slot {@code j2}).
     */
    private static void dots4Pair(float[] qk, MemorySegment k, long off, long rowBytes, int dim, int h, float[] scores,
                                  int j, int j2, float rowScale0, float rowScale1) {
        int full = dim - dim % L;
        int q0 = h * dim;
        int q1 = q0 + dim;
        int q2 = q1 + dim;
        int q3 = q2 + dim;
        FloatVector s0 = FloatVector.zero(F);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        FloatVector t0 = s0;
        FloatVector t1 = s0;
        FloatVector t2 = s0;
        FloatVector t3 = s0;
        for (int i = 0; i < full; i += L) {
            FloatVector c0 = ByteWidening.widen(k, off + i);
            FloatVector c1 = ByteWidening.widen(k, off + rowBytes + i);
            FloatVector a0 = FloatVector.fromArray(F, qk, q0 + i);
            FloatVector a1 = FloatVector.fromArray(F, qk, q1 + i);
            FloatVector a2 = FloatVector.fromArray(F, qk, q2 + i);
            FloatVector a3 = FloatVector.fromArray(F, qk, q3 + i);
            s0 = a0.fma(c0, s0);
            s1 = a1.fma(c0, s1);
            s2 = a2.fma(c0, s2);
            s3 = a3.fma(c0, s3);
            t0 = a0.fma(c1, t0);
            t1 = a1.fma(c1, t1);
            t2 = a2.fma(c1, t2);
            t3 = a3.fma(c1, t3);
        }
        if (LaneSum.FOUR_IN_ONE) {
            FloatVector p = LaneSum.ofFour(s0, s1, s2, s3);
            store4(qk, k, off, full, dim, h, p.lane(0), p.lane(LaneSum.SECOND_LANE), p.lane(LaneSum.THIRD_LANE),
                    p.lane(LaneSum.FOURTH_LANE), scores, j, rowScale0);
        } else {
            store4(qk, k, off, full, dim, h, LaneSum.of(s0), LaneSum.of(s1), LaneSum.of(s2), LaneSum.of(s3), scores,
                    j, rowScale0);
        }
        if (LaneSum.FOUR_IN_ONE) {
            FloatVector p = LaneSum.ofFour(t0, t1, t2, t3);
            store4(qk, k, off + rowBytes, full, dim, h, p.lane(0), p.lane(LaneSum.SECOND_LANE), p.lane(LaneSum.THIRD_LANE),
                    p.lane(LaneSum.FOURTH_LANE), scores, j2, rowScale1);
        } else {
            store4(qk, k, off + rowBytes, full, dim, h, LaneSum.of(t0), LaneSum.of(t1), LaneSum.of(t2), LaneSum.of(t3), scores,
                    j2, rowScale1);
        }
    }

    /**
     * Four heads' lane sums plus the scalar tail, times the row's scale, into the scores. Takes floats:
     * vectors passed to a call the JIT does not inline would be boxed.
     */
    private static void store4(float[] qk, MemorySegment k, long off, int full, int dim, int h, float d0, float d1,
                               float d2, float d3, float[] scores, int j, float rowScale) {
        int q0 = h * dim;
        for (int i = full; i < dim; i++) {
            float x = element(k, off, i);
            d0 += qk[q0 + i] * x;
            d1 += qk[q0 + dim + i] * x;
            d2 += qk[q0 + 2 * dim + i] * x;
            d3 += qk[q0 + 3 * dim + i] * x;
        }
        int s = h * BLOCK + j;
        scores[s] = d0 * rowScale;
        scores[s + BLOCK] = d1 * rowScale;
        scores[s + 2 * BLOCK] = d2 * rowScale;
        scores[s + 3 * BLOCK] = d3 * rowScale;
    }

    /** The score of query head {@code h} before its row scale: the same sums as one head of {@link #dots4Pair}. */
    private static float dot(float[] qk, MemorySegment k, long off, int dim, int h) {
        int full = dim - dim % L;
        int q0 = h * dim;
        FloatVector s0 = FloatVector.zero(F);
        for (int i = 0; i < full; i += L) {
            s0 = FloatVector.fromArray(F, qk, q0 + i).fma(ByteWidening.widen(k, off + i), s0);
        }
        float d0 = LaneSum.of(s0);
        for (int i = full; i < dim; i++) {
            d0 += qk[q0 + i] * element(k, off, i);
        }
        return d0;
    }

    /**
     * {@code acc[h..h+3] = Σ_j p[h][j] · codes_j} over the block's rows, {@code 4L} columns at a time in
     * registers; {@code p} already holds each row's value scale.
     */
    private static void weigh4(MemorySegment v, long off, long rowBytes, int n, int dim, int h, float[] p, float[] acc,
                       int accOff) {
        int full = valuePart(dim);
        int p0 = h * BLOCK;
        int p1 = p0 + BLOCK;
        int p2 = p1 + BLOCK;
        int p3 = p2 + BLOCK;
        int a0 = accOff + h * dim;
        for (int i = 0; i < full; i += 4 * L) {
            FloatVector x0 = FloatVector.zero(F);
            FloatVector y0 = x0;
            FloatVector z0 = x0;
            FloatVector u0 = x0;
            FloatVector x1 = x0;
            FloatVector y1 = x0;
            FloatVector z1 = x0;
            FloatVector u1 = x0;
            FloatVector x2 = x0;
            FloatVector y2 = x0;
            FloatVector z2 = x0;
            FloatVector u2 = x0;
            FloatVector x3 = x0;
            FloatVector y3 = x0;
            FloatVector z3 = x0;
            FloatVector u3 = x0;
            long o = off + i;
            for (int j = 0; j < n; j++, o += rowBytes) {
                IntVector w = IntVector.fromMemorySegment(I, v, o, ByteOrder.LITTLE_ENDIAN);
                FloatVector c0 = code(w, 24);
                FloatVector c1 = code(w, 16);
                FloatVector c2 = code(w, 8);
                FloatVector c3 = top(w);
                FloatVector w0 = FloatVector.broadcast(F, p[p0 + j]);
                FloatVector w1 = FloatVector.broadcast(F, p[p1 + j]);
                FloatVector w2 = FloatVector.broadcast(F, p[p2 + j]);
                FloatVector w3 = FloatVector.broadcast(F, p[p3 + j]);
                x0 = c0.fma(w0, x0);
                y0 = c1.fma(w0, y0);
                z0 = c2.fma(w0, z0);
                u0 = c3.fma(w0, u0);
                x1 = c0.fma(w1, x1);
                y1 = c1.fma(w1, y1);
                z1 = c2.fma(w1, z1);
                u1 = c3.fma(w1, u1);
                x2 = c0.fma(w2, x2);
                y2 = c1.fma(w2, y2);
                z2 = c2.fma(w2, z2);
                u2 = c3.fma(w2, u2);
                x3 = c0.fma(w3, x3);
                y3 = c1.fma(w3, y3);
                z3 = c2.fma(w3, z3);
                u3 = c3.fma(w3, u3);
            }
            x0.intoArray(acc, a0 + i);
            y0.intoArray(acc, a0 + i + L);
            z0.intoArray(acc, a0 + i + 2 * L);
            u0.intoArray(acc, a0 + i + 3 * L);
            x1.intoArray(acc, a0 + dim + i);
            y1.intoArray(acc, a0 + dim + i + L);
            z1.intoArray(acc, a0 + dim + i + 2 * L);
            u1.intoArray(acc, a0 + dim + i + 3 * L);
            x2.intoArray(acc, a0 + 2 * dim + i);
            y2.intoArray(acc, a0 + 2 * dim + i + L);
            z2.intoArray(acc, a0 + 2 * dim + i + 2 * L);
            u2.intoArray(acc, a0 + 2 * dim + i + 3 * L);
            x3.intoArray(acc, a0 + 3 * dim + i);
            y3.intoArray(acc, a0 + 3 * dim + i + L);
            z3.intoArray(acc, a0 + 3 * dim + i + 2 * L);
            u3.intoArray(acc, a0 + 3 * dim + i + 3 * L);
        }
        for (int g = 0; g < 4; g++) {
            weighTail(v, off, rowBytes, n, dim, h + g, p, acc, accOff);
        }
    }

    /** As {@link #weigh4} for one query head: the same sums as one of its heads. */
    private static void weigh(MemorySegment v, long off, long rowBytes, int n, int dim, int h, float[] p, float[] acc,
                      int accOff) {
        int full = valuePart(dim);
        int p0 = h * BLOCK;
        int a0 = accOff + h * dim;
        for (int i = 0; i < full; i += 4 * L) {
            FloatVector x0 = FloatVector.zero(F);
            FloatVector y0 = x0;
            FloatVector z0 = x0;
            FloatVector u0 = x0;
            long o = off + i;
            for (int j = 0; j < n; j++, o += rowBytes) {
                IntVector w = IntVector.fromMemorySegment(I, v, o, ByteOrder.LITTLE_ENDIAN);
                FloatVector w0 = FloatVector.broadcast(F, p[p0 + j]);
                x0 = code(w, 24).fma(w0, x0);
                y0 = code(w, 16).fma(w0, y0);
                z0 = code(w, 8).fma(w0, z0);
                u0 = top(w).fma(w0, u0);
            }
            x0.intoArray(acc, a0 + i);
            y0.intoArray(acc, a0 + i + L);
            z0.intoArray(acc, a0 + i + 2 * L);
            u0.intoArray(acc, a0 + i + 3 * L);
        }
        weighTail(v, off, rowBytes, n, dim, h, p, acc, accOff);
    }

    private static void weighTail(MemorySegment v, long off, long rowBytes, int n, int dim, int h, float[] p,
                                  float[] acc, int accOff) {
        int p0 = h * BLOCK;
        int a0 = accOff + h * dim;
        for (int i = valuePart(dim); i < dim; i++) {
            float x = 0f;
            for (int j = 0; j < n; j++) {
                x = Math.fma(p[p0 + j], element(v, off + j * rowBytes, i), x);
            }
            acc[a0 + i] = x;
        }
    }
}
