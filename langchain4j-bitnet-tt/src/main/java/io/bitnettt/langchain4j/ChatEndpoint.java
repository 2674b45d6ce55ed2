package io.bitnettt.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.bitnettt.engine.BitNetModel;
import io.bitnettt.engine.GenerationResult;
import io.bitnettt.generate.SamplingParameters;
import io.bitnettt.generate.TokenConstraint;
import io.bitnettt.tokenizer.ChatMessage;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What the chat and the streaming model share: the engine (owned or borrowed), the default
 * request parameters, the listeners and the name reported in responses.
 */
final class ChatEndpoint implements AutoCloseable {
    /** A request checked and translated, ready to run. */
    record Prepared(List<ChatMessage> messages, SamplingParameters params, OutputPlan plan) {
    }

    private final BitNetModel engine;
    private final boolean ownsEngine;
    private final ChatRequestParameters defaults;
    private final SamplingParameters extras;
    private final List<ChatModelListener> listeners;

    ChatEndpoint(BitNetModel engine, boolean ownsEngine, ChatRequestParameters defaults, SamplingParameters extras,
                 List<ChatModelListener> listeners) {
        this.engine = engine;
        this.ownsEngine = ownsEngine;
        this.defaults = defaults;
        this.extras = extras;
        this.listeners = listeners;
    }

    /**
     * Fails on unsupported features or invalid parameters before any generation starts. The defaults
     * are merged again here (LangChain4j's {@code chat} already did) so that a direct
     * {@code doChat} call behaves the same.
     */
    Prepared prepare(ChatRequest request) {
        ChatRequestParameters p = defaults.overrideWith(request.parameters());
        if (p.modelName() != null && !p.modelName().equals(modelName())) {
            throw new dev.langchain4j.exception.UnsupportedFeatureException("choosing a model per request is not "
                    + "supported by BitNet: the request names '" + p.modelName() + "' but this model serves '"
                    + modelName() + "'");
        }
        SamplingParameters params = ParameterMapping.sampling(p, extras);
        OutputPlan plan = OutputPlan.of(p);
        List<ChatMessage> messages = MessageMapping.toTemplate(request.messages());
        if (plan.offersTools()) {
            messages = MessageMapping.withToolInstructions(messages,
                    ToolCalls.instructions(plan.tools(), plan.kind() == OutputPlan.Kind.TOOL_CALL));
        }
        if (plan.schema() != null) {
            plan.compile(engine.jsonDecoding());
        }
        return new Prepared(messages, params, plan);
    }

    ChatResponse run(Prepared request, Consumer<String> onText, BooleanSupplier cancelled) {
        OutputPlan plan = request.plan();
        TokenConstraint constraint = plan.schema() == null ? TokenConstraint.NONE
                : plan.constraint(engine.jsonDecoding());
        Consumer<String> shown = piece -> {
            if (plan.showsText(constraint)) {
                onText.accept(piece);
            }
        };
        GenerationResult result = engine.chat(request.messages(), request.params(), constraint, shown, cancelled);
        return ResponseMapping.response(result, modelName(), plan.mayBeCall(constraint) ? plan.tools() : List.of());
    }

    BitNetModel engine() {
        return engine;
    }

    ChatRequestParameters defaults() {
        return defaults;
    }

    List<ChatModelListener> listeners() {
        return listeners;
    }

    String modelName() {
        return defaults.modelName();
    }

    /** Closes the engine if this endpoint loaded it; a shared engine stays open. */
    @Override
    public void close() {
        if (ownsEngine) {
            engine.close();
        }
    }
}
