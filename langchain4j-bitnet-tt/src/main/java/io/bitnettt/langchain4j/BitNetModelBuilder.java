package io.bitnettt.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import io.bitnettt.engine.BitNetModel;
import io.bitnettt.engine.KvCacheType;
import io.bitnettt.generate.SamplingParameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What both LangChain4j builders share: where the engine comes from (a folder to load, or a shared
 * {@link BitNetModel}), the default request parameters and the listeners.
 *
 * <p>Defaults are resolved in this order, later wins: the engine's own defaults (llama.cpp's),
 * {@link #defaultRequestParameters(ChatRequestParameters)}, then the individual setters. Each
 * request's parameters then override the result, as in every LangChain4j provider.
 */
public abstract class BitNetModelBuilder<B extends BitNetModelBuilder<B>> {
    BitNetModel model;
    Path modelPath;
    String backend = "auto";
    Integer threads;
    Integer contextLength;
    Boolean int8OutputProjection;
    String kvCacheType;
    String modelName;
    ChatRequestParameters defaultRequestParameters;
    Double temperature;
    Double topP;
    Integer topK;
    Double frequencyPenalty;
    Double presencePenalty;
    Integer maxOutputTokens;
    List<String> stopSequences;
    Long seed;
    Double minP;
    Double repeatPenalty;
    final List<ChatModelListener> listeners = new ArrayList<>();

    BitNetModelBuilder() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * Share an engine that is already loaded (e.g. {@code chatModel.engine()}): the model is loaded
     * once and this model will not close it.
     */
    public B model(BitNetModel shared) { this.model = shared; return self(); }
    /**
     * Load this Hugging Face folder or BitNet {@code .gguf} file (I2_S, TQ1_0, TQ2_0, F16); the built
     * model owns the engine and closes it.
     */
    public B modelPath(Path path) { this.modelPath = path; return self(); }
    /** {@code auto} (default), {@code cpu} or {@code tenstorrent}. */
    public B backend(String name) { this.backend = name; return self(); }
    /** Host threads of the backend; default all processors. */
    public B threads(Integer n) { this.threads = n; return self(); }
    /** KV cache size in tokens; default the config's max_position_embeddings. */
    public B contextLength(Integer n) { this.contextLength = n; return self(); }
    /** Logits from an int8 per-row copy of the output table (cpu backend; more memory, faster decode); default off. */
    public B int8OutputProjection(Boolean on) { this.int8OutputProjection = on; return self(); }
    /**
     * KV cache element type, {@code f32} (default), {@code bf16} (cpu backend: half the cache memory and
     * the bytes attention reads per token; keys and values rounded to bfloat16) or {@code int8} (cpu
     * backend: a little over a quarter; each token's kv head as int8 codes and one scale), as llama.cpp's
     * {@code --cache-type-k/-v}.
     */
    public B kvCacheType(String type) { this.kvCacheType = type; return self(); }
    /** Name reported in responses; default the model folder's name. */
    public B modelName(String name) { this.modelName = name; return self(); }

    /** Defaults in LangChain4j's own form; the individual setters below win over it. */
    public B defaultRequestParameters(ChatRequestParameters p) { this.defaultRequestParameters = p; return self(); }
    /** 0 = greedy (deterministic) decoding. */
    public B temperature(Double t) { this.temperature = t; return self(); }
    public B topP(Double p) { this.topP = p; return self(); }
    /** 0 = no top-k filter. */
    public B topK(Integer k) { this.topK = k; return self(); }
    public B frequencyPenalty(Double f) { this.frequencyPenalty = f; return self(); }
    public B presencePenalty(Double p) { this.presencePenalty = p; return self(); }
    public B maxOutputTokens(Integer n) { this.maxOutputTokens = n; return self(); }
    public B stopSequences(List<String> stops) { this.stopSequences = stops; return self(); }
    /** Seed of the sampler, so that sampled (temperature &gt; 0) answers repeat; default a random seed per request. */
    public B seed(Long seed) { this.seed = seed; return self(); }
    /** llama.cpp's min-p filter; not a LangChain4j request parameter, so it is fixed per model. */
    public B minP(Double p) { this.minP = p; return self(); }
    /** llama.cpp's repetition penalty (1 = off); fixed per model like {@link #minP}. */
    public B repeatPenalty(Double r) { this.repeatPenalty = r; return self(); }
    public B listeners(List<ChatModelListener> l) { this.listeners.clear(); if (l != null) this.listeners.addAll(l); return self(); }
    public B listener(ChatModelListener l) { this.listeners.add(l); return self(); }

    /** The engine (the shared one, or one loaded from {@link #modelPath}) with the defaults. */
    ChatEndpoint endpoint() {
        // Check everything before loading, which can take a while.
        SamplingParameters.Builder base = SamplingParameters.builder();
        if (seed != null) base.seed(seed);
        if (minP != null) base.minP(minP);
        if (repeatPenalty != null) base.repetitionPenalty(repeatPenalty);
        SamplingParameters extras = base.build();
        KvCacheType kvType = kvCacheType == null ? null : KvCacheType.parse(kvCacheType);
        ChatRequestParameters given = defaultRequestParameters == null
                ? DefaultChatRequestParameters.EMPTY : defaultRequestParameters;
        String name = modelName != null ? modelName
                : given.modelName() != null ? given.modelName()
                : modelPath != null ? modelPath.getFileName().toString() : "bitnet";
        ChatRequestParameters defaults = engineDefaults(extras, name).overrideWith(given).overrideWith(
                DefaultChatRequestParameters.builder()
                        .modelName(name).temperature(temperature).topP(topP).topK(topK)
                        .frequencyPenalty(frequencyPenalty).presencePenalty(presencePenalty)
                        .maxOutputTokens(maxOutputTokens).stopSequences(stopSequences)
                        .build());
        ParameterMapping.check(defaults);
        BitNetModel engine = BitNetModelSource.resolve(model, modelPath, backend, threads, contextLength,
                int8OutputProjection, kvType);
        return new ChatEndpoint(engine, model == null, defaults, extras, List.copyOf(listeners));
    }

    /** The engine's defaults spelled as LangChain4j parameters, so {@code defaultRequestParameters()} is complete. */
    private static ChatRequestParameters engineDefaults(SamplingParameters p, String name) {
        return DefaultChatRequestParameters.builder()
                .modelName(name)
                .temperature(p.temperature()).topP(p.topP()).topK(p.topK())
                .frequencyPenalty(p.frequencyPenalty()).presencePenalty(p.presencePenalty())
                .maxOutputTokens(p.maxNewTokens()).stopSequences(p.stopStrings())
                .build();
    }
}
