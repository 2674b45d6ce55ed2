package io.bitnettt.langchain4j;

import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import io.bitnettt.generate.SamplingParameters;

import java.util.List;

/**
 * Checks LangChain4j request parameters and turns them into the engine's sampling settings.
 * Errors use LangChain4j's conventions: {@link UnsupportedFeatureException} naming the feature,
 * {@link IllegalArgumentException} naming the parameter, its value and the allowed range.
 */
final class ParameterMapping {
    private ParameterMapping() {
    }

    /** Rejects features the engine lacks and out-of-range values; runs before any compute. */
    static void check(ChatRequestParameters p) {
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
            throw new UnsupportedFeatureException("tools are not supported yet by BitNet ("
                    + p.toolSpecifications().size() + " tool specification(s) in the request)");
        }
        if (p.toolChoice() == ToolChoice.REQUIRED) {
            throw new UnsupportedFeatureException("tool choice REQUIRED is not supported yet by BitNet (no tools)");
        }
        if (p.responseFormat() != null && p.responseFormat().type() == ResponseFormatType.JSON) {
            throw new UnsupportedFeatureException("JSON response format"
                    + (p.responseFormat().jsonSchema() != null ? " with a JSON schema" : "")
                    + " is not supported yet by BitNet; only TEXT is");
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
