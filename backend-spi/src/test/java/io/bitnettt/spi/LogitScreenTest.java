package io.bitnettt.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * {@link LogitScreen}'s bound against scalar float dot products summed in several orders: the
 * int8 logit of a row lies within {@code margin(‖x‖, C_r)} of every full-precision logit, on rows
 * where the quantization term of the bound is attained (so the bound cannot be loose by more than
 * its rounding allowance), on rows with heavy cancellation (where float sums err the most) and on
 * random rows; rows with non-finite values get an infinite bound.
 */
class LogitScreenTest {
    private static final int D = 2560;

    @Test
    void boundIsAttainedWithinItsRoundingAllowanceWhenXIsTheQuantizationResidual() {
        Random r = new Random(19);
        for (int trial = 0; trial < 20; trial++) {
            float[] w = bf16(uniform(r, D, 1f));
            byte[] q = new byte[D];
            float[] sc = LogitScreen.screenRow(w, 0, D, q, 0);
            // x along ±δ makes Cauchy–Schwarz an equality: Σ x δ = ±‖x‖ ‖δ‖.
            float[] x = new float[D];
            double sign = trial % 2 == 0 ? 1 : -1;
            for (int i = 0; i < D; i++) {
                x[i] = (float) (sign * (w[i] - (double) sc[0] * q[i]) * 100);
            }
            double margin = LogitScreen.margin(LogitScreen.norm(x, 0, D), sc[1]);
            double gap = Math.abs(coarse(q, sc[0], x) - forward(w, x));
            assertTrue(gap <= margin, "gap " + gap + " over margin " + margin);
            // The rest of the margin is the rounding allowance γ(‖w‖ + s‖q‖)‖x‖, under 10 % here.
            assertTrue(gap >= 0.9 * margin, "gap " + gap + " is not within 10 % of margin " + margin);
        }
    }

    @Test
    void holdsOnRowsWithHeavyCancellationInEverySummationOrder() {
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            float[] w = new float[D];
            float[] x = new float[D];
            for (int i = 0; i < D; i += 2) {
                // Pairs of large products of opposite sign leave a small sum of large roundings.
                float big = (float) Math.scalb(1 + r.nextDouble(), r.nextInt(8));
                w[i] = big;
                w[i + 1] = -big * (1 + (float) r.nextGaussian() * 1e-3f);
                x[i] = 1 + (float) r.nextGaussian() * 1e-4f;
                x[i + 1] = x[i];
            }
            w = bf16(w);
            assertWithinMargin(w, x);
        }
    }

    @Test
    void holdsOnRandomRowsOfEveryScaleIncludingTinyOnes() {
        Random r = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(700);
            float scale = (float) Math.scalb(1.0, r.nextInt(200) - 140); // down to the subnormal range
            float[] w = bf16(gaussian(r, n, scale));
            float[] x = gaussian(r, n, (float) Math.scalb(1.0, r.nextInt(40) - 20));
            assertWithinMargin(w, x);
        }
    }

    @Test
    void rowsOnTheCodeGridHaveOnlyTheRoundingAllowance() {
        float[] w = new float[D];
        for (int i = 0; i < D; i++) {
            w[i] = (i % 255 - 127) / 64f; // max 127/64, so scale 1/64 and every value is a code exactly
        }
        byte[] q = new byte[D];
        float[] sc = LogitScreen.screenRow(w, 0, D, q, 0);
        assertEquals(1 / 64f, sc[0]);
        double norm = 0;
        double codes = 0;
        for (int i = 0; i < D; i++) {
            assertEquals(w[i], sc[0] * q[i]);
            norm += (double) w[i] * w[i];
            codes += (double) q[i] * q[i];
        }
        double rounding = LogitScreen.gamma(D) * (Math.sqrt(norm) + sc[0] * Math.sqrt(codes));
        assertTrue(sc[1] >= rounding && sc[1] <= rounding * (1 + 1e-6), sc[1] + " against " + rounding);
    }

    @Test
    void aZeroRowHasBoundZeroAndNonFiniteRowsAnInfiniteOne() {
        byte[] q = new byte[4];
        assertArrayEquals(new float[] {0f, 0f}, LogitScreen.screenRow(new float[4], 0, 4, q, 0));
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            byte[] codes = {9, 9, 9, 9};
            float[] sc = LogitScreen.screenRow(new float[] {1, bad, 2, 3}, 0, 4, codes, 0);
            assertEquals(Float.POSITIVE_INFINITY, sc[1]);
            assertArrayEquals(new byte[4], codes);
        }
    }

    /** The int8 logit and three full-precision ones (forward, backward, 16 lanes with FMA) within the margin. */
    private static void assertWithinMargin(float[] w, float[] x) {
        int n = w.length;
        byte[] q = new byte[n];
        float[] sc = LogitScreen.screenRow(w, 0, n, q, 0);
        double margin = LogitScreen.margin(LogitScreen.norm(x, 0, n), sc[1]);
        float a = coarse(q, sc[0], x);
        float a2 = coarseLanes(q, sc[0], x);
        for (float exact : new float[] {forward(w, x), backward(w, x), lanes(w, x)}) {
            assertTrue(Math.abs((double) a - exact) <= margin, a + " vs " + exact + " margin " + margin);
            assertTrue(Math.abs((double) a2 - exact) <= margin, a2 + " vs " + exact + " margin " + margin);
        }
    }

    private static float coarse(byte[] q, float s, float[] x) {
        float sum = 0;
        for (int i = 0; i < q.length; i++) {
            sum += x[i] * q[i];
        }
        return s * sum;
    }

    private static float coarseLanes(byte[] q, float s, float[] x) {
        float[] acc = new float[16];
        for (int i = 0; i < q.length; i++) {
            acc[i % 16] = Math.fma(x[i], q[i], acc[i % 16]);
        }
        return s * tree(acc);
    }

    private static float forward(float[] w, float[] x) {
        float sum = 0;
        for (int i = 0; i < w.length; i++) {
            sum += w[i] * x[i];
        }
        return sum;
    }

    private static float backward(float[] w, float[] x) {
        float sum = 0;
        for (int i = w.length - 1; i >= 0; i--) {
            sum = Math.fma(w[i], x[i], sum);
        }
        return sum;
    }

    private static float lanes(float[] w, float[] x) {
        float[] even = new float[16];
        float[] odd = new float[16];
        for (int i = 0; i < w.length; i++) {
            float[] acc = (i / 16) % 2 == 0 ? even : odd;
            acc[i % 16] = Math.fma(w[i], x[i], acc[i % 16]);
        }
        for (int l = 0; l < 16; l++) {
            even[l] += odd[l];
        }
        return tree(even);
    }

    private static float tree(float[] acc) {
        for (int h = acc.length / 2; h > 0; h /= 2) {
            for (int l = 0; l < h; l++) {
                acc[l] += acc[l + h];
            }
        }
        return acc[0];
    }

    private static float[] uniform(Random r, int n, float max) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((2 * r.nextDouble() - 1) * max);
        }
        return v;
    }

    private static float[] gaussian(Random r, int n, float sd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * sd);
        }
        return v;
    }

    /** Rounded to bf16 (nearest even), as a BF16 table holds them. */
    private static float[] bf16(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            int bits = Float.floatToRawIntBits(v[i]);
            bits += 0x7FFF + ((bits >>> 16) & 1);
            out[i] = Float.intBitsToFloat(bits & 0xFFFF0000);
        }
        return out;
    }
}
