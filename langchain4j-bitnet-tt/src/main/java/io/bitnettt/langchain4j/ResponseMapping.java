package io.bitnettt.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.bitnettt.engine.GenerationResult;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Engine results to LangChain4j responses. */
final class ResponseMapping {
    private ResponseMapping() {
    }

    static ChatResponse response(GenerationResult r, String modelName) {
        return response(r, modelName, List.of());
    }

    /**
     * @param tools the tools the answer may call (empty when it cannot be a call): an answer that is a
     *              whole call of one of them becomes a {@link ToolExecutionRequest}
     */
    static ChatResponse response(GenerationResult r, String modelName, List<ToolSpecification> tools) {
        Optional<ToolExecutionRequest> call = tools.isEmpty() ? Optional.empty() : ToolCalls.parse(r.text(), tools);
        return ChatResponse.builder()
                .aiMessage(call.map(AiMessage::from).orElseGet(() -> AiMessage.from(r.text())))
                .metadata(BitNetChatResponseMetadata.builder()
                        .id("bitnet-" + UUID.randomUUID())
                        .modelName(modelName)
                        .tokenUsage(new TokenUsage(r.stats().promptTokens(), r.stats().generatedTokens()))
                        .finishReason(call.isPresent() ? FinishReason.TOOL_EXECUTION : finishReason(r.finishReason()))
                        .generationStats(r.stats())
                        .build())
                .build();
    }

    /** A cancelled request ends as OTHER: LangChain4j has no finish reason for it. */
    static FinishReason finishReason(io.bitnettt.generate.FinishReason reason) {
        return switch (reason) {
            case STOP_TOKEN, STOP_STRING -> FinishReason.STOP;
            case LENGTH, CONTEXT_FULL -> FinishReason.LENGTH;
            case CANCELLED, ERROR -> FinishReason.OTHER;
        };
    }
}
