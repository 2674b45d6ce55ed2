package io.bitnettt.cpu;

import static io.bitnettt.cpu.Host.f32;
import static io.bitnettt.cpu.Host.floats;
import static io.bitnettt.cpu.Host.ternary;
import static io.bitnettt.cpu.Host.u32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import org.junit.jupiter.api.Test;

/**
 * Small cases whose expected values are worked out by hand from the spec (§2), not from any kernel:
 * quantization ties and limits through an identity ternary weight, RMSNorm, RoPE with θ = 10000, and
 * causal masking in attention.
 */
class HandComputedOpsTest extends SharedDeviceTest {

    /** Identity weight [n, n] (n divisible by 4) so output j = q_j / s · scale exposes each quantized value. */
    private static float[] throughIdentity(float[] x, int tokens, int n, float scale) {
        byte[] eye = new byte[n * n];
        for (int j = 0; j < n; j++) {
            eye[j * n + j] = 1;
        }
        try (Tensor xt = f32(device, x, tokens, n);
             Tensor w = ternary(device, eye, n, n, scale);
             Tensor y = device.allocate(TensorSpec.f32(tokens, n))) {
            ops.ternaryLinear(xt, w, y);
            return floats(y);
        }
    }

    @Test
    void quantizationRoundsExactHalvesToEven() {
        // max|x| = 63.5 so s = 127/63.5 = 2 exactly; x·s lands on k + 0.5:
        //   0.25→0.5→0 (down), 0.75→1.5→2 (up), 1.25→2.5→2 (down), 1.75→3.5→4 (up),
        //  -0.25→-0.5→-0, -0.75→-1.5→-2, 63.25→126.5→126 (down), -62.75→-125.5→-126 (up in magnitude)
        // y = q / 2 with scale 1. Padded to 12 columns (65 would be wider than one block at 128-bit only).
        float[] x = {0.25f, 0.75f, 1.25f, 1.75f, -0.25f, -0.75f, 63.25f, -62.75f, 63.5f, 0, 0, 0};
        float[] y = throughIdentity(x, 1, 12, 1f);
        assertArrayEquals(new float[] {0, 1, 1, 2, 0, -1, 63, -63, 63.5f, 0, 0, 0}, y);

        // max|x| = 508 so s = 0.25: 2→0.5→0, 6→1.5→2, 10→2.5→2, 14→3.5→4, -2→-0→0, -6→-2, -10→-2, -14→-4
        // y = q / 0.25 · 0.5 = 2q
        float[] x2 = {2, 6, 10, 14, -2, -6, -10, -14, -508, 0, 0, 0};
        float[] y2 = throughIdentity(x2, 1, 12, 0.5f);
        assertArrayEquals(new float[] {0, 4, 4, 8, 0, -4, -4, -8, -254, 0, 0, 0}, y2);
    }

    @Test
    void allZeroRowUsesTheFloorAndGivesZero() {
        // row 0 all zero: s = 127 / 1e-5, every q = 0, y = 0 (+0.0, not NaN).
        // row 1 is tiny (max 4e-6 < 1e-5): s is still 127/1e-5 = 1.27e7, so
        //   4e-6 → 50.8 → q = 51 (not 127, which an unfloored scale would give); -1e-6 → -12.7 → -13
        float[] x = new float[8 * 2];
        x[8] = 4e-6f;
        x[9] = -1e-6f;
        float[] y = throughIdentity(x, 2, 8, 3f);
        for (int j = 0; j < 8; j++) {
            assertEquals(0, Float.floatToRawIntBits(y[j]), "zero row, column " + j + " = " + y[j]);
        }
        float s = 127f / 1e-5f;
        assertEquals(51 / 1.27e7 * 3, y[8], 1e-6 * 51 / 1.27e7 * 3);
        assertEquals(-13 / 1.27e7 * 3, y[9], 1e-6 * 13 / 1.27e7 * 3);
        assertEquals(51f / s * 3f, y[8]); // and the exact fp32 expression of the spec
        for (int j = 10; j < 16; j++) {
            assertEquals(0f, y[j]);
        }
    }

