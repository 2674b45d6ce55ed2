package io.bitnettt.engine;

import java.util.Locale;

import io.bitnettt.spi.DType;

/**
 * Element type of the KV cache ({@code [context, kvDim]} per layer, for K and for V), what
 * llama.cpp calls {@code --cache-type-k/-v}. F32 stores keys and values as computed; BF16 rounds
 * each to nearest even (a relative error of at most 2^-9 per element) and halves the cache's memory
 * and the bytes attention reads per token.
 */
public enum KvCacheType {
    F32(DType.F32),
    BF16(DType.BF16);

    private final DType dtype;

    KvCacheType(DType dtype) {
        this.dtype = dtype;
    }

    public DType dtype() {
        return dtype;
    }

    /** The lower-case name the CLI and the builders take: {@code f32} or {@code bf16}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code f32} or {@code bf16} (any case). */
    public static KvCacheType parse(String text) {
        if (text != null) {
            for (KvCacheType t : values()) {
                if (t.name().equalsIgnoreCase(text.strip())) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("KV cache type '" + text + "' is not one of f32, bf16");
    }
}
