package io.bitnettt.cpu.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a float vector's lanes in one fixed order, on every JIT tier: a butterfly tree.
 * Level {@code h} (half the width, then a quarter, ..., 1) adds to each lane {@code i} the lane
 * {@code i ^ h}, so lane 0 ends with {@code ((l0 + l8) + (l4 + l12)) + ...} at 16 lanes.
 *
 * <p>Why not {@code reduceLanes(ADD)}: on floats it may add in any order, and does. C2's intrinsic
 * adds halves pairwise while the interpreter and C1 run the Java fallback, which adds lane by lane,
 * so the same logits differed in their last bits depending on whether a kernel had been compiled
 * yet, and greedy output flipped on near-ties from run to run. A lanewise add is one IEEE rounding
 * in every tier, so this tree gives the same bits everywhere.
 *
 * <p>After level {@code h} lanes {@code i} and {@code i ^ h} hold the same value ({@code a + b} and
 * {@code b + a}), which lets {@link OutputProjectionKernel} run the trees of four rows in one vector
 * ({@link #HALF_BIT}, {@link #QUARTER_BIT}) with every row's sum bit-identical to {@link #of}.
 *
 * <p>Every method here is at most 35 bytes of bytecode, C2's limit for inlining a call site it does
 * not count as hot: a vector passed to a call that is not inlined is boxed on the heap. The vector
 * API's own methods are force-inlined; methods of this project are not.
 */
public final class LaneSum {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length();
    /** Butterflies of the levels {@code LANES / 2}, {@code / 4}, {@code / 8}, {@code / 16}: lane {@code i} takes lane {@code i ^ h}. */
    static final VectorShuffle<Float> HALF = butterfly(LANES / 2);
    static final VectorShuffle<Float> QUARTER = butterfly(LANES / 4);
    static final VectorShuffle<Float> EIGHTH = butterfly(LANES / 8);
    static final VectorShuffle<Float> SIXTEENTH = butterfly(LANES / 16);
    /** Lanes whose index has the bit of level {@code LANES / 2}, resp. {@code LANES / 4}, set. */
    static final VectorMask<Float> HALF_BIT = bitSet(LANES / 2);
    static final VectorMask<Float> QUARTER_BIT = bitSet(LANES / 4);

    /** Whether {@link #ofFour} applies: 4 to 16 lanes. */
    static final boolean FOUR_IN_ONE = LANES >= 4 && LANES <= 16;
    /** Where {@link #ofFour} leaves the sums of its second, third and fourth vectors (the first's in lane 0). */
    static final int SECOND_LANE = LANES / 2;
    static final int THIRD_LANE = LANES / 4;
    static final int FOURTH_LANE = SECOND_LANE + THIRD_LANE;

    private LaneSum() {
    }

    /**
     * The sums of four vectors in one vector ({@link #FOUR_IN_ONE} machines), each bit-identical to
     * {@link #of}: after a level of the tree a vector's lanes i and i ^ h are equal, so after the first
     * level two vectors share one and after the second all four. Read them at lanes 0,
     * {@link #SECOND_LANE}, {@link #THIRD_LANE} and {@link #FOURTH_LANE}.
     */
    static FloatVector ofFour(FloatVector s0, FloatVector s1, FloatVector s2, FloatVector s3) {
        FloatVector p01 = s0.add(s0.rearrange(HALF)).blend(s1.add(s1.rearrange(HALF)), HALF_BIT);
        FloatVector p23 = s2.add(s2.rearrange(HALF)).blend(s3.add(s3.rearrange(HALF)), HALF_BIT);
        FloatVector p = p01.add(p01.rearrange(QUARTER)).blend(p23.add(p23.rearrange(QUARTER)), QUARTER_BIT);
        if (LANES >= 8) {
            p = p.add(p.rearrange(EIGHTH));
        }
        if (LANES == 16) {
            p = p.add(p.rearrange(SIXTEENTH));
        }
        return p;
    }

    /** The lanes of {@code v} (of {@link FloatVector#SPECIES_PREFERRED}) summed as the butterfly tree. */
    public static float of(FloatVector v) {
        return LANES == 16 ? of16(v) : narrower(v);
    }

    private static float of16(FloatVector v) {
        return fold(fold(fold(fold(v, HALF), QUARTER), EIGHTH), SIXTEENTH).lane(0);
    }

    private static float narrower(FloatVector v) {
        return LANES == 8 ? of8(v) : narrowest(v);
    }

    private static float of8(FloatVector v) {
        return fold(fold(fold(v, HALF), QUARTER), EIGHTH).lane(0);
    }

    private static float narrowest(FloatVector v) {
        return LANES == 4 ? of4(v) : anyWidth(v);
    }

    private static float of4(FloatVector v) {
        return fold(fold(v, HALF), QUARTER).lane(0);
    }

    /** 2 or more than 16 lanes (64-bit vectors, wide SVE): the same tree, butterflies built per level. */
    private static float anyWidth(FloatVector v) {
        for (int h = LANES / 2; h >= 1; h /= 2) {
            v = fold(v, butterfly(h));
        }
        return v.lane(0);
    }

    /** One level: lane {@code i} of the result is {@code v[i] + v[i ^ h]}. */
    static FloatVector fold(FloatVector v, VectorShuffle<Float> swap) {
        return v.add(v.rearrange(swap));
    }

    /** Level {@code h}'s butterfly; at a level below 1 (narrower vectors) an unused identity. */
    private static VectorShuffle<Float> butterfly(int h) {
        return VectorShuffle.fromOp(F, i -> i ^ h);
    }

    private static VectorMask<Float> bitSet(int h) {
        boolean[] bits = new boolean[LANES];
        for (int i = 0; i < LANES; i++) {
            bits[i] = (i & h) != 0;
        }
        return VectorMask.fromArray(F, bits, 0);
    }
}