    @Test
    void absmaxElementQuantizesToPlusOrMinus127() {
        // At the absmax element x·s = ±127 up to one rounding, so q = ±127 (never -128) and
        // y = ±127 / s · scale = ±max·scale to float precision; the other columns stay within it.
        float[] maxima = {3f, 0.1f, 1e-3f, 7.3e4f, 1e-5f, 2.5e-5f, 12.7f, 1f / 3f};
        for (float m : maxima) {
            for (float sign : new float[] {1f, -1f}) {
                float[] x = {0.4f * m, sign * m, -0.3f * m, 0, 0.999f * m, -0.999f * m, 0, 0};
                float[] y = throughIdentity(x, 1, 8, 2f);
                float s = 127f / m;
                assertEquals(sign * 127f / s * 2f, y[1], "max " + sign * m);
                assertEquals(sign * m * 2f, y[1], Math.ulp(m * 2f) * 4, "max " + sign * m);
                // 0.999·127 = 126.873 → 127 as well; 0.4·127 = 50.8 → 51; -0.3·127 = -38.1 → -38
                assertEquals(127f / s * 2f, y[4], "0.999·max for max " + m);
                assertEquals(-127f / s * 2f, y[5], "-0.999·max for max " + m);
                assertEquals(51f / s * 2f, y[0], "0.4·max for max " + m);
                assertEquals(-38f / s * 2f, y[2], "-0.3·max for max " + m);
            }
        }
    }

