package io.bitnettt.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The attention kernel's own exp against {@link Math#exp}, over the range scores minus their maximum take. */
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
}
