package io.bitnettt.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.bitnettt.engine.BitNetModel;
import io.bitnettt.engine.GenerationResult;
import io.bitnettt.generate.SamplingParameters;

import java.nio.file.Path;
import java.util.List;

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
    private final BitNetModel model;
    private final boolean ownsModel;
    private final SamplingParameters defaults;
    private final String modelName;

    private BitNetChatModel(Builder b) {
        this.defaults = b.sampling.build();
        this.model = BitNetModelSource.resolve(b.model, b.modelPath, b.backend, b.threads, b.contextLength);
        this.ownsModel = b.model == null;
        this.modelName = b.modelName != null ? b.modelName
                : b.modelPath != null ? b.modelPath.getFileName().toString() : "bitnet";
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        SamplingParameters params = RequestMapping.sampling(request, defaults);
        GenerationResult r = model.chat(RequestMapping.messages(request.messages()), params, piece -> { }, () -> false);
        return RequestMapping.response(r, modelName);
    }

    /** The engine behind this model, e.g. to share it with a {@link BitNetStreamingChatModel}. */
    public BitNetModel engine() {
        return model;
    }

    /** Closes the engine if this model loaded it; a shared engine stays open. */
    @Override
    public void close() {
        if (ownsModel) {
            model.close();
        }
    }

    /** Builder in the style of LangChain4j's provider modules. */
    public static final class Builder extends SamplingBuilder<Builder> {
        private BitNetModel model;
        private Path modelPath;
        private String backend = "auto";
        private Integer threads;
        private Integer contextLength;
        private String modelName;

        public Builder model(BitNetModel shared) { this.model = shared; return this; }
        public Builder modelPath(Path dir) { this.modelPath = dir; return this; }
        public Builder backend(String name) { this.backend = name; return this; }
        public Builder threads(Integer n) { this.threads = n; return this; }
        public Builder contextLength(Integer n) { this.contextLength = n; return this; }
        public Builder modelName(String name) { this.modelName = name; return this; }

        public BitNetChatModel build() {
            return new BitNetChatModel(this);
        }
    }

    /** Default sampling settings shared by both builders; each request may override them. */
    abstract static class SamplingBuilder<B extends SamplingBuilder<B>> {
        final SamplingParameters.Builder sampling = SamplingParameters.builder();

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        public B temperature(double t) { sampling.temperature(t); return self(); }
        public B topK(int k) { sampling.topK(k); return self(); }
        public B topP(double p) { sampling.topP(p); return self(); }
        public B minP(double p) { sampling.minP(p); return self(); }
        public B repeatPenalty(double r) { sampling.repetitionPenalty(r); return self(); }
        public B frequencyPenalty(double f) { sampling.frequencyPenalty(f); return self(); }
        public B presencePenalty(double p) { sampling.presencePenalty(p); return self(); }
        public B maxTokens(int n) { sampling.maxNewTokens(n); return self(); }
        public B seed(Long seed) { sampling.seed(seed); return self(); }
        public B stopSequences(List<String> stops) { sampling.stopStrings(stops); return self(); }
    }
}