    @Test
    void rmsNormByHand() {
        // n = 65 (a vector body and a tail): x = ±2 → mean(x²) = 4, eps 0 → 1/sqrt(4) = 0.5; y = w·x·0.5
        int n = 65;
        float[] x = new float[n];
        float[] w = new float[n];
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i % 3 == 0 ? -2 : 2;
            w[i] = 0.25f * (i - 20);
            expected[i] = w[i] * x[i] * 0.5f;
        }
        try (Tensor xt = f32(device, x, 1, n);
             Tensor wt = f32(device, w, n);
             Tensor out = device.allocate(TensorSpec.f32(1, n))) {
            ops.rmsNorm(xt, wt, 0f, out);
            assertArrayEquals(expected, floats(out), 1e-6f);
        }
        // eps matters: x = 1e-3 everywhere, eps = 1e-5 → 1e-3 / sqrt(1e-6 + 1e-5) = 0.3015113445777636
        // an all-zero row with eps = 1e-5 gives exactly 0 (no NaN)
        float[] small = new float[2 * n];
        java.util.Arrays.fill(small, 0, n, 1e-3f);
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1f);
        try (Tensor xt = f32(device, small, 2, n);
             Tensor wt = Host.bf16(device, ones, n);
             Tensor out = device.allocate(TensorSpec.f32(2, n))) {
            ops.rmsNorm(xt, wt, 1e-5f, out);
            float[] y = floats(out);
            for (int i = 0; i < n; i++) {
                assertEquals(0.3015113445777636, y[i], 1e-6 * 0.30151134, "column " + i);
                assertEquals(0f, y[n + i], "zero row, column " + i);
            }
        }
    }

    @Test
    void ropeAtPositionsZeroAndOneWithTheta10000() {
        // D = 4, θ = 10000: inv_freq = [10000^0, 10000^(-2/4)] = [1, 0.01]; pairs (0,2) and (1,3).
        // Tables built from the spec by hand: cos row p = [cos p, cos 0.01p, cos p, cos 0.01p].
        float[] cos = {1, 1, 1, 1,
                (float) Math.cos(1), (float) Math.cos(0.01), (float) Math.cos(1), (float) Math.cos(0.01)};
        float[] sin = {0, 0, 0, 0,
                (float) Math.sin(1), (float) Math.sin(0.01), (float) Math.sin(1), (float) Math.sin(0.01)};
        // position 1, x = [1, 2, 3, 4]:
        //   y0 = 1·cos1 − 3·sin1 = −1.9841106485555495   y2 = 3·cos1 + 1·sin1 = 2.4623779024123156
        //   y1 = 2·cos.01 − 4·sin.01 = 1.959900667496664 y3 = 4·cos.01 + 2·sin.01 = 4.019799668334994
        float[] atOne = {-1.9841106485555495f, 1.959900667496664f, 2.4623779024123156f, 4.019799668334994f};
        // two heads, the second head x = [-1, 0, 0.5, 2]:
        //   y0 = −cos1 − 0.5·sin1 = −0.9610378 ; y2 = 0.5·cos1 − sin1 = −0.5713198
        //   y1 = 0·cos.01 − 2·sin.01 = −0.019999667 ; y3 = 2·cos.01 + 0 = 1.9999000
        float[] head2AtOne = {-0.9610378f, -0.019999667f, -0.5713198f, 1.9999000f};
        float[] block = {1, 2, 3, 4, -1, 0, 0.5f, 2,   // token 0 at position 0: identity
                1, 2, 3, 4, -1, 0, 0.5f, 2};            // token 1 at position 1
        try (Tensor c = f32(device, cos, 2, 4);
             Tensor s = f32(device, sin, 2, 4);
             Tensor xt = f32(device, block, 2, 8);
             Tensor one = f32(device, new float[] {1, 2, 3, 4, -1, 0, 0.5f, 2}, 1, 8);
             Tensor p1 = u32(device, 1);
             Tensor p0 = u32(device, 0)) {
            ops.rotaryPrefill(xt, 2, c, s, 0);
            float[] y = floats(xt);
            assertArrayEquals(new float[] {1, 2, 3, 4, -1, 0, 0.5f, 2}, java.util.Arrays.copyOf(y, 8));
            assertArrayEquals(atOne, java.util.Arrays.copyOfRange(y, 8, 12), 1e-6f);
            assertArrayEquals(head2AtOne, java.util.Arrays.copyOfRange(y, 12, 16), 1e-6f);

            ops.rotaryDecode(one, 2, c, s, p0);
            assertArrayEquals(new float[] {1, 2, 3, 4, -1, 0, 0.5f, 2}, floats(one));
            ops.rotaryDecode(one, 2, c, s, p1);
            float[] d = floats(one);
            assertArrayEquals(atOne, java.util.Arrays.copyOf(d, 4), 1e-6f);
            assertArrayEquals(head2AtOne, java.util.Arrays.copyOfRange(d, 4, 8), 1e-6f);
        }
        // the same block starting at position 1 (startPos offsets the table row)
        try (Tensor c = f32(device, cos, 2, 4);
             Tensor s = f32(device, sin, 2, 4);
             Tensor xt = f32(device, new float[] {1, 2, 3, 4}, 1, 4)) {
            ops.rotaryPrefill(xt, 1, c, s, 1);
            assertArrayEquals(atOne, floats(xt), 1e-6f);
        }
    }

    @Test
    void causalPrefillMasksFutureKeys() {
        // H = 1, D = 4 (scale 1/2), T = 2 from position 0. Cache rows 2 and 3 hold junk (huge, NaN)
        // that would dominate or poison any softmax they leaked into.
        // Row 0 sees key 0 only: weight 1 → out = v0 exactly, although q0·k1 is huge.
        // Row 1: q1 = [2 ln 4, 0, 0, 0], k0 = 0, k1 = e0 → scores 0 and ln 4 → weights 1/5, 4/5;
        //        out = 0.2·[5, 0, −10, 1] + 0.8·[0, 5, 10, 1] = [1, 4, 6, 1]
        float ln4 = (float) Math.log(4);
        float[] q = {1000, 0, 0, 0, 2 * ln4, 0, 0, 0};
        float nan = Float.NaN; // row 3 is NaN: a mask that multiplies by a zero weight would still leak it
        float[] k = {0, 0, 0, 0, 1, 0, 0, 0, 1000, 1000, 1000, 1000, nan, nan, nan, nan};
        float[] v = {5, 0, -10, 1, 0, 5, 10, 1, 1e6f, 1e6f, 1e6f, 1e6f, nan, nan, nan, nan};
        try (Tensor qt = f32(device, q, 2, 4);
             Tensor kt = f32(device, k, 4, 4);
             Tensor vt = f32(device, v, 4, 4);
             Tensor out = device.allocate(TensorSpec.f32(2, 4))) {
            ops.attentionPrefill(qt, kt, vt, 0, 1, 1, out);
            float[] y = floats(out);
            assertArrayEquals(new float[] {5, 0, -10, 1}, java.util.Arrays.copyOf(y, 4));
            assertArrayEquals(new float[] {1, 4, 6, 1}, java.util.Arrays.copyOfRange(y, 4, 8), 1e-5f);
        }
    }

    @Test
    void groupedQueryHeadsReadTheirKvHead() {
        // H = 4, Hkv = 2, D = 2: heads 0,1 use kv head 0 and heads 2,3 kv head 1. With only key 0
        // visible (T = 1, position 0) each output is that kv head's v0, whatever the query.
        float[] q = {3, -1, 7, 2, -5, 4, 0.5f, 9};
        float[] k = {1, 2, 3, 4, 9, 9, 9, 9};
        float[] v = {10, 20, 30, 40, -7, -7, -7, -7};
        try (Tensor qt = f32(device, q, 1, 8);
             Tensor kt = f32(device, k, 2, 4);
             Tensor vt = f32(device, v, 2, 4);
             Tensor pos = u32(device, 0);
             Tensor out = device.allocate(TensorSpec.f32(1, 8))) {
            ops.attentionPrefill(qt, kt, vt, 0, 4, 2, out);
            assertArrayEquals(new float[] {10, 20, 10, 20, 30, 40, 30, 40}, floats(out));
            ops.attentionDecode(qt, kt, vt, pos, 4, 2, out);
            assertArrayEquals(new float[] {10, 20, 10, 20, 30, 40, 30, 40}, floats(out));
        }
    }
}
