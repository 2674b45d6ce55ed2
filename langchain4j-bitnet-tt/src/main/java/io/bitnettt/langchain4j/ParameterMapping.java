package io.bitnettt.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ToolChoice;
import io.bitnettt.generate.SamplingParameters;

import java.util.List;

/**
 * Checks LangChain4j request parameters and turns them into the engine's sampling settings.
 * Errors use LangChain4j's conventions: {@link IllegalArgumentException} naming the parameter, its
 * value and the allowed range. (Unsupported features, an {@code UnsupportedFeatureException}, are
 * found where the request's schemas and messages are translated.)
 */
final class ParameterMapping {
    private ParameterMapping() {
    }

    /** Rejects out-of-range values and tool settings that cannot work; runs before any compute. */
    static void check(ChatRequestParameters p) {
        boolean hasTools = p.toolSpecifications() != null && !p.toolSpecifications().isEmpty();
        if (hasTools) {
            ToolCalls.check(p.toolSpecifications());
        }
        if (p.toolChoice() == ToolChoice.REQUIRED && !hasTools) {
            throw new IllegalArgumentException("toolChoice REQUIRED needs at least one tool specification, the request has none");
        }
        Double t = p.temperature();
        if (t != null && !(t >= 0 && Double.isFinite(t))) {
            throw invalid("temperature", t, "[0, +inf) (0 = greedy decoding)");
        }
        if (p.topP() != null && !(p.topP() > 0 && p.topP() <= 1)) {
            throw invalid("topP", p.topP(), "(0, 1] (1 = no nucleus filter)");
        }
        if (p.topK() != null && p.topK() < 0) {
            throw invalid("topK", p.topK(), "[0, +inf) (0 = no top-k filter)");
        }
        if (p.frequencyPenalty() != null && !Double.isFinite(p.frequencyPenalty())) {
            throw invalid("frequencyPenalty", p.frequencyPenalty(), "finite values (0 = off)");
        }
        if (p.presencePenalty() != null && !Double.isFinite(p.presencePenalty())) {
            throw invalid("presencePenalty", p.presencePenalty(), "finite values (0 = off)");
        }
        if (p.maxOutputTokens() != null && p.maxOutputTokens() < 1) {
            throw invalid("maxOutputTokens", p.maxOutputTokens(), "[1, +inf)");
        }
        List<String> stops = p.stopSequences();
        if (stops != null) {
            for (String s : stops) {
                if (s == null || s.isEmpty()) {
                    throw invalid("stopSequences", stops, "non-empty strings");
                }
            }
        }
    }

    /**
     * The sampling settings for a request whose parameters are already merged with the model's
     * defaults; {@code extras} supplies what LangChain4j has no parameter for (seed, min-p, repetition penalty).
     */
    static SamplingParameters sampling(ChatRequestParameters p, SamplingParameters extras) {
        check(p);
        SamplingParameters.Builder b = extras.toBuilder();
        if (p.temperature() != null) b.temperature(p.temperature());
        if (p.topP() != null) b.topP(p.topP());
        if (p.topK() != null) b.topK(p.topK());
        if (p.frequencyPenalty() != null) b.frequencyPenalty(p.frequencyPenalty());
        if (p.presencePenalty() != null) b.presencePenalty(p.presencePenalty());
        if (p.maxOutputTokens() != null) b.maxNewTokens(p.maxOutputTokens());
        if (p.stopSequences() != null) b.stopStrings(p.stopSequences());
        return b.build();
    }

    private static IllegalArgumentException invalid(String name, Object value, String allowed) {
        return new IllegalArgumentException(name + " must be in " + allowed + ", was " + value);
    }
}
