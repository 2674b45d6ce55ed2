package io.bitnettt.langchain4j;

import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.bitnettt.engine.BitNetModel;

import java.util.List;
import java.util.Set;

/**
 * A LangChain4j {@link ChatModel} running BitNet locally:
 * <pre>{@code
 * try (BitNetChatModel model = BitNetChatModel.builder().modelPath(Path.of("bitnet-b1.58-2B-4T")).build()) {
 *     String answer = model.chat("What is a ternary weight?");
 * }
 * }</pre>
 * Thread-safe: concurrent requests queue for the engine and run one at a time, first come, first
 * served (no batching). The KV cache carries over between requests, so the next turn of a
 * conversation only computes its new tokens.
 */
public final class BitNetChatModel implements ChatModel, AutoCloseable {
    private final ChatEndpoint endpoint;

    private BitNetChatModel(Builder b) {
        this.endpoint = b.endpoint();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        return endpoint.run(endpoint.prepare(request), piece -> { }, () -> false);
    }

    /** Complete: every LangChain4j parameter has a value, the engine's own default where none was set. */
    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return endpoint.defaults();
    }

    @Override
    public List<ChatModelListener> listeners() {
        return endpoint.listeners();
    }

    /**
     * {@link Capability#RESPONSE_FORMAT_JSON_SCHEMA}: a JSON response format, with or without a schema,
     * is enforced by constrained decoding, so {@code AiServices} sends schemas for POJO, enum and list
     * return types. (Tools need no capability in LangChain4j 1.19; they are supported too.)
     */
    @Override
    public Set<Capability> supportedCapabilities() {
        return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }

    /** The engine behind this model, e.g. to share it with a {@link BitNetStreamingChatModel}. */
    public BitNetModel engine() {
        return endpoint.engine();
    }

    /** Exact token counts with this model's tokenizer and chat template. */
    public BitNetTokenCountEstimator tokenCountEstimator() {
        return new BitNetTokenCountEstimator(endpoint.engine().tokenizer());
    }

    /** Closes the engine if this model loaded it; a shared engine stays open. */
    @Override
    public void close() {
        endpoint.close();
    }

    /** Builder in the style of LangChain4j's provider modules. */
    public static final class Builder extends BitNetModelBuilder<Builder> {
        public BitNetChatModel build() {
            return new BitNetChatModel(this);
        }
    }
}
