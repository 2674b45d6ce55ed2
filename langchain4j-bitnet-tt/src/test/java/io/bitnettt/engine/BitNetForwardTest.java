package io.bitnettt.engine;

import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The engine on the CPU backend against the independent scalar forward pass. */
class BitNetForwardTest {
    // vocab, hidden, ffn, layers, heads, kvHeads, headDim, eps, theta, context
    private static final ModelDims DIMS = new ModelDims(96, 64, 160, 2, 4, 2, 16, 1e-5f, 10000.0, 32);

    private static Device cpu() {
        return BackendSelector.fromServiceLoader().select("cpu").open(DeviceOptions.defaults().withThreads(2));
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        double maxAbs = 0;
        for (float v : expected) maxAbs = Math.max(maxAbs, Math.abs(v));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 2e-3 * maxAbs, what + " logit " + i);
        }
    }

    @Test
    void decodeTokenByTokenMatchesTheScalarReference() {
        TinyModel m = new TinyModel(DIMS, 42);
        ScalarBitNet ref = new ScalarBitNet(m);
        int[] tokens = {1, 17, 33, 5, 90, 2, 64, 8};
        try (Device device = cpu(); DeviceWeights w = TinyModelUpload.upload(device, m);
             BitNetForward engine = new BitNetForward(device, DIMS, w, 4)) {
            float[] got = new float[DIMS.vocabSize()];
            for (int p = 0; p < tokens.length; p++) {
                assertClose(ref.forward(tokens[p], p), engine.decode(tokens[p], p, got), "position " + p);
            }
        }
    }

    @Test
    void prefillBlocksThenDecodeMatchesTheScalarReference() {
        TinyModel m = new TinyModel(DIMS, 7);
        ScalarBitNet ref = new ScalarBitNet(m);
        int[] tokens = {3, 9, 27, 81, 50, 11, 70, 40, 12, 95, 6};
        float[] expected = null;
        for (int p = 0; p < tokens.length; p++) {
            expected = ref.forward(tokens[p], p);
        }
        // Block of 4 leaves a partial block of 2 before the last token: both block paths run.
        try (Device device = cpu(); DeviceWeights w = TinyModelUpload.upload(device, m);
             BitNetForward engine = new BitNetForward(device, DIMS, w, 4)) {
            engine.prefill(tokens, 0, tokens.length - 1);
            float[] got = engine.decode(tokens[tokens.length - 1], tokens.length - 1, new float[DIMS.vocabSize()]);
            assertClose(expected, got, "after prefill");
            int argmax = 0;
            for (int i = 1; i < expected.length; i++) if (expected[i] > expected[argmax]) argmax = i;
            // Re-running the last position overwrites its cache row; the greedy pick must agree.
            assertEquals(argmax, engine.decodeArgmax(tokens[tokens.length - 1], tokens.length - 1));
        }
    }

    @Test
    void positionsPastTheContextAndBadTokensAreRejected() {
        TinyModel m = new TinyModel(DIMS, 1);
        try (Device device = cpu(); DeviceWeights w = TinyModelUpload.upload(device, m);
             BitNetForward engine = new BitNetForward(device, DIMS, w, 4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> engine.decode(1, DIMS.contextLength(), new float[DIMS.vocabSize()]));
            assertTrue(e.getMessage().contains("context of 32 tokens"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> engine.decode(96, 0, new float[96]));
            assertTrue(e.getMessage().contains("token id 96"), e.getMessage());
            // the engine stays usable after rejected calls
            assertEquals(96, engine.decode(1, 0, new float[96]).length);
        }
    }
}
