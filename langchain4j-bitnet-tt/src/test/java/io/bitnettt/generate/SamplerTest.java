package io.bitnettt.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static final int LLAMA3_VOCAB = 128256;

    /** Sampling that only applies what the test sets: no top-k, top-p, min-p or penalties by default. */
    private static SamplingParameters.Builder plain() {
        return SamplingParameters.builder().temperature(1).topK(0).topP(1).minP(0).seed(1L);
    }

    private static float[] logitsOf(double... probabilities) {
        float[] l = new float[probabilities.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) Math.log(probabilities[i]);
        }
        return l;
    }

    private static double[] dist(SamplingParameters p, float[] logits) {
        return new Sampler(p, logits.length).distribution(logits, new int[0], 0);
    }

    private static void assertDistribution(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6, "token " + i + " in " + Arrays.toString(actual));
        }
    }

    private static float[] randomLogits(int n, long seed, boolean quantised) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            double v = r.nextDouble(-1, 1) * 6;
            l[i] = quantised ? (float) (Math.round(v * 2) / 2.0) : (float) v;
        }
        return l;
    }

    @Test
    void greedyPicksArgmaxAndFirstIndexOnTies() {
        Sampler s = new Sampler(SamplingParameters.greedy(), 5);
        assertEquals(3, s.sample(new float[] {0.1f, -2, 0.5f, 4, 3.9f}));
        assertEquals(1, s.sample(new float[] {0, 7, 2, 7, 7}));
        assertEquals(4, s.sample(new float[] {Float.NEGATIVE_INFINITY, -9, -8, -7, -1}));
    }

    @Test
    void greedyAppliesPenaltiesFirst() {
        SamplingParameters p = SamplingParameters.builder().temperature(0).repetitionPenalty(4).build();
        // token 0 would win, but it was just generated: 2/4 = 0.5 < 1.
        assertEquals(2, new Sampler(p, 3).sample(new float[] {2, -2, 1}, new int[] {0}, 1));
    }

    @Test
    void topKOneIsGreedyAtAnyTemperature() {
        float[] logits = randomLogits(LLAMA3_VOCAB, 3, true); // quantised: many exact ties at the top
        int argmax = Sampler.argmax(logits);
        for (double t : new double[] {0.01, 1, 5, 100}) {
            Sampler s = new Sampler(SamplingParameters.builder().temperature(t).topK(1).seed(9L).build(),
                    LLAMA3_VOCAB);
            for (int i = 0; i < 20; i++) {
                assertEquals(argmax, s.sample(logits), "temperature " + t);
            }
        }
    }

    @Test
    void topPKeepsSmallestPrefixReachingP() {
        // probabilities 0.5, 0.25, 0.15, 0.10, stored out of order to exercise the sort.
        float[] logits = logitsOf(0.25, 0.10, 0.5, 0.15);
        // 0.7: 0.5 < 0.7, 0.5+0.25 = 0.75 >= 0.7 -> {0.5, 0.25} renormalised to 2/3, 1/3.
        assertDistribution(new double[] {1 / 3.0, 0, 2 / 3.0, 0}, dist(plain().topP(0.7).build(), logits));
        // 0.8: needs 0.5+0.25+0.15 = 0.9 -> divide each by 0.9.
        assertDistribution(new double[] {0.25 / 0.9, 0, 0.5 / 0.9, 0.15 / 0.9},
                dist(plain().topP(0.8).build(), logits));
        // 0.4: the top token alone already has 0.5.
        assertDistribution(new double[] {0, 0, 1, 0}, dist(plain().topP(0.4).build(), logits));
    }

    @Test
    void topPRenormalisesAfterTopK() {
        float[] logits = logitsOf(0.25, 0.10, 0.5, 0.15);
        // top-k 3 leaves 0.5, 0.25, 0.15 (sum 0.9) -> 0.556, 0.833: top-p 0.8 now stops after two tokens.
        assertDistribution(new double[] {1 / 3.0, 0, 2 / 3.0, 0}, dist(plain().topK(3).topP(0.8).build(), logits));
    }

    @Test
    void minPDropsTokensBelowFractionOfBest() {
        float[] logits = logitsOf(0.25, 0.10, 0.5, 0.15);
        // 0.25 * 0.5 = 0.125: drops only the 0.10 token.
        assertDistribution(new double[] {0.25 / 0.9, 0, 0.5 / 0.9, 0.15 / 0.9},
                dist(plain().minP(0.25).build(), logits));
        // 0.35 * 0.5 = 0.175: keeps 0.5 and 0.25.
        assertDistribution(new double[] {1 / 3.0, 0, 2 / 3.0, 0}, dist(plain().minP(0.35).build(), logits));
        // top-p 0.95 keeps all four first; min-p then cuts to two.
        assertDistribution(new double[] {1 / 3.0, 0, 2 / 3.0, 0},
                dist(plain().topP(0.95).minP(0.35).build(), logits));
        // With top-k the same thresholds apply on the selected candidates.
        assertDistribution(new double[] {1 / 3.0, 0, 2 / 3.0, 0},
                dist(plain().topK(3).minP(0.35).build(), logits));
    }

    @Test
    void temperatureAppliesAfterFilters() {
        float[] logits = logitsOf(0.25, 0.10, 0.5, 0.15);
        // T = 0.5 squares the probabilities: 0.0625, 0.01, 0.25, 0.0225 (sum 0.345).
        assertDistribution(new double[] {0.0625 / 0.345, 0.01 / 0.345, 0.25 / 0.345, 0.0225 / 0.345},
                dist(plain().temperature(0.5).build(), logits));
        // top-p 0.7 decided on T=1 probabilities keeps {0.5, 0.25}; T=0.5 then gives 0.25 : 0.0625.
        assertDistribution(new double[] {0.2, 0, 0.8, 0}, dist(plain().temperature(0.5).topP(0.7).build(), logits));
    }

    /** Straightforward version of the chain, sorting everything, to cross-check the optimised paths. */
    private static double[] referenceDistribution(float[] logits, SamplingParameters p) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < logits.length; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -logits[i]).thenComparingInt(i -> i));
        if (p.topK() > 0 && p.topK() < order.size()) {
            order = new ArrayList<>(order.subList(0, p.topK()));
        }
        double max = logits[order.getFirst()];
        if (p.topP() < 1) {
            double z = 0;
            for (int i : order) {
                z += Math.exp(logits[i] - max);
            }
            double cum = 0;
            for (int k = 0; k < order.size(); k++) {
                cum += Math.exp(logits[order.get(k)] - max) / z;
                if (cum >= p.topP()) {
                    order = new ArrayList<>(order.subList(0, k + 1));
                    break;
                }
            }
        }
        if (p.minP() > 0) {
            order.removeIf(i -> Math.exp(logits[i] - max) < p.minP());
        }
        double[] out = new double[logits.length];
        double sum = 0;
        for (int i : order) {
            out[i] = Math.exp((logits[i] - max) / p.temperature());
            sum += out[i];
        }
        for (int i : order) {
            out[i] /= sum;
        }
        return out;
    }

    @Test
    void optimisedChainMatchesReferenceOnFullVocabulary() {
        List<SamplingParameters> configs = List.of(
                SamplingParameters.defaults(),
                plain().topK(40).topP(0.9).minP(0.02).temperature(0.8).build(),
                plain().topK(1000).build(),
                plain().topP(0.5).build(),
                plain().minP(0.3).temperature(1.7).build(),
                plain().topP(0.9).minP(0.01).build(),
                plain().temperature(0.6).build());
        float[] spike = randomLogits(LLAMA3_VOCAB, 4, false);
        for (int i = 0; i < spike.length; i++) {
            spike[i] = spike[i] / 60; // near-flat floor...
        }
        spike[777] = 9; // ...under one token whose e^-8 neighbourhood holds only ~7% of the mass
        List<float[]> inputs = List.of(randomLogits(LLAMA3_VOCAB, 17, false), randomLogits(LLAMA3_VOCAB, 17, true),
                spike);
        for (float[] logits : inputs) {
            boolean quantised = logits == inputs.get(1);
            for (SamplingParameters p : configs) {
                double[] expected = referenceDistribution(logits, p);
                double[] actual = dist(p, logits);
                for (int i = 0; i < expected.length; i++) {
                    if (Math.abs(expected[i] - actual[i]) > 1e-9) {
                        throw new AssertionError(p + " quantised=" + quantised + ": token " + i
                                + " expected " + expected[i] + " got " + actual[i]);
                    }
                }
            }
        }
    }

    @Test
    void drawsFollowSoftmaxOfLogitsOverTemperature() {
        float[] logits = {1.0f, 0.5f, 0f, -0.5f, 2.0f, -1.0f};
        double t = 0.7;
        double[] expected = new double[logits.length];
        double z = 0;
        for (int i = 0; i < logits.length; i++) {
            expected[i] = Math.exp(logits[i] / t);
            z += expected[i];
        }
        int draws = 100_000;
        long[] counts = new long[logits.length];
        Sampler s = new Sampler(plain().temperature(t).seed(12345L).build(), logits.length);
        for (int i = 0; i < draws; i++) {
            counts[s.sample(logits)]++;
        }
        double chiSquare = 0;
        for (int i = 0; i < logits.length; i++) {
            double e = draws * expected[i] / z;
            double sigma = Math.sqrt(e * (1 - expected[i] / z));
            assertTrue(Math.abs(counts[i] - e) < 4 * sigma,
                    "token " + i + ": " + counts[i] + " draws, expected " + e + " +- " + 4 * sigma);
            chiSquare += (counts[i] - e) * (counts[i] - e) / e;
        }
        // 5 degrees of freedom: P(chi2 > 20.52) = 0.001.
        assertTrue(chiSquare < 20.52, "chi-square " + chiSquare);
    }

    @Test
    void drawsStayInsideFilteredSet() {
        float[] logits = logitsOf(0.25, 0.10, 0.5, 0.15);
        Sampler s = new Sampler(plain().topP(0.7).seed(5L).build(), 4);
        long[] counts = new long[4];
        for (int i = 0; i < 30_000; i++) {
            counts[s.sample(logits)]++;
        }
        assertEquals(0, counts[1]);
        assertEquals(0, counts[3]);
        assertEquals(2 / 3.0, counts[2] / 30_000.0, 0.015);
    }

    @Test
    void sameSeedSameTokensDifferentSeedDifferentTokens() {
        int[] a = generate(42L);
        int[] b = generate(42L);
        int[] c = generate(43L);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    private static int[] generate(long seed) {
        SamplingParameters p = SamplingParameters.builder().temperature(1.2).topK(0).topP(0.98).minP(0)
                .repetitionPenalty(1.3).frequencyPenalty(0.1).seed(seed).build();
        Sampler s = new Sampler(p, 1000);
        int[] history = new int[200];
        for (int i = 0; i < history.length; i++) {
            float[] logits = randomLogits(1000, i, false);
            history[i] = s.sample(logits, history, i);
        }
        return history;
    }

    @Test
    void randomSeedIsReportedAndReproducible() {
        float[] logits = randomLogits(500, 1, false);
        Sampler random = new Sampler(plain().seed(null).build(), 500);
        Sampler replay = new Sampler(plain().seed(random.seed()).build(), 500);
        for (int i = 0; i < 50; i++) {
            assertEquals(random.sample(logits), replay.sample(logits));
        }
        assertNotEquals(new Sampler(plain().seed(null).build(), 5).seed(),
                new Sampler(plain().seed(null).build(), 5).seed());
    }

    @Test
    void callerLogitsAreNotModified() {
        float[] logits = {2, -2, 1};
        float[] copy = logits.clone();
        new Sampler(plain().repetitionPenalty(2).build(), 3).sample(logits, new int[] {0, 1}, 2);
        assertArrayEquals(copy, logits);
    }

    @Test
    void rejectsBrokenInputs() {
        Sampler s = new Sampler(SamplingParameters.defaults(), 3);
        assertThrows(IllegalArgumentException.class, () -> s.sample(new float[4]));
        var nan = assertThrows(IllegalArgumentException.class, () -> s.sample(new float[] {0, Float.NaN, 1}));
        assertTrue(nan.getMessage().contains("logit 1"), nan.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> s.sample(new float[] {0, Float.POSITIVE_INFINITY, 1}));
        float ninf = Float.NEGATIVE_INFINITY;
        assertThrows(IllegalArgumentException.class, () -> s.sample(new float[] {ninf, ninf, ninf}));
        assertEquals(2, s.sample(new float[] {ninf, ninf, 0}));
    }

    @Test
    void steadyStateSamplingDoesNotAllocateVocabSizedArrays() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        float[] logits = randomLogits(LLAMA3_VOCAB, 8, false);
        int[] history = new int[64];
        Sampler topK = new Sampler(SamplingParameters.builder().repetitionPenalty(1.1).seed(1L).build(),
                LLAMA3_VOCAB);
        Sampler full = new Sampler(plain().topP(0.9).seed(1L).build(), LLAMA3_VOCAB);
        for (int i = 0; i < 20; i++) { // warm-up: class loading and JIT may allocate
            topK.sample(logits, history, 64);
            full.sample(logits, history, 64);
        }
        long tid = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 50; i++) {
            topK.sample(logits, history, 64);
            full.sample(logits, history, 64);
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        // One vocab-sized float[] alone is 513 KB; 100 samples stay far below that.
        assertTrue(allocated < 256 * 1024, "allocated " + allocated + " bytes");
    }

    /** Candidates as the device returns them, chosen here by a plain full sort: descending, lower id on ties. */
    private static Object[] topCandidates(float[] logits, int k) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        float[] values = new float[k];
        int[] ids = new int[k];
        for (int i = 0; i < k; i++) {
            ids[i] = order[i];
            values[i] = logits[order[i]];
        }
        return new Object[] {values, ids};
    }

    @Test
    void deviceTopKCandidatesDrawTheSameTokensAsTheFullLogits() {
        // Quantised logits make ties common, so the tie order (lower id first) is exercised too.
        for (boolean quantised : new boolean[] {false, true}) {
            SamplingParameters p = SamplingParameters.builder().temperature(0.9).topK(12).topP(0.9).minP(0.02)
                    .seed(11L).build();
            Sampler full = new Sampler(p, 500);
            Sampler fromDevice = new Sampler(p, 500);
            for (int step = 0; step < 200; step++) {
                float[] logits = randomLogits(500, 1000 + step, quantised);
                Object[] top = topCandidates(logits, 12);
                assertEquals(full.sample(logits), fromDevice.sampleTopK((float[]) top[0], (int[]) top[1]),
                        "step " + step + (quantised ? " (quantised)" : ""));
            }
        }
    }

    @Test
    void deviceTopKRejectsParametersThatNeedTheWholeVocabulary() {
        float[] values = {2, 1};
        int[] ids = {4, 3};
        assertThrows(IllegalStateException.class,
                () -> new Sampler(SamplingParameters.builder().temperature(1).topK(2).repetitionPenalty(1.2).build(), 10)
                        .sampleTopK(values, ids));
        assertThrows(IllegalStateException.class,
                () -> new Sampler(SamplingParameters.builder().temperature(1).topK(0).build(), 10).sampleTopK(values, ids));
        Sampler two = new Sampler(SamplingParameters.builder().temperature(1).topK(2).build(), 10);
        assertThrows(IllegalArgumentException.class, () -> two.sampleTopK(new float[] {1}, new int[] {1}));
        assertThrows(IllegalArgumentException.class, () -> two.sampleTopK(values, new int[] {4, 10}));
        assertThrows(IllegalArgumentException.class, () -> two.sampleTopK(new float[] {Float.NaN, 1}, ids));
    }
}
