package io.bitnettt.engine;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to load a model.
 *
 * @param modelDir      a Hugging Face model folder (config.json, model.safetensors, tokenizer.json), a
 *                      GGUF file (bitnet.cpp's I2_S, llama.cpp's TQ1_0/TQ2_0, F16), or a folder holding
 *                      exactly one GGUF file
 * @param backend       backend name or {@code auto}
 * @param threads       host threads for the backend; 0 = all processors
 * @param contextLength KV cache size in tokens; 0 = the config's max_position_embeddings
 * @param prefillBlock  tokens per prefill block
 * @param int8OutputProjection compute logits against an int8 per-row quantized copy of the output
 *                      table (half the bytes read per token, about 1/2 more table memory when the
 *                      table is tied to the embedding); off by default
 * @param kvCacheType   element type of the KV cache; F32 by default, BF16 halves its memory and the
 *                      bytes attention reads per token, INT8 keeps a little over a quarter
 */
public record BitNetOptions(Path modelDir, String backend, int threads, int contextLength, int prefillBlock,
                            boolean int8OutputProjection, KvCacheType kvCacheType) {
    public BitNetOptions {
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(kvCacheType, "kvCacheType");
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
        return new BitNetOptions(modelDir, "auto", 0, 0, 64, false, KvCacheType.F32);
    }

    public BitNetOptions withBackend(String b) {
        return new BitNetOptions(modelDir, b, threads, contextLength, prefillBlock, int8OutputProjection, kvCacheType);
    }

    public BitNetOptions withThreads(int n) {
        return new BitNetOptions(modelDir, backend, n, contextLength, prefillBlock, int8OutputProjection, kvCacheType);
    }

    public BitNetOptions withContextLength(int n) {
        return new BitNetOptions(modelDir, backend, threads, n, prefillBlock, int8OutputProjection, kvCacheType);
    }

    public BitNetOptions withPrefillBlock(int n) {
        return new BitNetOptions(modelDir, backend, threads, contextLength, n, int8OutputProjection, kvCacheType);
    }

    public BitNetOptions withInt8OutputProjection(boolean on) {
        return new BitNetOptions(modelDir, backend, threads, contextLength, prefillBlock, on, kvCacheType);
    }

    public BitNetOptions withKvCacheType(KvCacheType type) {
        return new BitNetOptions(modelDir, backend, threads, contextLength, prefillBlock, int8OutputProjection, type);
    }
}
