package io.bitnettt.engine;

import io.bitnettt.generate.FinishReason;
import io.bitnettt.generate.SamplingParameters;
import io.bitnettt.generate.TokenConstraint;
import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class GenerationSessionTest {
    private static final ModelDims DIMS = new ModelDims(96, 64, 160, 2, 4, 2, 16, 1e-5f, 10000.0, 24);
    private static final TinyModel MODEL = new TinyModel(DIMS, 99);
    private static final int PREFILL_BLOCK = 3;
    private static final int[] PROMPT = {1, 40, 41, 7, 13};

    private Device device;
    private DeviceWeights weights;
    private BitNetForward forward;
    private GenerationSession session;

    @BeforeEach
    void open() {
        device = BackendSelector.fromServiceLoader().select("cpu").open(DeviceOptions.defaults().withThreads(2));
        weights = TinyModelUpload.upload(device, MODEL);
        forward = new BitNetForward(device, DIMS, weights, PREFILL_BLOCK);
        session = new GenerationSession(forward);
    }

    @AfterEach
    void close() {
        forward.close();
        weights.close();
        device.close();
    }

    /** Token ids as text "<id>", so the text shows exactly which tokens were emitted. */
    private static TextDecoder idText() {
        return new TextDecoder() {
            public String accept(int id) {
                return "<" + id + ">";
            }

            public String flush() {
                return "";
            }
        };
    }

    private static SamplingParameters greedy(int maxNew) {
        return SamplingParameters.builder().temperature(0).maxNewTokens(maxNew).build();
    }

    private GenerationResult run(int[] prompt, SamplingParameters p, Set<Integer> stops) {
        return session.generate(prompt, p, stops, idText(), s -> { }, () -> false);
    }

    /** Greedy continuation computed by the independent scalar forward pass. */
    private static int[] referenceGreedy(int[] prompt, int n) {
        ScalarBitNet ref = new ScalarBitNet(MODEL);
        double[] logits = null;
        for (int p = 0; p < prompt.length; p++) {
            logits = ref.forward(prompt[p], p);
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int t = 1; t < logits.length; t++) if (logits[t] > logits[best]) best = t;
            out[i] = best;
            if (i + 1 < n) logits = ref.forward(best, prompt.length + i);
        }
        return out;
    }

    @Test
    void greedyGenerationFollowsTheScalarReference() {
        GenerationResult r = run(PROMPT, greedy(6), Set.of());
        assertArrayEquals(referenceGreedy(PROMPT, 6), r.tokens());
        assertEquals(FinishReason.LENGTH, r.finishReason());
        assertEquals(6, r.stats().generatedTokens());
        assertEquals(PROMPT.length, r.stats().promptTokens());
        String expectedText = Arrays.stream(r.tokens()).mapToObj(t -> "<" + t + ">").reduce("", String::concat);
        assertEquals(expectedText, r.text());
    }

    @Test
    void theNextTurnReusesTheCachedPrefixAndGivesTheSameTokensAsAFreshRun() {
        GenerationResult first = run(PROMPT, greedy(4), Set.of());
        int[] second = IntStream.concat(IntStream.concat(Arrays.stream(PROMPT), Arrays.stream(first.tokens())),
                IntStream.of(5, 6)).toArray();
        GenerationResult reused = run(second, greedy(3), Set.of());
        // The cache held the prompt and all generated tokens but the last one (never fed back).
        assertEquals(PROMPT.length + first.tokens().length - 1, reused.stats().reusedPrefixTokens());
        session.reset();
        GenerationResult fresh = run(second, greedy(3), Set.of());
        assertEquals(0, fresh.stats().reusedPrefixTokens());
        assertArrayEquals(fresh.tokens(), reused.tokens());
        assertArrayEquals(referenceGreedy(second, 3), fresh.tokens());
    }

    @Test
    void anEndTokenStopsWithoutBeingEmitted() {
        int firstGreedy = referenceGreedy(PROMPT, 1)[0];
        GenerationResult r = run(PROMPT, greedy(10), Set.of(firstGreedy));
        assertEquals(FinishReason.STOP_TOKEN, r.finishReason());
        assertArrayEquals(new int[] {firstGreedy}, r.tokens());
        assertEquals("", r.text());
    }

    @Test
    void aStopStringAcrossTokensEndsGenerationAndIsNotEmitted() {
        int[] expected = referenceGreedy(PROMPT, 3);
        // "<a><b>" contains "a><b" starting right after the first "<": it spans both tokens.
        String stop = expected[0] + "><" + expected[1];
        SamplingParameters p = SamplingParameters.builder().temperature(0).maxNewTokens(10).stopStrings(stop).build();
        List<String> streamed = new ArrayList<>();
        GenerationResult r = session.generate(PROMPT, p, Set.of(), idText(), streamed::add, () -> false);
        assertEquals(FinishReason.STOP_STRING, r.finishReason());
        assertEquals("<", r.text());
        assertEquals(r.text(), String.join("", streamed));
        assertEquals(2, r.tokens().length);
    }

    @Test
    void aFullContextEndsGeneration() {
        GenerationResult r = run(PROMPT, greedy(100), Set.of());
        assertEquals(FinishReason.CONTEXT_FULL, r.finishReason());
        // The last prompt token sits at position 4; tokens are fed back up to position 23.
        assertEquals(DIMS.contextLength() - PROMPT.length + 1, r.tokens().length);
    }

    @Test
    void aPromptLongerThanTheContextFailsBeforeAnyCompute() {
        int[] tooLong = new int[DIMS.contextLength() + 1];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run(tooLong, greedy(1), Set.of()));
        assertEquals("the prompt has 25 tokens but the context holds only 24 tokens", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> run(new int[0], greedy(1), Set.of()));
    }

    @Test
    void cancellationStopsWithinOneTokenAndLeavesTheSessionUsable() {
        AtomicInteger shown = new AtomicInteger();
        // Cancelled once the third token is shown: no fourth token is computed.
        GenerationResult r = session.generate(PROMPT, greedy(50), Set.of(), idText(), s -> shown.incrementAndGet(),
                () -> shown.get() >= 3);
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertEquals(3, r.tokens().length);
        GenerationResult after = run(PROMPT, greedy(5), Set.of());
        assertArrayEquals(referenceGreedy(PROMPT, 5), after.tokens());
    }

    /** A long prompt can be cancelled between prefill blocks; what was prefilled is reused next time. */
    @Test
    void cancellationDuringPrefillStopsBeforeTheFirstTokenAndKeepsThePrefix() {
        int[] longPrompt = new int[DIMS.contextLength() - 2];
        for (int i = 0; i < longPrompt.length; i++) {
            longPrompt[i] = 1 + (i * 7) % (DIMS.vocabSize() - 1);
        }
        AtomicInteger polls = new AtomicInteger();
        // The first poll comes before the first block, the second after it: one block is computed.
        GenerationResult r = session.generate(longPrompt, greedy(5), Set.of(), idText(), s -> { },
                () -> polls.incrementAndGet() > 1);
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertEquals(0, r.tokens().length);
        GenerationResult again = run(longPrompt, greedy(3), Set.of());
        assertEquals(PREFILL_BLOCK, again.stats().reusedPrefixTokens());
        assertArrayEquals(referenceGreedy(longPrompt, 3), again.tokens());
    }

    @Test
    void aRequestFailingMidwayLeavesTheSessionUsable() {
        int[] badToken = {1, 40, 500, 7};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(badToken, greedy(2), Set.of()));
        assertEquals("prompt token 2 is 500, outside the vocabulary [0, 96)", e.getMessage());
        // A listener that throws mid-generation propagates, and the cache stays consistent.
        assertThrows(IllegalStateException.class, () -> session.generate(PROMPT, greedy(5), Set.of(), idText(), s -> {
            throw new IllegalStateException("listener failed");
        }, () -> false));
        GenerationResult after = run(PROMPT, greedy(4), Set.of());
        assertArrayEquals(referenceGreedy(PROMPT, 4), after.tokens());
    }

    @Test
    void topKOfOneEqualsGreedyAtAnyTemperature() {
        SamplingParameters topOne = SamplingParameters.builder().temperature(1.5).topK(1).seed(3L).maxNewTokens(8)
                .build();
        assertArrayEquals(referenceGreedy(PROMPT, 8), run(PROMPT, topOne, Set.of()).tokens());
    }

    @Test
    void seededSamplingIsReproducible() {
        SamplingParameters p = SamplingParameters.builder().temperature(1.0).topK(20).seed(7L).maxNewTokens(8).build();
        int[] a = run(PROMPT, p, Set.of()).tokens();
        session.reset();
        int[] b = run(PROMPT, p, Set.of()).tokens();
        assertArrayEquals(a, b);
    }

    @Test
    void topKSamplingOnTheDeviceDrawsWhatHostSamplingOfTheFullLogitsDraws() {
        SamplingParameters p = SamplingParameters.builder().temperature(1.1).topK(9).topP(0.95).minP(0.01).seed(5L)
                .maxNewTokens(10).build();
        int[] generated = run(PROMPT, p, Set.of()).tokens();

        // Reference: the same forward pass, but every logit downloaded and sampled on the host.
        session.reset();
        io.bitnettt.generate.Sampler host = new io.bitnettt.generate.Sampler(p, DIMS.vocabSize());
        float[] logits = new float[DIMS.vocabSize()];
        forward.prefill(PROMPT, 0, PROMPT.length - 1);
        int token = PROMPT[PROMPT.length - 1];
        int[] expected = new int[generated.length];
        for (int i = 0; i < expected.length; i++) {
            forward.decode(token, PROMPT.length - 1 + i, logits);
            token = host.sample(logits);
            expected[i] = token;
        }
        assertArrayEquals(expected, generated);
    }

    /** Allows one token per step (the one after the reference argmax), and records what the session passes. */
    private static final class OnlyOneToken implements TokenConstraint {
        final List<Integer> remaining = new ArrayList<>();
        final List<Integer> accepted = new ArrayList<>();
        final int vocab;
        final int steps;

        OnlyOneToken(int vocab, int steps) {
            this.vocab = vocab;
            this.steps = steps;
        }

        int allowed(int step) {
            return (7 * step + 3) % vocab;
        }

        @Override
        public boolean active() {
            return accepted.size() < steps;
        }

        @Override
        public void mask(float[] logits, int left) {
            remaining.add(left);
            float keep = logits[allowed(accepted.size())];
            Arrays.fill(logits, Float.NEGATIVE_INFINITY);
            logits[allowed(accepted.size())] = keep;
        }

        @Override
        public void accept(int token) {
            accepted.add(token);
        }
    }

    @Test
    void aConstraintMasksTheFullLogitsInsteadOfTheDevicesArgmaxOrTopK() {
        int[] unconstrained = run(PROMPT, greedy(6), Set.of()).tokens();
        for (SamplingParameters p : List.of(greedy(6), SamplingParameters.builder().temperature(1.0).topK(5).seed(3L)
                .maxNewTokens(6).build())) {
            session.reset();
            OnlyOneToken only = new OnlyOneToken(DIMS.vocabSize(), 4);
            int[] tokens = session.generate(PROMPT, p, Set.of(), only, idText(), s -> { }, () -> false).tokens();
            assertEquals(6, tokens.length);
            for (int i = 0; i < 4; i++) {
                assertEquals(only.allowed(i), tokens[i], "step " + i + " of " + p);
            }
            // Budget left when each mask is asked for: 6 tokens, then one fewer each step.
            assertEquals(List.of(6, 5, 4, 3), only.remaining);
            assertEquals(Arrays.stream(tokens).boxed().toList(), only.accepted);
        }
        assertNotEquals(only(unconstrained, 4), List.of(3, 10, 17, 24), "the constraint must change the output");
    }

    private static List<Integer> only(int[] tokens, int n) {
        return Arrays.stream(tokens).limit(n).boxed().toList();
    }

    /** Stop strings apply to free text only: one inside a constrained stretch would cut a document. */
    @Test
    void stopStringsDoNotCutAConstrainedStretchButStopFreeText() {
        int[] tokens = session.generate(PROMPT, greedy(6), Set.of(), new OnlyOneToken(DIMS.vocabSize(), 4), idText(),
                s -> { }, () -> false).tokens();
        OnlyOneToken only = new OnlyOneToken(DIMS.vocabSize(), 4);
        // idText shows token t as "<t>": one stop string is the second constrained token, one the first free token.
        String constrainedToken = "<" + only.allowed(1) + ">";
        String freeToken = "<" + tokens[4] + ">";
        session.reset();
        SamplingParameters p = SamplingParameters.builder().temperature(0).maxNewTokens(6)
                .stopStrings(constrainedToken, freeToken).build();
        GenerationResult r = session.generate(PROMPT, p, Set.of(), only, idText(), s -> { }, () -> false);
        assertEquals(FinishReason.STOP_STRING, r.finishReason());
        assertArrayEquals(Arrays.copyOf(tokens, 5), r.tokens());
        assertTrue(r.text().contains(constrainedToken) && !r.text().contains(freeToken), r.text());
    }

    @Test
    void theBudgetAConstraintSeesIsCappedByTheContext() {
        // Context 24, prompt 5: at most 20 tokens can follow, whatever maxNewTokens says.
        OnlyOneToken only = new OnlyOneToken(DIMS.vocabSize(), 2);
        session.generate(PROMPT, greedy(100), Set.of(), only, idText(), s -> { }, () -> false);
        assertEquals(List.of(20, 19), only.remaining);
    }
}
