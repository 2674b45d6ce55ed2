package io.bitnettt.engine;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to load a model.
 *
 * @param modelDir      a Hugging Face model folder (config.json, model.safetensors, tokenizer.json)
 * @param backend       backend name or {@code auto}
 * @param threads       host threads for the backend; 0 = all processors
 * @param contextLength KV cache size in tokens; 0 = the config's max_position_embeddings
 * @param prefillBlock  tokens per prefill block
 */
public record BitNetOptions(Path modelDir, String backend, int threads, int contextLength, int prefillBlock) {
    public BitNetOptions {
        Objects.requireNonNull(modelDir, "modelDir");
        backend = backend == null || backend.isBlank() ? "auto" : backend;
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 = all processors), was " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("contextLength must be >= 0 (0 = from config.json), was " + contextLength);
        }
        if (prefillBlock < 1) {
            throw new IllegalArgumentException("prefillBlock must be >= 1, was " + prefillBlock);
        }
    }

    public static BitNetOptions of(Path modelDir) {
        return new BitNetOptions(modelDir, "auto", 0, 0, 64);
    }

    public BitNetOptions withBackend(String b) {
        return new BitNetOptions(modelDir, b, threads, contextLength, prefillBlock);
    }

    public BitNetOptions withThreads(int n) {
        return new BitNetOptions(modelDir, backend, n, contextLength, prefillBlock);
    }

    public BitNetOptions withContextLength(int n) {
        return new BitNetOptions(modelDir, backend, threads, n, prefillBlock);
    }

    public BitNetOptions withPrefillBlock(int n) {
        return new BitNetOptions(modelDir, backend, threads, contextLength, n);
    }
}
