package io.bitnettt.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The attention kernel's own exp against {@link Math#exp}, over the range scores minus their maximum
 * take, and its vector maximum against a scalar {@link Math#max} fold.
 */
class AttentionExpTest {
    @Test
    void expMinusIsWithinFourUlpOfMathExpDownToTheFloor() {
        Random r = new Random(4);
        int n = AttentionKernel.BLOCK;
        float[] a = new float[n];
        float[] x = new float[n];
        double worst = 0;
        for (int round = 0; round < 200; round++) {
            float m = (float) (r.nextGaussian() * 10);
            for (int j = 0; j < n; j++) {
                // m - 87 .. m, with the edges and exact zeros of the exponent among them
                x[j] = j == 0 ? m : j == 1 ? m - 87f : m - (float) (r.nextDouble() * (round % 2 == 0 ? 87 : 2));
                a[j] = x[j];
            }
            AttentionKernel.expMinus(a, 0, n, m);
            for (int j = 0; j < n; j++) {
                double want = Math.exp(x[j] - m); // the float difference is what the kernel exponentiates
                double err = Math.abs(a[j] - want) / Math.ulp((float) want);
                worst = Math.max(worst, err);
            }
            assertEquals(1f, a[0], "e^0");
        }
        assertTrue(worst <= 4, "worst error " + worst + " ulp");
    }

    @Test
    void belowTheFloorItGivesTheFloorsValueAndNoNanOrZero() {
        float[] a = new float[AttentionKernel.BLOCK];
        java.util.Arrays.fill(a, -1000f);
        AttentionKernel.expMinus(a, 0, a.length, 0f);
        float floor = (float) Math.exp(-87);
        for (float v : a) {
            assertTrue(v > 0 && Math.abs(v - floor) <= 4 * Math.ulp(floor), "e^-1000 gave " + v);
        }
    }

    /** Every length up to a block, any offset, with signed zeros, infinities and NaN among the scores. */
    @Test
    void maxOfEqualsAScalarMathMaxFold() {
        Random r = new Random(9);
        float[] special = {0f, -0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, -1e30f};
        float[] a = new float[3 * AttentionKernel.BLOCK];
        for (int round = 0; round < 2000; round++) {
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextInt(8) == 0 ? special[r.nextInt(round % 3 == 0 ? special.length : 4)]
                        : (float) (r.nextGaussian() * 5);
            }
            int from = r.nextInt(AttentionKernel.BLOCK);
            int n = 1 + r.nextInt(AttentionKernel.BLOCK);
            float want = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                want = Math.max(want, a[from + j]);
            }
            float got = AttentionKernel.maxOf(a, from, n);
            String what = "max of " + n + " from " + from + ": " + want + " against " + got;
            if (Float.isNaN(want)) {
                assertTrue(Float.isNaN(got), what);
            } else {
                // bits, so that +0 and -0 are told apart
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got), what);
            }
        }
    }
}
