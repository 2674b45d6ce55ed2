package io.bitnettt.langchain4j;

import io.bitnettt.engine.BitNetModel;
import io.bitnettt.generate.SamplingParameters;

import java.nio.file.Path;
import java.util.List;

/**
 * What both LangChain4j builders share: where the engine comes from (a folder to load, or a shared
 * {@link BitNetModel}) and the default sampling settings that each request may override.
 */
public abstract class BitNetModelBuilder<B extends BitNetModelBuilder<B>> {
    BitNetModel model;
    Path modelPath;
    String backend = "auto";
    Integer threads;
    Integer contextLength;
    String modelName;
    final SamplingParameters.Builder sampling = SamplingParameters.builder();

    BitNetModelBuilder() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** Share an engine that is already loaded; the built model will not close it. */
    public B model(BitNetModel shared) { this.model = shared; return self(); }
    /** Load this Hugging Face folder; the built model owns the engine and closes it. */
    public B modelPath(Path dir) { this.modelPath = dir; return self(); }
    public B backend(String name) { this.backend = name; return self(); }
    public B threads(Integer n) { this.threads = n; return self(); }
    public B contextLength(Integer n) { this.contextLength = n; return self(); }
    public B modelName(String name) { this.modelName = name; return self(); }

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

    /** The engine (the shared one, or one loaded from {@link #modelPath}) with the defaults. */
    ChatEndpoint endpoint() {
        SamplingParameters defaults = sampling.build();
        String name = modelName != null ? modelName : modelPath != null ? modelPath.getFileName().toString() : "bitnet";
        BitNetModel engine = BitNetModelSource.resolve(model, modelPath, backend, threads, contextLength);
        return new ChatEndpoint(engine, model == null, defaults, name);
    }
}
