package io.bitnettt.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class SamplingParametersTest {

    private static void assertRejected(Consumer<SamplingParameters.Builder> set, String name, String value,
                                       String range) {
        SamplingParameters.Builder b = SamplingParameters.builder();
        set.accept(b);
        var e = assertThrows(IllegalArgumentException.class, b::build);
        String m = e.getMessage();
        assertTrue(m.startsWith(name + " "), m);
        assertTrue(m.contains("was " + value), m);
        assertTrue(m.contains(range), m);
    }

    @Test
    void defaultsAreValidAndLlamaCppLike() {
        SamplingParameters p = SamplingParameters.defaults();
        assertEquals(0.8, p.temperature());
        assertEquals(40, p.topK());
        assertEquals(0.95, p.topP());
        assertEquals(0.05, p.minP());
        assertEquals(1.0, p.repetitionPenalty());
        assertEquals(64, p.penaltyLastN());
        assertNull(p.seed());
        assertEquals(List.of(), p.stopStrings());
        assertTrue(SamplingParameters.greedy().isGreedy());
    }

    @Test
    void invalidValuesNameParameterValueAndRange() {
        assertRejected(b -> b.temperature(-0.1), "temperature", "-0.1", "[0, +inf)");
        assertRejected(b -> b.temperature(Double.NaN), "temperature", "NaN", "[0, +inf)");
        assertRejected(b -> b.temperature(Double.POSITIVE_INFINITY), "temperature", "Infinity", "[0, +inf)");
        assertRejected(b -> b.topK(-1), "topK", "-1", "[0, +inf)");
        assertRejected(b -> b.topP(0), "topP", "0.0", "(0, 1]");
        assertRejected(b -> b.topP(1.5), "topP", "1.5", "(0, 1]");
        assertRejected(b -> b.topP(Double.NaN), "topP", "NaN", "(0, 1]");
        assertRejected(b -> b.minP(1), "minP", "1.0", "[0, 1)");
        assertRejected(b -> b.minP(-0.01), "minP", "-0.01", "[0, 1)");
        assertRejected(b -> b.repetitionPenalty(0), "repetitionPenalty", "0.0", "(0, +inf)");
        assertRejected(b -> b.repetitionPenalty(-1), "repetitionPenalty", "-1.0", "(0, +inf)");
        assertRejected(b -> b.penaltyLastN(-2), "penaltyLastN", "-2", "[-1, +inf)");
        assertRejected(b -> b.frequencyPenalty(Double.NaN), "frequencyPenalty", "NaN", "finite");
        assertRejected(b -> b.presencePenalty(Double.NEGATIVE_INFINITY), "presencePenalty", "-Infinity", "finite");
        assertRejected(b -> b.maxNewTokens(0), "maxNewTokens", "0", "[1, +inf)");
        assertRejected(b -> b.stopStrings(List.of("ok", "")), "stopStrings", "[ok, ]", "non-empty");
        assertRejected(b -> b.stopStrings((List<String>) null), "stopStrings", "null", "non-empty");
    }

    @Test
    void immutableAndRoundTripsThroughBuilder() {
        List<String> stops = new ArrayList<>(List.of("###"));
        SamplingParameters p = SamplingParameters.builder()
                .temperature(0.3).topK(5).topP(0.5).minP(0.1).repetitionPenalty(1.1).penaltyLastN(-1)
                .frequencyPenalty(0.2).presencePenalty(-0.3).seed(7L).maxNewTokens(9).stopStrings(stops).build();
        stops.add("changed");
        assertEquals(List.of("###"), p.stopStrings());
        assertThrows(UnsupportedOperationException.class, () -> p.stopStrings().add("x"));
        assertEquals(p, p.toBuilder().build());
        assertEquals(p.hashCode(), p.toBuilder().build().hashCode());
        assertTrue(p.hasPenalties());
        assertEquals(7L, p.seed());
    }
}
