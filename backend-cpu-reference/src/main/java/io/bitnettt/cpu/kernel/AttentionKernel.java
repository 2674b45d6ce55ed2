package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention of one token over a KV cache {@code [maxSeq, Hkv·D]} of F32, BF16 or
 * INT8 codes with row scales ({@link KvCaches}), computed as fixed blocks of {@link #BLOCK} cache rows
 * and an online softmax.
 *
 * <p>{@link #block} reads each cache row of its block once, whole (all kv heads, contiguous), and
 * uses it for every query head of the kv head's group, so the cache streams through once per token
 * whatever the group size. A block's result is a partial: per query head the block's score maximum,
 * the sum of {@code exp(score - max)} and the value rows weighted by those exps. {@link #merge}
 * folds partials left to right, rescaling by {@code exp(oldMax - newMax)}. Blocks start at multiples
 * of {@link #BLOCK} and are merged in position order, so the result does not depend on how blocks
 * were spread over threads, nor on whether decode or prefill computed it.
 *
 * <p>Vectors of {@code 2·L} elements are taken as two float vectors A and B. For F32, A is the first
 * L elements and B the next L. For BF16 one 2L-short load, seen as L ints, holds element {@code 2l}
 * in the low half of int {@code l} and {@code 2l+1} in the high half, so A (the even elements) is the
 * ints shifted left by 16 and B (the odd ones) the ints with the low half cleared: two lane-wise ops
 * widen 2L values exactly. The query and the accumulators are kept in that same order ("kernel
 * order", {@link #layoutQuery}, {@link #finish}); the {@code dim % 2L} tail stays in natural order.
 * INT8 rows keep the query in natural order and the accumulators in an order of their own, described
 * in {@link Int8Rows}.
 */
public final class AttentionKernel {
    /** Cache rows per block: the unit of parallel work and of the fixed merge order. */
    public static final int BLOCK = 128;

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final ByteOrder ORDER = ByteOrder.nativeOrder();
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ORDER);
    /** {@link #exp} clamps below this: e^-87 is still a normal float, and next to the block's maximum (weight 1) nothing. */
    private static final float EXP_FLOOR = -87f;
    private static final float LOG2E = 1.44269504f;
    /** ln 2 in two parts (Cody and Waite): {@code n·LN2_HI} is exact for the |n| <= 126 used here. */
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.42860677e-6f;
    /** 1.5·2^23: adding and subtracting it rounds a float below 2^22 in magnitude to an integer. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

    private AttentionKernel() {
    }

    /** Elements of a head dimension handled by vectors: a multiple of {@code 2L}. */
    static int vectorPart(int dim) {
        return dim - dim % (2 * L);
    }

    /** Index in the query's kernel order of natural element {@code i} of a head (see the class comment). */
    static int queryIndex(int i, int dim, KvCaches.Kind kind) {
        return kind == KvCaches.Kind.INT8 ? i : kernelIndex(i, dim, kind == KvCaches.Kind.BF16);
    }

    /** Index in the accumulators' kernel order of natural element {@code i} of a head. */
    static int accIndex(int i, int dim, KvCaches.Kind kind) {
        return kind == KvCaches.Kind.INT8 ? Int8Rows.valueIndex(i, dim) : kernelIndex(i, dim, kind == KvCaches.Kind.BF16);
    }

    /** Index in kernel order of natural element {@code i} of an F32 or BF16 head (see the class comment). */
    static int kernelIndex(int i, int dim, boolean bf16) {
        if (!bf16 || i >= vectorPart(dim)) {
            return i;
        }
        int base = i - i % (2 * L);
        int r = i - base;
        return base + (r % 2) * L + r / 2;
    }

    /** Copies one token's query, {@code heads·dim} F32 at {@code qOff}, into {@code qk} in kernel order. */
    public static void layoutQuery(MemorySegment q, long qOff, int heads, int dim, KvCaches.Kind kind, float[] qk) {
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < dim; i++) {
                qk[h * dim + queryIndex(i, dim, kind)] = q.get(FLOAT, qOff + 4L * (h * dim + i));
            }
        }
    }

    /**
     * The partial of cache rows {@code [j0, j1)} for all {@code heads} query heads: {@code acc[accOff + h·dim ..]}
     * (kernel order), {@code max[statOff + h]} and {@code sum[statOff + h]}.
     *
     * @param scores scratch of at least {@code heads·BLOCK} floats
     */
    public static void block(float[] qk, KvCaches c, int j0, int j1, int heads, int kvHeads, int dim, float scale,
                             float[] scores, float[] acc, int accOff, float[] max, float[] sum, int statOff) {
        block(qk, c, j0, j1, heads, kvHeads, 0, kvHeads, dim, scale, scores, acc, accOff, max, sum, statOff);
    }

    /**
     * As {@link #block} for kv heads {@code [kh0, kh1)} and their query heads only: each head's sums
     * are the same operations in the same order, so splitting a block by kv heads gives the same bits.
     */
    public static void block(float[] qk, KvCaches c, int j0, int j1, int heads, int kvHeads, int kh0, int kh1,
                             int dim, float scale, float[] scores, float[] acc, int accOff, float[] max, float[] sum,
                             int statOff) {
        // Each element type in a method of its own: one method holding every path outgrows what C2 inlines
        // into it, and a Vector API call left out of line runs its boxing fallback.
        if (c.kind == KvCaches.Kind.INT8) {
            Int8Rows.block(qk, c, j0, j1, heads, kvHeads, kh0, kh1, dim, scale, scores, acc, accOff, max, sum, statOff);
        } else {
            floatBlock(qk, c, j0, j1, heads, kvHeads, kh0, kh1, dim, scale, scores, acc, accOff, max, sum, statOff);
        }
    }

    private static void floatBlock(float[] qk, KvCaches c, int j0, int j1, int heads, int kvHeads, int kh0, int kh1,
                                   int dim, float scale, float[] scores, float[] acc, int accOff, float[] max,
                                   float[] sum, int statOff) {
        MemorySegment k = c.k;
        MemorySegment v = c.v;
        boolean bf16 = c.kind == KvCaches.Kind.BF16;
        int group = heads / kvHeads;
        long eb = c.kind.bytes();
        long rowBytes = eb * kvHeads * dim;
        long sliceOff = eb * kh0 * dim;
        long sliceBytes = eb * (kh1 - kh0) * dim;
        int n = j1 - j0;
        long touched = 0;
        for (int j = 0; j < n; j++) {
            long row = (j0 + j) * rowBytes;
            if (TouchAhead.ON) {
                // K a distance ahead; V's row now, so the column-wise value pass below finds the block in cache
                touched += TouchAhead.lines(k, row + sliceOff, sliceBytes)
                        + TouchAhead.linesHere(v, row + sliceOff, sliceBytes);
            }
            for (int kh = kh0; kh < kh1; kh++) {
                long off = row + eb * kh * dim;
                int h = kh * group;
                int end = h + group;
                for (; h + 4 <= end; h += 4) {
                    dots4(qk, k, off, bf16, dim, h, scores, j, scale);
                }
                for (; h < end; h++) {
                    scores[h * BLOCK + j] = dot(qk, k, off, bf16, dim, h) * scale;
                }
            }
        }
        softmax(scores, kh0 * group, kh1 * group, n, max, sum, statOff);
        for (int kh = kh0; kh < kh1; kh++) {
            long off = j0 * rowBytes + eb * kh * dim;
            int h = kh * group;
            int end = h + group;
            for (; h + 4 <= end; h += 4) {
                weigh4(v, off, rowBytes, bf16, n, dim, h, scores, acc, accOff);
            }
            for (; h < end; h++) {
                weigh(v, off, rowBytes, bf16, n, dim, h, scores, acc, accOff);
            }
        }
        TouchAhead.keep(touched);
    }

    /**
     * Per query head {@code h} of {@code [h0, h1)}: the maximum of its n scores, the scores replaced by
     * {@code e^(score - max)}, and their sum (left to right) into {@code max} and {@code sum} at
     * {@code statOff + h}.
     */
    static void softmax(float[] scores, int h0, int h1, int n, float[] max, float[] sum, int statOff) {
        int h = h0;
        // Four heads' sums side by side: each is still one chain, left to right, but the adder no
        // longer waits out every add's latency.
        for (; h + 4 <= h1; h += 4) {
            int s0 = h * BLOCK;
            for (int g = 0; g < 4; g++) {
                float m = maxOf(scores, s0 + g * BLOCK, n);
                max[statOff + h + g] = m;
                expMinus(scores, s0 + g * BLOCK, n, m);
            }
            float t0 = 0f;
            float t1 = 0f;
            float t2 = 0f;
            float t3 = 0f;
            for (int j = 0; j < n; j++) {
                t0 += scores[s0 + j];
                t1 += scores[s0 + BLOCK + j];
                t2 += scores[s0 + 2 * BLOCK + j];
                t3 += scores[s0 + 3 * BLOCK + j];
            }
            sum[statOff + h] = t0;
            sum[statOff + h + 1] = t1;
            sum[statOff + h + 2] = t2;
            sum[statOff + h + 3] = t3;
        }
        for (; h < h1; h++) {
            int s0 = h * BLOCK;
            float m = maxOf(scores, s0, n);
            expMinus(scores, s0, n, m);
            float total = 0f;
            for (int j = 0; j < n; j++) {
                total += scores[s0 + j];
            }
            max[statOff + h] = m;
            sum[statOff + h] = total;
        }
    }

    /**
     * The largest of {@code a[from .. from + n)}. A maximum is the same whatever order it is taken in, so
     * whole vectors and a lane reduction give what a scalar loop gives, without its chain of compares.
     * Vectors stay inside this method.
     */
    static float maxOf(float[] a, int from, int n) {
        int full = n - n % L;
        float m = Float.NEGATIVE_INFINITY;
        if (full > 0) {
            FloatVector mv = FloatVector.fromArray(F, a, from);
            for (int j = L; j < full; j += L) {
                mv = mv.max(FloatVector.fromArray(F, a, from + j));
            }
            m = mv.reduceLanes(VectorOperators.MAX);
        }
        for (int j = full; j < n; j++) {
            m = Math.max(m, a[from + j]);
        }
        return m;
    }

    /**
     * {@code a[from + j] = e^(a[from + j] - m)} for {@code j < n}, with {@code m} at least every such value,
     * from lane-wise IEEE operations only, so every JIT tier gives the same bits: {@code x = n·ln2 + r}
     * with {@code |r| <= ln2/2}, then {@code e^r} by its Taylor polynomial to degree 7 (remainder below
     * 5e-9, relative) and the exponent put into the bits. Within a few ulp of {@code Math.exp};
     * {@code x < -87} gives {@code e^-87}. Whole vectors: lanes past {@code n} (inside the caller's
     * BLOCK-long slot) are computed and never read. Vectors stay inside this method, so a call that is
     * not inlined boxes nothing.
     */
    static void expMinus(float[] a, int from, int n, float m) {
        FloatVector mv = FloatVector.broadcast(F, m);
        FloatVector floor = FloatVector.broadcast(F, EXP_FLOOR);
        FloatVector log2e = FloatVector.broadcast(F, LOG2E);
        FloatVector rounder = FloatVector.broadcast(F, ROUNDER);
        FloatVector ln2Hi = FloatVector.broadcast(F, -LN2_HI);
        FloatVector ln2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector c7 = FloatVector.broadcast(F, 1f / 5040);
        FloatVector c6 = FloatVector.broadcast(F, 1f / 720);
        FloatVector c5 = FloatVector.broadcast(F, 1f / 120);
        FloatVector c4 = FloatVector.broadcast(F, 1f / 24);
        FloatVector c3 = FloatVector.broadcast(F, 1f / 6);
        FloatVector c2 = FloatVector.broadcast(F, 0.5f);
        FloatVector one = FloatVector.broadcast(F, 1f);
        IntVector bias = IntVector.broadcast(I, 127 - ROUNDER_BITS);
        for (int j = 0; j < n; j += L) {
            FloatVector c = FloatVector.fromArray(F, a, from + j).sub(mv).max(floor);
            // t = 1.5·2^23 + round(c·log2e): its low mantissa bits hold that integer k, two's complement
            FloatVector t = c.fma(log2e, rounder);
            FloatVector k = t.sub(rounder);
            FloatVector r = k.fma(ln2Hi, c);
            r = k.fma(ln2Lo, r);
            FloatVector p = r.fma(c7, c6);
            p = p.fma(r, c5);
            p = p.fma(r, c4);
            p = p.fma(r, c3);
            p = p.fma(r, c2);
            p = p.fma(r, one);
            p = p.fma(r, one);
            FloatVector scale = t.reinterpretAsInts().add(bias).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            p.mul(scale).intoArray(a, from + j);
        }
    }

    /** Lanes A (first, or even, elements) of the 2L elements at byte {@code off}. */
    private static FloatVector loadA(MemorySegment s, long off, boolean bf16) {
        if (bf16) {
            return IntVector.fromMemorySegment(I, s, off, ORDER).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        }
        return FloatVector.fromMemorySegment(F, s, off, ORDER);
    }

    /** Lanes B (second, or odd, elements) of the 2L elements at byte {@code off}. */
    private static FloatVector loadB(MemorySegment s, long off, boolean bf16) {
        if (bf16) {
            return IntVector.fromMemorySegment(I, s, off, ORDER).lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
        }
        return FloatVector.fromMemorySegment(F, s, off + 4L * L, ORDER);
    }

    private static float element(MemorySegment s, long off, int i, boolean bf16) {
        return bf16 ? Bf16.toFloat(s.get(SHORT, off + 2L * i)) : s.get(FLOAT, off + 4L * i);
    }

    /** Scores of query heads {@code h..h+3} against the cache row slice at {@code off}. */
    private static void dots4(float[] qk, MemorySegment k, long off, boolean bf16, int dim, int h, float[] scores, int j,
                              float scale) {
        int full = vectorPart(dim);
        long eb = bf16 ? 2 : 4;
        int q0 = h * dim;
        int q1 = q0 + dim;
        int q2 = q1 + dim;
        int q3 = q2 + dim;
        FloatVector s0 = FloatVector.zero(F);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        for (int i = 0; i < full; i += 2 * L) {
            long o = off + eb * i;
            FloatVector a = loadA(k, o, bf16);
            FloatVector b = loadB(k, o, bf16);
            s0 = FloatVector.fromArray(F, qk, q0 + i).fma(a, s0);
            s0 = FloatVector.fromArray(F, qk, q0 + i + L).fma(b, s0);
            s1 = FloatVector.fromArray(F, qk, q1 + i).fma(a, s1);
            s1 = FloatVector.fromArray(F, qk, q1 + i + L).fma(b, s1);
            s2 = FloatVector.fromArray(F, qk, q2 + i).fma(a, s2);
            s2 = FloatVector.fromArray(F, qk, q2 + i + L).fma(b, s2);
            s3 = FloatVector.fromArray(F, qk, q3 + i).fma(a, s3);
            s3 = FloatVector.fromArray(F, qk, q3 + i + L).fma(b, s3);
        }
        float d0;
        float d1;
        float d2;
        float d3;
        if (LaneSum.FOUR_IN_ONE) {
            FloatVector p = LaneSum.ofFour(s0, s1, s2, s3);
            d0 = p.lane(0);
            d1 = p.lane(LaneSum.SECOND_LANE);
            d2 = p.lane(LaneSum.THIRD_LANE);
            d3 = p.lane(LaneSum.FOURTH_LANE);
        } else {
            d0 = LaneSum.of(s0);
            d1 = LaneSum.of(s1);
            d2 = LaneSum.of(s2);
            d3 = LaneSum.of(s3);
        }
        for (int i = full; i < dim; i++) {
            float x = element(k, off, i, bf16);
            d0 += qk[q0 + i] * x;
            d1 += qk[q1 + i] * x;
            d2 += qk[q2 + i] * x;
            d3 += qk[q3 + i] * x;
        }
        int s = h * BLOCK + j;
        scores[s] = d0 * scale;
        scores[s + BLOCK] = d1 * scale;
        scores[s + 2 * BLOCK] = d2 * scale;
        scores[s + 3 * BLOCK] = d3 * scale;
    }

    /** The unscaled score of query head {@code h}: the same sums as one lane of {@link #dots4}. */
    private static float dot(float[] qk, MemorySegment k, long off, boolean bf16, int dim, int h) {
        int full = vectorPart(dim);
        long eb = bf16 ? 2 : 4;
        int q0 = h * dim;
        FloatVector s0 = FloatVector.zero(F);
        for (int i = 0; i < full; i += 2 * L) {
            long o = off + eb * i;
            s0 = FloatVector.fromArray(F, qk, q0 + i).fma(loadA(k, o, bf16), s0);
            s0 = FloatVector.fromArray(F, qk, q0 + i + L).fma(loadB(k, o, bf16), s0);
        }
        float d0 = LaneSum.of(s0);
        for (int i = full; i < dim; i++) {
            d0 += qk[q0 + i] * element(k, off, i, bf16);
        }
        return d0;
    }

    /**
     * Whether {@link #weigh4} takes 4L columns a pass (sixteen accumulators, within AVX-512's 32
     * registers; AVX2's 16 would spill them) rather than 2L.
     */
    private static final boolean WIDE_VALUES = L >= 16;

    /**
     * {@code acc[h..h+3] = Σ_j p[h][j] · v_j} over the block's rows, 4L columns at a time in registers
     * where {@link #WIDE_VALUES} (else 2L). Each pass walks the block's rows 2.5 KB apart (F32, 2B-4T)
     * and takes a few lines of each: half the passes, half the walks. On one thread of the Zen 4 VM, F32
     * attention at context 128 (30 layers, inside a decode step) went from 2.5–2.6 to 2.2–2.3 ms a
     * token, on two from 2.0–2.2 to 1.8–1.9 (README, "Wider value passes"). Each element is the same FMA
     * chain over the rows either way.
     */
    private static void weigh4(MemorySegment v, long off, long rowBytes, boolean bf16, int n, int dim, int h,
                               float[] p, float[] acc, int accOff) {
        int full = vectorPart(dim);
        long eb = bf16 ? 2 : 4;
        int p0 = h * BLOCK;
        int p1 = p0 + BLOCK;
        int p2 = p1 + BLOCK;
        int p3 = p2 + BLOCK;
        int a0 = accOff + h * dim;
        int i = 0;
        for (; WIDE_VALUES && i + 4 * L <= full; i += 4 * L) {
            FloatVector x0 = FloatVector.zero(F);
            FloatVector y0 = x0;
            FloatVector x1 = x0;
            FloatVector y1 = x0;
            FloatVector x2 = x0;
            FloatVector y2 = x0;
            FloatVector x3 = x0;
            FloatVector y3 = x0;
            FloatVector z0 = x0;
            FloatVector u0 = x0;
            FloatVector z1 = x0;
            FloatVector u1 = x0;
            FloatVector z2 = x0;
            FloatVector u2 = x0;
            FloatVector z3 = x0;
            FloatVector u3 = x0;
            long o = off + eb * i;
            long o2 = eb * 2 * L;
            for (int j = 0; j < n; j++, o += rowBytes) {
                FloatVector a = loadA(v, o, bf16);
                FloatVector b = loadB(v, o, bf16);
                FloatVector c = loadA(v, o + o2, bf16);
                FloatVector d = loadB(v, o + o2, bf16);
                FloatVector w0 = FloatVector.broadcast(F, p[p0 + j]);
                FloatVector w1 = FloatVector.broadcast(F, p[p1 + j]);
                FloatVector w2 = FloatVector.broadcast(F, p[p2 + j]);
                FloatVector w3 = FloatVector.broadcast(F, p[p3 + j]);
                x0 = a.fma(w0, x0);
                y0 = b.fma(w0, y0);
                z0 = c.fma(w0, z0);
                u0 = d.fma(w0, u0);
                x1 = a.fma(w1, x1);
                y1 = b.fma(w1, y1);
                z1 = c.fma(w1, z1);
                u1 = d.fma(w1, u1);
                x2 = a.fma(w2, x2);
                y2 = b.fma(w2, y2);
                z2 = c.fma(w2, z2);
                u2 = d.fma(w2, u2);
                x3 = a.fma(w3, x3);
                y3 = b.fma(w3, y3);
                z3 = c.fma(w3, z3);
                u3 = d.fma(w3, u3);
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
        for (; i < full; i += 2 * L) {
            FloatVector x0 = FloatVector.zero(F);
            FloatVector y0 = x0;
            FloatVector x1 = x0;
            FloatVector y1 = x0;
            FloatVector x2 = x0;
            FloatVector y2 = x0;
            FloatVector x3 = x0;
            FloatVector y3 = x0;
            long o = off + eb * i;
            for (int j = 0; j < n; j++, o += rowBytes) {
                FloatVector a = loadA(v, o, bf16);
                FloatVector b = loadB(v, o, bf16);
                FloatVector w0 = FloatVector.broadcast(F, p[p0 + j]);
                FloatVector w1 = FloatVector.broadcast(F, p[p1 + j]);
                FloatVector w2 = FloatVector.broadcast(F, p[p2 + j]);
                FloatVector w3 = FloatVector.broadcast(F, p[p3 + j]);
                x0 = a.fma(w0, x0);
                y0 = b.fma(w0, y0);
                x1 = a.fma(w1, x1);
                y1 = b.fma(w1, y1);
                x2 = a.fma(w2, x2);
                y2 = b.fma(w2, y2);
                x3 = a.fma(w3, x3);
                y3 = b.fma(w3, y3);
            }
            x0.intoArray(acc, a0 + i);
            y0.intoArray(acc, a0 + i + L);
            x1.intoArray(acc, a0 + dim + i);
            y1.intoArray(acc, a0 + dim + i + L);
            x2.intoArray(acc, a0 + 2 * dim + i);
            y2.intoArray(acc, a0 + 2 * dim + i + L);
            x3.intoArray(acc, a0 + 3 * dim + i);
            y3.intoArray(acc, a0 + 3 * dim + i + L);
        }
        for (int g = 0; g < 4; g++) {
            weighTail(v, off, rowBytes, bf16, n, dim, h + g, p, acc, accOff);
        }
    }

    /** As {@link #weigh4} for one query head: the same sums as one of its heads. */
    private static void weigh(MemorySegment v, long off, long rowBytes, boolean bf16, int n, int dim, int h,
                              float[] p, float[] acc, int accOff) {
        int full = vectorPart(dim);
        long eb = bf16 ? 2 : 4;
        int p0 = h * BLOCK;
        int a0 = accOff + h * dim;
        for (int i = 0; i < full; i += 2 * L) {
            FloatVector x0 = FloatVector.zero(F);
            FloatVector y0 = x0;
            long o = off + eb * i;
            for (int j = 0; j < n; j++, o += rowBytes) {
                FloatVector w0 = FloatVector.broadcast(F, p[p0 + j]);
                x0 = loadA(v, o, bf16).fma(w0, x0);
                y0 = loadB(v, o, bf16).fma(w0, y0);
            }
            x0.intoArray(acc, a0 + i);
            y0.intoArray(acc, a0 + i + L);
        }
        weighTail(v, off, rowBytes, bf16, n, dim, h, p, acc, accOff);
    }

    private static void weighTail(MemorySegment v, long off, long rowBytes, boolean bf16, int n, int dim, int h,
                                  float[] p, float[] acc, int accOff) {
        int p0 = h * BLOCK;
        int a0 = accOff + h * dim;
        for (int i = vectorPart(dim); i < dim; i++) {
            float x = 0f;
            for (int j = 0; j < n; j++) {
                x = Math.fma(p[p0 + j], element(v, off + j * rowBytes, i, bf16), x);
            }
            acc[a0 + i] = x;
        }
    }

    /**
     * Folds partial B into partial A (A holds earlier positions): per head, with {@code m = max(mA, mB)},
     * {@code sum = sumA·e^(mA-m) + sumB·e^(mB-m)} and likewise the accumulators.
     */
    public static void merge(float[] acc, int accOff, float[] max, float[] sum, int statOff, float[] accB, int accBOff,
                             float[] maxB, float[] sumB, int statBOff, int heads, int dim) {
        int full = dim - dim % L;
        for (int h = 0; h < heads; h++) {
            float ma = max[statOff + h];
            float mb = maxB[statBOff + h];
            float m = Math.max(ma, mb);
            float fa = (float) Math.exp(ma - m);
            float fb = (float) Math.exp(mb - m);
            max[statOff + h] = m;
            sum[statOff + h] = sum[statOff + h] * fa + sumB[statBOff + h] * fb;
            int a = accOff + h * dim;
            int b = accBOff + h * dim;
            int i = 0;
            for (; i < full; i += L) {
                FloatVector.fromArray(F, acc, a + i).mul(fa)
                        .add(FloatVector.fromArray(F, accB, b + i).mul(fb))
                        .intoArray(acc, a + i);
            }
            for (; i < dim; i++) {
                acc[a + i] = acc[a + i] * fa + accB[b + i] * fb;
            }
        }
    }

    /** Writes {@code acc / sum} per head, in natural order, to {@code heads·dim} F32 at {@code outOff}. */
    public static void finish(float[] acc, int accOff, float[] sum, int statOff, int heads, int dim, KvCaches.Kind kind,
                              MemorySegment out, long outOff) {
        for (int h = 0; h < heads; h++) {
            float inv = 1f / sum[statOff + h];
            int a = accOff + h * dim;
            for (int i = 0; i < dim; i++) {
                out.set(FLOAT, outOff + 4L * (h * dim + i), acc[a + accIndex(i, dim, kind)] * inv);
            }
        }
    }
}
