package io.bitnettt.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogitPenaltiesTest {

    private static float[] apply(SamplingParameters p, float[] logits, int... history) {
        float[] out = logits.clone();
        new LogitPenalties(p, logits.length).apply(out, history, history.length);
        return out;
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegative() {
        SamplingParameters p = SamplingParameters.builder().repetitionPenalty(2.0).build();
        assertArrayEquals(new float[] {1, -4, 1}, apply(p, new float[] {2, -2, 1}, 0, 1));
    }

    @Test
    void repetitionPenaltyAppliesOncePerDistinctToken() {
        SamplingParameters p = SamplingParameters.builder().repetitionPenalty(2.0).build();
        assertArrayEquals(new float[] {1, -4, 1}, apply(p, new float[] {2, -2, 1}, 0, 1, 0, 0, 1));
    }

    @Test
    void frequencyAndPresencePenaltiesScaleWithCount() {
        SamplingParameters p = SamplingParameters.builder()
                .frequencyPenalty(0.5).presencePenalty(0.25).build();
        // token 0 seen 3 times: 2 - (3*0.5 + 0.25) = 0.25; token 2 once: 1 - (0.5 + 0.25) = 0.25; token 1 unseen.
        assertArrayEquals(new float[] {0.25f, -2, 0.25f}, apply(p, new float[] {2, -2, 1}, 0, 2, 0, 0));
    }

    @Test
    void allThreePenaltiesCombineRepetitionFirst() {
        SamplingParameters p = SamplingParameters.builder()
                .repetitionPenalty(2.0).frequencyPenalty(1.0).presencePenalty(0.5).build();
        // token 0: 4/2 - (2*1 + 0.5) = -0.5; token 1: -1*2 - (1 + 0.5) = -3.5
        assertArrayEquals(new float[] {-0.5f, -3.5f, 3}, apply(p, new float[] {4, -1, 3}, 0, 1, 0));
    }

    @Test
    void onlyTheLastNTokensCount() {
        SamplingParameters p = SamplingParameters.builder().repetitionPenalty(2.0).penaltyLastN(2).build();
        // window is {1, 2}; token 0 at the start falls outside.
        assertArrayEquals(new float[] {2, -4, 0.5f}, apply(p, new float[] {2, -2, 1}, 0, 1, 2));
    }

    @Test
    void lastNMinusOneUsesWholeHistoryAndZeroDisables() {
        SamplingParameters whole = SamplingParameters.builder().repetitionPenalty(2.0).penaltyLastN(-1).build();
        assertArrayEquals(new float[] {1, -4, 0.5f}, apply(whole, new float[] {2, -2, 1}, 0, 1, 2));
        SamplingParameters off = SamplingParameters.builder().repetitionPenalty(2.0).penaltyLastN(0).build();
        assertArrayEquals(new float[] {2, -2, 1}, apply(off, new float[] {2, -2, 1}, 0, 1, 2));
    }

    @Test
    void repeatedCallsDoNotAccumulateCounts() {
        SamplingParameters p = SamplingParameters.builder().frequencyPenalty(1).build();
        LogitPenalties penalties = new LogitPenalties(p, 3);
        for (int i = 0; i < 3; i++) {
            float[] l = {0, 0, 0};
            penalties.apply(l, new int[] {1, 1}, 2);
            assertArrayEquals(new float[] {0, -2, 0}, l);
        }
    }

    @Test
    void rejectsTokensOutsideVocabularyWithoutCorruptingState() {
        SamplingParameters p = SamplingParameters.builder().frequencyPenalty(1).build();
        LogitPenalties penalties = new LogitPenalties(p, 3);
        var e = assertThrows(IllegalArgumentException.class,
                () -> penalties.apply(new float[3], new int[] {0, 7}, 2));
        assertTrue(e.getMessage().contains("7"), e.getMessage());
        float[] l = {0, 0, 0};
        penalties.apply(l, new int[] {2}, 1);
        assertArrayEquals(new float[] {0, 0, -1}, l);
    }
}
