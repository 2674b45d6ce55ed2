package io.bitnettt.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.junit.jupiter.api.Test;

class ActivationQuantizerTest {

    @Test
    void matchesScalarQuantizationIncludingHalves() {
        Random r = new Random(12);
        for (int n : new int[] {1, 7, 8, 9, 127, 2560, 6912 + 5}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                // a max of 254 makes s = 0.5, so odd integers land exactly on .5
                x[i] = i % 3 == 0 ? r.nextInt(509) - 254 : (float) r.nextGaussian() * 40f;
            }
            x[0] = 254f;
            short[] q = new short[n + 9];
            java.util.Arrays.fill(q, (short) 99);
            float s = ActivationQuantizer.quantize(MemorySegment.ofArray(x), 0, n, q, 0, n + 9);
            assertEquals(ScalarKernels.quantScale(x, 0, n), s);
            short[] expected = new short[n + 9];
            for (int i = 0; i < n; i++) {
                expected[i] = (short) ScalarKernels.quantize(x[i], s);
            }
            assertArrayEquals(expected, q, "n=" + n);
        }
    }

    @Test
    void telescopedActivationTimesShiftedCodesIsTheDotProduct() {
        // One block, lane 0 only: Σ_i x'_i·(w >>> 2i) must equal Σ_i x_i·u_i for u = t + 1.
        int lanes = TernaryLayout.LANES;
        short[] q = new short[TernaryLayout.BLOCK_COLS];
        int[] u = {2, 0, 1, 2, 2, 0, 0, 1};
        short[] x = {127, -128, 5, -7, 100, 3, -1, 64};
        int w = 0;
        int expected = 0;
        for (int i = 0; i < 8; i++) {
            q[i * lanes] = x[i];
            w |= u[i] << (2 * i);
            expected += x[i] * u[i];
        }
        int sum = TernaryLayout.telescope(q, 0, 1);
        assertEquals(127 - 128 + 5 - 7 + 100 + 3 - 1 + 64, sum);
        short acc = 0;
        for (int i = 0; i < 8; i++) {
            acc += (short) (q[i * lanes] * (short) ((w & 0xFFFF) >>> (2 * i)));
        }
        assertEquals(expected, acc);
    }
}
