package io.bitnettt.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

import io.bitnettt.cpu.CpuDevice;
import io.bitnettt.generate.SamplingParameters;
import io.bitnettt.generate.TokenConstraint;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.Checkpoint;
import io.bitnettt.model.checkpoint.CheckpointWriter;
import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CPU backend's logits are bit-identical whatever the thread count and from run to run: a
 * random checkpoint goes through the loader, a two-block prefill and greedy decode steps on 1, 2
 * and 3 threads, twice over, and every step's logits must equal the first run's bit for bit. The
 * first decode step's logits depend on every prefill op through the KV cache.
 *
 * <p>The pom runs this class in a JVM of its own with synchronous compilation ({@code -Xbatch}), so
 * the first runs execute the kernels in the interpreter and C1 and the later ones in C2 at the same
 * points every time: a sum whose order depends on the JIT tier (as {@code reduceLanes(ADD)}'s did)
 * or on the partition over threads fails here, not only on a lucky schedule. The pom runs it once
 * per ternary kernel family.
 *
 * <p>The shapes leave tails everywhere: hidden 144 is not a multiple of the bf16 chunk, head size 36
 * not one of a float vector, 3 threads give one part an odd number of row groups, the vocabulary
 * splits into parts that are not multiples of four rows, and the 299-token prefill is four full 64-token
 * blocks plus a 43-token one (ten four-token kernel passes plus three tokens). Attention spans three
 * of its 128-row blocks, whose partials are merged in a fixed order; with an F32 and a BF16 KV cache.
 */
class ThreadCountDeterminismTest {
    private static final ModelConfig CONFIG = ModelConfig.tiny(389, 2, 4, 2, 36, 400, true);
    /** Decode steps at positions 299..310 read three of attention's 128-row blocks. */
    private static final int PROMPT = 300;
    private static final int CONTEXT = 320;
    private static final int STEPS = 12;
    private static final int BLOCK = 64;

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeCheckpoint() throws IOException {
        new CheckpointWriter(CONFIG).writeRandom(dir, 31);
    }

    @ParameterizedTest(name = "int8 output {0}, {1} KV cache")
    @CsvSource({"false, F32", "true, F32", "false, BF16"})
    void logitsAreBitwiseEqualOnOneTwoAndThreeThreadsAndAcrossRuns(boolean int8Output, DType kvCache) {
        List<int[]> reference = run(1, int8Output, kvCache);
        for (int round = 0; round < 2; round++) {
            for (int threads = 1; threads <= 3; threads++) {
                List<int[]> logits = run(threads, int8Output, kvCache);
                for (int s = 0; s < STEPS; s++) {
                    assertArrayEquals(reference.get(s), logits.get(s), "decode step " + s + " (step 0 follows the "
                            + (PROMPT - 1) + "-token prefill) on " + threads + " threads, round " + round
                            + ": logits differ in their bits from the first 1-thread run");
                }
            }
        }
    }

    /**
     * Greedy tokens ({@code decodeArgmax}), top-8 values and ids ({@code decodeTopK}) and constrained
     * greedy tokens ({@code decodeArgmaxAllowed}) through the screened output projection equal, bit
     * for bit, those of the full projection (masked on the host for the constrained steps), on 1, 2
     * and 3 threads, and the screen recomputes the same rows whatever the thread count.
     */
    @Test
    void screenedGreedyAndTopKEqualTheFullProjectionOnOneTwoAndThreeThreads() {
        List<int[]> reference = screenedRun(1, false);
        long[] recomputed = new long[3];
        for (int threads = 1; threads <= 3; threads++) {
            List<int[]> screened = screenedRun(threads, true);
            for (int s = 0; s < reference.size() - 1; s++) {
                assertArrayEquals(reference.get(s), screened.get(s), "step " + s + " on " + threads
                        + " threads: the screened result differs from the full projection's");
            }
            int[] stats = screened.getLast();
            recomputed[threads - 1] = stats[1];
            assertEquals(3L * STEPS, stats[0], "screened calls");
            assertTrue(stats[1] < 3L * STEPS * CONFIG.vocabSize() / 2,
                    stats[1] + " rows recomputed over " + 3 * STEPS + " calls of " + CONFIG.vocabSize() + " rows");
        }
        assertArrayEquals(new long[] {recomputed[0], recomputed[0], recomputed[0]}, recomputed, "rows recomputed");
    }

    /**
     * A constrained greedy request through {@link GenerationSession} picks the same tokens with the
     * screened projection (which reads only the allowed rows) as with the full one (which masks the
     * full logits), and asks the constraint for its mask once a step either way, with the same budget.
     */
    @Test
    void constrainedGreedyGenerationIsTheSameWithAndWithoutTheScreen() {
        List<List<Integer>> tokens = new ArrayList<>();
        List<List<Integer>> budgets = new ArrayList<>();
        for (boolean screen : new boolean[] {false, true}) {
            try (Checkpoint checkpoint = Checkpoint.open(dir);
                 Device device = BackendSelector.fromServiceLoader().select("cpu")
                         .open(DeviceOptions.defaults().withThreads(2));
                 DeviceWeights weights = WeightUploader.upload(checkpoint, device,
                         WeightUploader.Options.defaults().withScreen(screen));
                 BitNetForward forward = new BitNetForward(device, ModelDims.of(CONFIG, CONTEXT), weights, BLOCK)) {
                assertEquals(screen, forward.screensOutput(), "screen built");
                int[] prompt = new int[PROMPT];
                for (int i = 0; i < PROMPT; i++) {
                    prompt[i] = (i * 37 + 5) % CONFIG.vocabSize();
                }
                ShiftingConstraint constraint = new ShiftingConstraint(STEPS - 2);
                GenerationResult r = new GenerationSession(forward).generate(prompt,
                        SamplingParameters.builder().temperature(0).maxNewTokens(STEPS).build(), Set.of(), constraint,
                        new TextDecoder() {
                            public String accept(int id) {
                                return "";
                            }

                            public String flush() {
                                return "";
                            }
                        }, s -> { }, () -> false);
                assertEquals(STEPS, r.tokens().length);
                tokens.add(Arrays.stream(r.tokens()).boxed().toList());
                budgets.add(constraint.budgets);
            }
        }
        assertEquals(tokens.get(0), tokens.get(1), "tokens without, then with the screen");
        assertEquals(budgets.get(0), budgets.get(1), "the budgets each mask was asked with");
        assertEquals(STEPS - 2, budgets.get(1).size(), "one mask a constrained step");
    }

    /** Allows, for a number of steps, the tokens within 3 of a multiple of 11 past the last one chosen. */
    private static final class ShiftingConstraint implements TokenConstraint {
        final List<Integer> budgets = new ArrayList<>();
        final int steps;
        int last = 0;
        int accepted = 0;

        ShiftingConstraint(int steps) {
            this.steps = steps;
        }

        @Override
        public boolean active() {
            return accepted < steps;
        }

        @Override
        public void mask(float[] logits, int remaining) {
            budgets.add(remaining);
            for (int t = 0; t < logits.length; t++) {
                if (Math.floorMod(t - last, 11) > 3) {
                    logits[t] = Float.NEGATIVE_INFINITY;
                }
            }
        }

        @Override
        public void accept(int token) {
            last = token;
            accepted++;
        }
    }

    /**
     * Per greedy step {token}, then per top-k step the 8 values' bits then ids; last, for a
     * screened run, the device's {screened calls, rows recomputed}.
     */
    private static List<int[]> screenedRun(int threads, boolean screen) {
        List<int[]> steps = new ArrayList<>();
        try (Checkpoint checkpoint = Checkpoint.open(dir);
             Device device = BackendSelector.fromServiceLoader().select("cpu")
                     .open(DeviceOptions.defaults().withThreads(threads));
             DeviceWeights weights = WeightUploader.upload(checkpoint, device,
                     WeightUploader.Options.defaults().withScreen(screen))) {
            assertEquals(screen, weights.screen() != null, "screen built");
            int[] prompt = new int[PROMPT];
            for (int i = 0; i < PROMPT; i++) {
                prompt[i] = (i * 37 + 5) % CONFIG.vocabSize();
            }
            try (BitNetForward forward = new BitNetForward(device, ModelDims.of(CONFIG, CONTEXT),
                    weights, BLOCK)) {
                forward.prefill(prompt, 0, PROMPT - 1);
                int token = prompt[PROMPT - 1];
                for (int s = 0; s < STEPS; s++) {
                    token = forward.decodeArgmax(token, PROMPT - 1 + s);
                    steps.add(new int[] {token});
                }
            }
            try (BitNetForward forward = new BitNetForward(device, ModelDims.of(CONFIG, CONTEXT),
                    weights, BLOCK)) {
                forward.prefill(prompt, 0, PROMPT - 1);
                int token = prompt[PROMPT - 1];
                float[] values = new float[8];
                int[] ids = new int[8];
                for (int s = 0; s < STEPS; s++) {
                    forward.decodeTopK(token, PROMPT - 1 + s, values, ids);
                    int[] row = new int[16];
                    for (int j = 0; j < 8; j++) {
                        row[j] = Float.floatToRawIntBits(values[j]);
                        row[8 + j] = ids[j];
                    }
                    steps.add(row);
                    token = ids[s % 3]; // not only the greedy path
                }
            }
            try (BitNetForward forward = new BitNetForward(device, ModelDims.of(CONFIG, CONTEXT),
                    weights, BLOCK)) {
                forward.prefill(prompt, 0, PROMPT - 1);
                int token = prompt[PROMPT - 1];
                int vocab = CONFIG.vocabSize();
                float[] logits = new float[vocab];
                for (int s = 0; s < STEPS; s++) {
                    int[] words = allowedRows(s, vocab);
                    int next = forward.decodeArgmaxAllowed(token, PROMPT - 1 + s, words, logits);
                    boolean decided = next >= 0;
                    if (!decided) {
                        next = maskedArgmax(logits, words);
                    }
                    assertEquals(screen, decided, "step " + s + ": the screen decided (or, without one, left it)");
                    steps.add(new int[] {next});
                    token = next;
                }
            }
            if (device instanceof CpuDevice cpu) {
                long[] st = cpu.screenStatistics();
                steps.add(new int[] {(int) st[0], (int) st[1]});
            } else {
                steps.add(new int[2]);
            }
        }
        return steps;
    }

    /**
     * A constrained step's allowed tokens, a different shape each step: every third token, one token,
     * the upper half of the vocabulary, or a seeded random half (the tail word of 389 rows included).
     */
    private static int[] allowedRows(int step, int vocab) {
        int[] words = new int[(vocab + 31) / 32];
        Random r = new Random(step);
        for (int t = 0; t < vocab; t++) {
            boolean allowed = switch (step % 4) {
                case 0 -> t % 3 == step % 3;
                case 1 -> t == (step * 131 + 17) % vocab;
                case 2 -> t >= vocab / 2;
                default -> r.nextBoolean();
            };
            if (allowed) {
                words[t >>> 5] |= 1 << (t & 31);
            }
        }
        return words;
    }

    /** The host's choice: the first allowed token of largest logit, as the sampler picks from masked logits. */
    private static int maskedArgmax(float[] logits, int[] words) {
        int best = -1;
        for (int t = 0; t < logits.length; t++) {
            if ((words[t >>> 5] >>> (t & 31) & 1) != 0 && (best < 0 || logits[t] > logits[best])) {
                best = t;
            }
        }
        return best;
    }

    /** Each step's logits as raw float bits; each step feeds the argmax back, as greedy decoding does. */
    private static List<int[]> run(int threads, boolean int8Output, DType kvCache) {
        List<int[]> steps = new ArrayList<>();
        try (Checkpoint checkpoint = Checkpoint.open(dir);
             Device device = BackendSelector.fromServiceLoader().select("cpu")
                     .open(DeviceOptions.defaults().withThreads(threads));
             DeviceWeights weights = WeightUploader.upload(checkpoint, device, int8Output);
             BitNetForward forward = new BitNetForward(device, ModelDims.of(CONFIG, CONTEXT), weights, BLOCK,
                     kvCache)) {
            int[] prompt = new int[PROMPT];
            for (int i = 0; i < PROMPT; i++) {
                prompt[i] = (i * 37 + 5) % CONFIG.vocabSize();
            }
            forward.prefill(prompt, 0, PROMPT - 1);
            float[] logits = new float[CONFIG.vocabSize()];
            int token = prompt[PROMPT - 1];
            for (int s = 0; s < STEPS; s++) {
                forward.decode(token, PROMPT - 1 + s, logits);
                int[] bits = new int[logits.length];
                int best = 0;
                for (int v = 0; v < logits.length; v++) {
                    bits[v] = Float.floatToRawIntBits(logits[v]);
                    best = logits[v] > logits[best] ? v : best;
                }
                steps.add(bits);
                token = best;
            }
        }
        return steps;
    }
}
