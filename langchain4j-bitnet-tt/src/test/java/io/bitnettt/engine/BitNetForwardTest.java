package io.bitnettt.engine;

import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The engine on the CPU backend against the independent float64 forward pass. */
class BitNetForwardTest {
    // vocab, hidden, ffn, layers, heads, kvHeads, headDim, eps, theta, context
    private static final ModelDims SMALL = new ModelDims(96, 64, 160, 2, 4, 2, 16, 1e-5f, 10000.0, 48);
    private static final int STEPS = 32;

    static Stream<Arguments> models() {
        return Stream.of(
                // GQA 2:1, prompt of 11 over prefill blocks of 4 (two full blocks and a partial one)
                Arguments.of(SMALL, 42L, 4),
                Arguments.of(SMALL, 7L, 4),
                // GQA 4:1 as in 2B-4T (20/5), three layers, wider FFN
                Arguments.of(new ModelDims(128, 64, 176, 3, 8, 2, 8, 1e-5f, 500000.0, 48), 3L, 5),
                // no grouping (H = Hkv), one block holds the whole prompt
                Arguments.of(new ModelDims(80, 48, 96, 2, 3, 3, 16, 1e-5f, 10000.0, 48), 11L, 16));
    }

    private static Device cpu() {
        return BackendSelector.fromServiceLoader().select("cpu").open(DeviceOptions.defaults().withThreads(2));
    }

    private static int[] prompt(ModelDims d) {
        int[] p = new int[11];
        for (int i = 0; i < p.length; i++) p[i] = (i * 37 + 5) % d.vocabSize();
        return p;
    }

    static double pearson(double[] a, float[] b) {
        double ma = 0, mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }

    private static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    @ParameterizedTest(name = "{0} seed {1} block {2}")
    @MethodSource("models")
    void logitsCorrelateAndGreedyTokensMatchTheFloat64ReferenceFor32Steps(ModelDims d, long seed, int block) {
        TinyModel m = new TinyModel(d, seed);
        ScalarBitNet ref = new ScalarBitNet(m);
        int[] prompt = prompt(d);
        try (Device device = cpu(); DeviceWeights w = TinyModelUpload.upload(device, m);
             BitNetForward engine = new BitNetForward(device, d, w, block)) {
            double[] expected = null;
            for (int p = 0; p < prompt.length; p++) {
                expected = ref.forward(prompt[p], p);
            }
            engine.prefill(prompt, 0, prompt.length - 1);
            float[] got = new float[d.vocabSize()];
            engine.decode(prompt[prompt.length - 1], prompt.length - 1, got);
            int pos = prompt.length;
            for (int step = 0; step < STEPS; step++) {
                double r = pearson(expected, got);
                assertTrue(r >= 0.9999, "step " + step + ": Pearson " + r);
                int token = argmax(expected);
                assertEquals(token, argmax(got), "greedy token at step " + step);
                expected = ref.forward(token, pos);
                engine.decode(token, pos, got);
                pos++;
            }
        }
    }

    @Test
    void decodeAfterPrefillEqualsTokenByTokenDecode() {
        TinyModel m = new TinyModel(SMALL, 5);
        int[] tokens = prompt(SMALL);
        float[] blocked = new float[SMALL.vocabSize()];
        float[] stepwise = new float[SMALL.vocabSize()];
        try (Device device = cpu(); DeviceWeights w = TinyModelUpload.upload(device, m);
             BitNetForward a = new BitNetForward(device, SMALL, w, 4);
             BitNetForward b = new BitNetForward(device, SMALL, w, 4)) {
            a.prefill(tokens, 0, tokens.length - 1);
            a.decode(tokens[tokens.length - 1], tokens.length - 1, blocked);
            for (int p = 0; p < tokens.length; p++) {
                b.decode(tokens[p], p, stepwise);
            }
        }
        float max = 0;
        for (float v : stepwise) max = Math.max(max, Math.abs(v));
        for (int i = 0; i < blocked.length; i++) {
            assertEquals(stepwise[i], blocked[i], 1e-4f * max, "logit " + i);
        }
    }

    @Test
    void onDeviceArgmaxAgreesWithTheDownloadedLogits() {
        TinyModel m = new TinyModel(SMALL, 9);
        try (Device device = cpu(); DeviceWeights w = TinyModelUpload.upload(device, m);
             BitNetForward engine = new BitNetForward(device, SMALL, w, 4)) {
            float[] logits = engine.decode(3, 0, new float[SMALL.vocabSize()]);
            // Re-running position 0 rewrites the same cache row, so the step is identical.
            assertEquals(argmax(logits), engine.decodeArgmax(3, 0));
        }
    }

    @Test
    void positionsPastTheContextAndBadTokensAreRejected() {
        TinyModel m = new TinyModel(SMALL, 1);
        try (Device device = cpu(); DeviceWeights w = TinyModelUpload.upload(device, m);
             BitNetForward engine = new BitNetForward(device, SMALL, w, 4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> engine.decode(1, SMALL.contextLength(), new float[SMALL.vocabSize()]));
            assertEquals("positions [48, 49) do not fit the context of 48 tokens", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> engine.decode(96, 0, new float[96]));
            assertEquals("token id 96 is outside the vocabulary [0, 96)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> engine.decode(1, 0, new float[95]));
            assertEquals("logits buffer has 95 entries, expected vocab size 96", e.getMessage());
            // the engine stays usable after rejected calls
            assertEquals(96, engine.decode(1, 0, new float[96]).length);
        }
    }
}
