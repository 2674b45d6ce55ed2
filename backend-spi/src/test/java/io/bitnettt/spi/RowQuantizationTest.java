package io.bitnettt.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RowQuantizationTest {

    @Test
    void roundsHalfToEvenAgainstAnExactScale() {
        // max|w| = 127, so scale = 127/127 = 1 exactly and the codes are the values rounded:
        // 63.5 -> 64 (even), -127 -> -127, 31.75 -> 32, 0.5 -> 0 (even), 1.5 -> 2 (even),
        // -2.5 -> -2 (even), 0.49 -> 0.
        float[] w = {63.5f, -127f, 31.75f, 0.5f, 1.5f, -2.5f, 0.49f};
        byte[] q = new byte[w.length];
        assertEquals(1f, RowQuantization.quantizeRow(w, 0, w.length, q, 0));
        assertArrayEquals(new byte[] {64, -127, 32, 0, 2, -2, 0}, q);
    }

    @Test
    void quantizesEachRowAtItsOwnOffsetWithItsOwnScale() {
        // Second row [127, -254, 3, 5]: max 254, scale 2; 127/2 = 63.5 -> 64, -127, 1.5 -> 2, 2.5 -> 2.
        float[] w = {9f, 9f, 9f, 9f, 127f, -254f, 3f, 5f};
        byte[] q = new byte[10];
        assertEquals(2f, RowQuantization.quantizeRow(w, 4, 4, q, 6));
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 64, -127, 2, 2}, q);
    }

    @Test
    void zeroRowGetsZeroScaleAndZeroCodes() {
        float[] w = {0f, -0f, 0f};
        byte[] q = {1, 1, 1};
        assertEquals(0f, RowQuantization.quantizeRow(w, 0, 3, q, 0));
        assertArrayEquals(new byte[] {0, 0, 0}, q);
    }

    @Test
    void dequantizedValuesStayWithinHalfAStep() {
        float[] w = new float[257];
        java.util.Random r = new java.util.Random(17);
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian() * 0.05f;
        byte[] q = new byte[w.length];
        float scale = RowQuantization.quantizeRow(w, 0, w.length, q, 0);
        for (int i = 0; i < w.length; i++) {
            assertTrue(q[i] >= -127 && q[i] <= 127);
            // half a step, plus a few float ulps of the division
            assertTrue(Math.abs(q[i] * (double) scale - w[i]) <= scale * (0.5 + 1e-6), "element " + i);
        }
    }

    @Test
    void nonFiniteElementIsRejectedByIndex() {
        float[] w = {1f, Float.NaN};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RowQuantization.quantizeRow(w, 0, 2, new byte[2], 0));
        assertEquals("row quantization: element 1 is NaN, expected a finite value", e.getMessage());
    }
}
