package io.bitnettt.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.bitnettt.engine.GenerationResult;
import io.bitnettt.generate.SamplingParameters;

import java.util.ArrayList;
import java.util.List;

/** Translates LangChain4j requests into engine calls and engine results back into responses. */
final class RequestMapping {
    private RequestMapping() {
    }

    static List<io.bitnettt.tokenizer.ChatMessage> messages(List<ChatMessage> messages) {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("a chat request needs at least one message");
        }
        List<io.bitnettt.tokenizer.ChatMessage> out = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            switch (m) {
                case SystemMessage s -> out.add(io.bitnettt.tokenizer.ChatMessage.system(s.text()));
                case UserMessage u -> {
                    if (!u.hasSingleText()) {
                        throw new UnsupportedFeatureException("BitNet takes text only; a user message had "
                                + u.contents().size() + " content parts or a non-text part");
                    }
                    out.add(io.bitnettt.tokenizer.ChatMessage.user(u.singleText()));
                }
                case AiMessage a -> {
                    if (a.hasToolExecutionRequests()) {
                        throw new UnsupportedFeatureException("BitNet does not support tool calls");
                    }
                    out.add(io.bitnettt.tokenizer.ChatMessage.assistant(a.text() == null ? "" : a.text()));
                }
                default -> throw new UnsupportedFeatureException("BitNet does not support " + m.type() + " messages");
            }
        }
        return out;
    }

    /** Request parameters override the model's defaults; what LangChain4j cannot express comes from the defaults. */
    static SamplingParameters sampling(ChatRequest request, SamplingParameters defaults) {
        ChatRequestParameters p = request.parameters();
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
            throw new UnsupportedFeatureException("BitNet does not support tools");
        }
        if (p.responseFormat() != null && !p.responseFormat().equals(ResponseFormat.TEXT)) {
            throw new UnsupportedFeatureException("BitNet supports only the TEXT response format");
        }
        SamplingParameters.Builder b = defaults.toBuilder();
        if (p.temperature() != null) b.temperature(p.temperature());
        if (p.topP() != null) b.topP(p.topP());
        if (p.topK() != null) b.topK(p.topK());
        if (p.frequencyPenalty() != null) b.frequencyPenalty(p.frequencyPenalty());
        if (p.presencePenalty() != null) b.presencePenalty(p.presencePenalty());
        if (p.maxOutputTokens() != null) b.maxNewTokens(p.maxOutputTokens());
        if (p.stopSequences() != null && !p.stopSequences().isEmpty()) b.stopStrings(p.stopSequences());
        return b.build();
    }

    static ChatResponse response(GenerationResult r, String modelName) {
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(r.text()))
                .metadata(ChatResponseMetadata.builder()
                        .modelName(modelName)
                        .tokenUsage(new TokenUsage(r.stats().promptTokens(), r.stats().generatedTokens()))
                        .finishReason(finishReason(r.finishReason()))
                        .build())
                .build();
    }

    static FinishReason finishReason(io.bitnettt.generate.FinishReason reason) {
        return switch (reason) {
            case STOP_TOKEN, STOP_STRING -> FinishReason.STOP;
            case LENGTH, CONTEXT_FULL -> FinishReason.LENGTH;
            case CANCELLED, ERROR -> FinishReason.OTHER;
        };
    }
}
