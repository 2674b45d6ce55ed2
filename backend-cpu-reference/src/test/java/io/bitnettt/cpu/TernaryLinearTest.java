package io.bitnettt.cpu;

import static io.bitnettt.cpu.Host.f32;
import static io.bitnettt.cpu.Host.floats;
import static io.bitnettt.cpu.Host.ternary;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import io.bitnettt.cpu.kernel.ScalarKernels;
import io.bitnettt.spi.BackendException;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TernaryLinearTest {
    static CpuDevice device;

    @BeforeAll
    static void open() {
        device = CpuDevice.open(DeviceOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void close() {
        device.close();
    }

    @Test
    void handComputedFourByEight() {
        // max|x| = 127 so s = 1 and q = x; acc by hand, then y = acc / 1 * 0.5
        float[] x = {127, -64, 32, 0, 1, -1, 10, -127};
        byte[] w = {
                1, 1, 1, 1, 1, 1, 1, 1,      // 127-64+32+0+1-1+10-127 = -22
                1, -1, 0, 0, 0, 0, 0, 0,     // 127+64 = 191
                0, 0, 0, 0, 0, 0, 0, -1,     // 127
                -1, 0, 1, 0, -1, 1, 0, 0};   // -127+32-1-1 = -97
        assertArrayEquals(new float[] {-11f, 95.5f, 63.5f, -48.5f}, run(x, 1, 8, w, 4, 0.5f));
    }

    @Test
    void roundsHalfToEvenAndClampsTheZeroRow() {
        // max|x| = 254 so s = 0.5: x*s = 127, .5, 1.5, 2.5, -.5, -1.5 -> q = 127, 0, 2, 2, 0, -2; acc = 129 -> 129/0.5 = 258
        float[] x = {254, 1, 3, 5, -1, -3, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0};
        byte[] w = new byte[4 * 8];
        java.util.Arrays.fill(w, 0, 8, (byte) 1);
        float[] y = run(x, 2, 8, w, 4, 1f);
        assertArrayEquals(new float[] {258f, 0, 0, 0, 0, 0, 0, 0}, y);
    }

    @ParameterizedTest(name = "[{0}x{1}] T={2}")
    @CsvSource({"4,8,1", "8,33,1", "12,127,3", "20,129,2", "64,1000,5", "16,300,40", "2560,2560,1", "640,2560,2",
            "2560,6912,1", "6912,2560,1", "256,2560,70"})
    void matchesScalarReferenceExactly(int out, int in, int tokens) {
        Random r = new Random(out * 31L + in * 7L + tokens);
        float[] x = Host.gaussian(r, tokens * in, 3f);
        if (tokens > 1) {
            java.util.Arrays.fill(x, 0, in, 0f); // an all-zero token exercises the 1e-5 floor
        }
        byte[] w = Host.randomTernary(r, out * in);
        float scale = 0.0137f;
        float[] expected = ScalarKernels.ternaryLinear(x, tokens, in, w, out, scale);
        assertArrayEquals(expected, run(x, tokens, in, w, out, scale));
    }

    @Test
    void extremeActivationsDoNotOverflowTheInt16Lanes() {
        // every q = -127 or 127 against weights of the same sign: the largest accumulator any input makes
        int in = 6912;
        float[] x = new float[in];
        byte[] w = new byte[4 * in];
        for (int k = 0; k < in; k++) {
            x[k] = k % 2 == 0 ? 1f : -1f;
            w[k] = (byte) (k % 2 == 0 ? 1 : -1);
            w[in + k] = (byte) -w[k];
            w[2 * in + k] = 1;
        }
        float[] expected = ScalarKernels.ternaryLinear(x, 1, in, w, 4, 1f);
        assertArrayEquals(new float[] {in, -in, 0, 0}, expected); // acc = ±127·6912, /127
        assertArrayEquals(expected, run(x, 1, in, w, 4, 1f));
    }

    @ParameterizedTest(name = "tokens={0}")
    @CsvSource({"1", "3"})
    void saturatedActivationsDoNotOverflowTheInt16LanePairs(int tokens) {
        // every q = ±127 with code u = 2 (or 0) in every column: the largest sum a lane pair can reach
        int in = 6912;
        float[] x = new float[tokens * in];
        for (int t = 0; t < tokens; t++) {
            java.util.Arrays.fill(x, t * in, (t + 1) * in, t % 2 == 0 ? 1f : -1f);
        }
        byte[] w = new byte[4 * in];
        java.util.Arrays.fill(w, 0, in, (byte) 1);
        java.util.Arrays.fill(w, in, 2 * in, (byte) -1);
        for (int k = 0; k < in; k++) {
            w[2 * in + k] = (byte) (k % 3 - 1);
        }
        float[] expected = ScalarKernels.ternaryLinear(x, tokens, in, w, 4, 1f);
        assertArrayEquals(expected, run(x, tokens, in, w, 4, 1f));
    }

    @Test
    void fusedProjectionsEqualSeparateOnes() {
        Random r = new Random(5);
        int in = 640;
        int tokens = 3;
        float[] x = Host.gaussian(r, tokens * in, 1f);
        byte[] wq = Host.randomTernary(r, 256 * in);
        byte[] wk = Host.randomTernary(r, 64 * in);
        byte[] wv = Host.randomTernary(r, 64 * in);
        try (Tensor xt = f32(device, x, tokens, in);
             Tensor q = device.allocate(TensorSpec.f32(tokens, 256));
             Tensor k = device.allocate(TensorSpec.f32(tokens, 64));
             Tensor v = device.allocate(TensorSpec.f32(tokens, 64));
             Tensor tq = ternary(device, wq, 256, in, 0.5f);
             Tensor tk = ternary(device, wk, 64, in, 0.25f);
             Tensor tv = ternary(device, wv, 64, in, 2f)) {
            device.ops().ternaryLinearQkv(xt, tq, tk, tv, q, k, v);
            assertArrayEquals(ScalarKernels.ternaryLinear(x, tokens, in, wq, 256, 0.5f), floats(q));
            assertArrayEquals(ScalarKernels.ternaryLinear(x, tokens, in, wk, 64, 0.25f), floats(k));
            assertArrayEquals(ScalarKernels.ternaryLinear(x, tokens, in, wv, 64, 2f), floats(v));
            device.ops().ternaryLinearGateUp(xt, tk, tv, k, v);
            assertArrayEquals(ScalarKernels.ternaryLinear(x, tokens, in, wk, 64, 0.25f), floats(k));
            assertArrayEquals(ScalarKernels.ternaryLinear(x, tokens, in, wv, 64, 2f), floats(v));
        }
    }

    /** The device reuses one call state for every linear; a rejected call must leave none behind. */
    @Test
    void aRejectedFusedCallLeavesTheNextCallsRight() {
        Random r = new Random(6);
        int in = 96;
        float[] x = Host.gaussian(r, in, 1f);
        byte[] wq = Host.randomTernary(r, 64 * in);
        byte[] wk = Host.randomTernary(r, 32 * in);
        try (CpuDevice other = CpuDevice.open(DeviceOptions.defaults().withThreads(1));
             Tensor foreignX = f32(other, x, 1, in);
             Tensor xt = f32(device, x, 1, in);
             Tensor q = device.allocate(TensorSpec.f32(1, 64));
             Tensor k = device.allocate(TensorSpec.f32(1, 32));
             Tensor tq = ternary(device, wq, 64, in, 0.5f);
             Tensor tk = ternary(device, wk, 32, in, 0.25f)) {
            assertThrows(BackendException.class,
                    () -> device.ops().ternaryLinearQkv(foreignX, tq, tk, tk, q, k, k));
            assertThrows(BackendException.class, () -> device.ops().ternaryLinearGateUp(foreignX, tq, tk, q, k));
            device.ops().ternaryLinear(xt, tk, k);
            assertArrayEquals(ScalarKernels.ternaryLinear(x, 1, in, wk, 32, 0.25f), floats(k));
            device.ops().ternaryLinearGateUp(xt, tq, tk, q, k);
            assertArrayEquals(ScalarKernels.ternaryLinear(x, 1, in, wq, 64, 0.5f), floats(q));
            assertArrayEquals(ScalarKernels.ternaryLinear(x, 1, in, wk, 32, 0.25f), floats(k));
        }
    }

    @Test
    void multithreadedEqualsSingleThreaded() {
        Random r = new Random(9);
        int in = 2560;
        int out = 640;
        byte[] w = Host.randomTernary(r, out * in);
        for (int tokens : new int[] {1, 7}) {
            float[] x = Host.gaussian(r, tokens * in, 1f);
            float[] single;
            try (CpuDevice one = CpuDevice.open(DeviceOptions.defaults().withThreads(1))) {
                single = run(one, x, tokens, in, w, out, 0.3f);
            }
            try (CpuDevice three = CpuDevice.open(DeviceOptions.defaults().withThreads(3))) {
                assertArrayEquals(single, run(three, x, tokens, in, w, out, 0.3f));
            }
        }
    }

    @Test
    void downloadReturnsTheCheckpointBytes() {
        Random r = new Random(3);
        byte[] w = Host.randomTernary(r, 12 * 130);
        byte[] packed = io.bitnettt.cpu.kernel.HfTernaryCodec.encode(w, 12, 130);
        try (Tensor t = ternary(device, w, 12, 130, 1f)) {
            byte[] back = new byte[packed.length];
            t.download(java.lang.foreign.MemorySegment.ofArray(back));
            assertArrayEquals(packed, back);
        }
    }

    private static float[] run(float[] x, int tokens, int in, byte[] w, int out, float scale) {
        return run(device, x, tokens, in, w, out, scale);
    }

    private static float[] run(CpuDevice d, float[] x, int tokens, int in, byte[] w, int out, float scale) {
        try (Tensor xt = f32(d, x, tokens, in);
             Tensor wt = ternary(d, w, out, in, scale);
             Tensor y = d.allocate(TensorSpec.f32(tokens, out))) {
            d.ops().ternaryLinear(xt, wt, y);
            return floats(y);
        }
    }
}
