package io.bitnettt.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.bitnettt.engine.BitNetModel;


/**
 * A LangChain4j {@link ChatModel} running BitNet locally:
 * <pre>{@code
 * try (BitNetChatModel model = BitNetChatModel.builder().modelPath(Path.of("bitnet-b1.58-2B-4T")).build()) {
 *     String answer = model.chat("What is a ternary weight?");
 * }
 * }</pre>
 * Requests are served one at a time; the KV cache carries over between turns of a conversation.
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

    /** The engine behind this model, e.g. to share it with a {@link BitNetStreamingChatModel}. */
    public BitNetModel engine() {
        return endpoint.engine();
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
