package io.bitnettt.langchain4j;

import io.bitnettt.engine.BitNetModel;
import io.bitnettt.engine.BitNetOptions;
import io.bitnettt.engine.KvCacheType;

import java.nio.file.Path;

/**
 * Where a LangChain4j model gets its engine: one it loads (and then owns and closes) or a
 * {@link BitNetModel} the application shares between a chat and a streaming model.
 */
final class BitNetModelSource {
    private BitNetModelSource() {
    }

    static BitNetModel resolve(BitNetModel shared, Path modelPath, String backend, Integer threads,
                               Integer contextLength, Boolean int8OutputProjection, KvCacheType kvCacheType) {
        if (shared != null) {
            if (modelPath != null) {
                throw new IllegalArgumentException("set either model(...) or modelPath(...), not both");
            }
            return shared;
        }
        if (modelPath == null) {
            throw new IllegalArgumentException("modelPath is required: a Hugging Face BitNet folder with config.json, "
                    + "model.safetensors and tokenizer.json, or a BitNet .gguf file");
        }
        BitNetOptions options = BitNetOptions.of(modelPath).withBackend(backend);
        if (threads != null) {
            options = options.withThreads(threads);
        }
        if (contextLength != null) {
            options = options.withContextLength(contextLength);
        }
        if (int8OutputProjection != null) {
            options = options.withInt8OutputProjection(int8OutputProjection);
        }
        if (kvCacheType != null) {
            options = options.withKvCacheType(kvCacheType);
        }
        return BitNetModel.load(options);
    }
}
