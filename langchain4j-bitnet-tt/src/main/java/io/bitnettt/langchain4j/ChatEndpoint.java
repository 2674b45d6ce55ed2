package io.bitnettt.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.bitnettt.engine.BitNetModel;
import io.bitnettt.generate.SamplingParameters;
import io.bitnettt.tokenizer.ChatMessage;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What the chat and the streaming model share: the engine (owned or borrowed), the default
 * sampling settings and the name reported in responses.
 */
final class ChatEndpoint implements AutoCloseable {
    /** A request checked and translated, ready to run. */
    record Prepared(List<ChatMessage> messages, SamplingParameters params) {
    }

    private final BitNetModel engine;
    private final boolean ownsEngine;
    private final SamplingParameters defaults;
    private final String modelName;

    ChatEndpoint(BitNetModel engine, boolean ownsEngine, SamplingParameters defaults, String modelName) {
        this.engine = engine;
        this.ownsEngine = ownsEngine;
        this.defaults = defaults;
        this.modelName = modelName;
    }

    /** Fails on unsupported features or invalid parameters before any generation starts. */
    Prepared prepare(ChatRequest request) {
        SamplingParameters params = RequestMapping.sampling(request, defaults);
        return new Prepared(RequestMapping.messages(request.messages()), params);
    }

    ChatResponse run(Prepared request, Consumer<String> onText, BooleanSupplier cancelled) {
        return RequestMapping.response(engine.chat(request.messages(), request.params(), onText, cancelled), modelName);
    }

    BitNetModel engine() {
        return engine;
    }

    /** Closes the engine if this endpoint loaded it; a shared engine stays open. */
    @Override
    public void close() {
        if (ownsEngine) {
            engine.close();
        }
    }
}
