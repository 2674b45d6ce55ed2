package io.bitnettt.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class GenerationStatsTest {

    @Test
    void ratesExcludeTheFirstTokenFromDecodeSpeed() {
        // start 0, first token at 0.5 s, 11 tokens by 2.5 s: 10 decode tokens in 2 s.
        GenerationStats s = GenerationStats.of(100, 40, 11, 0, 500_000_000L, 2_500_000_000L);
        assertEquals(500_000_000L, s.timeToFirstTokenNanos());
        assertEquals(5.0, s.decodeTokensPerSecond(), 1e-9);
        assertEquals(60, s.prefilledTokens());
    }

    @Test
    void noDecodeRateWithFewerThanTwoTokens() {
        assertEquals(0.0, GenerationStats.of(5, 0, 1, 0, 10, 10).decodeTokensPerSecond());
        assertEquals(0L, GenerationStats.of(5, 0, 0, 0, 0, 0).timeToFirstTokenNanos());
    }

    @Test
    void rejectsImpossibleCounts() {
        assertThrows(IllegalArgumentException.class, () -> new GenerationStats(-1, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new GenerationStats(3, 4, 0, 0, 0));
    }
}
