package io.bitnettt.engine;

import java.util.Locale;

import io.bitnettt.spi.DType;

/**
 * Element type of the KV cache ({@code [context, kvDim]} per layer, for K and for V), what
 * llama.cpp calls {@code --cache-type-k/-v}. F32 stores keys and values as computed; BF16 rounds
 * each to nearest even (a relative error of at most 2^-9 per element) and halves the cache's memory
 * and the bytes attention reads per token. INT8 stores each token's kv head (D values) as int8 codes
 * and one F32 scale ({@link io.bitnettt.spi.RowQuantization}: an error of at most half a step,
 * {@code max|x| / 254}, per element), a little over a quarter of F32.
 */
public enum KvCacheType {
    F32(DType.F32),
    BF16(DType.BF16),
    INT8(DType.INT8_ROWS);

    private final DType dtype;

    KvCacheType(DType dtype) {
        this.dtype = dtype;
    }

    public DType dtype() {
        return dtype;
    }

    /** The shape of one layer's K (or V) cache: {@code [context, Hkv·D]}, or {@code [context, Hkv, D]} for INT8. */
    public static long[] cacheShape(DType dtype, ModelDims dims) {
        return dtype == DType.INT8_ROWS ? new long[] {dims.contextLength(), dims.kvHeads(), dims.headDim()}
                : new long[] {dims.contextLength(), dims.kvDim()};
    }

    /** Bytes one token's keys (or values) take in one layer's cache of {@code dtype}: INT8 adds a scale per kv head. */
    public static long tokenBytes(DType dtype, ModelDims dims) {
        return dtype == DType.INT8_ROWS ? (long) dims.kvDim() + 4L * dims.kvHeads()
                : (long) dims.kvDim() * dtype.hostBytesPerElement();
    }

    /** The lower-case name the CLI and the builders take: {@code f32}, {@code bf16} or {@code int8}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code f32}, {@code bf16} or {@code int8} (any case). */
    public static KvCacheType parse(String text) {
        if (text != null) {
            for (KvCacheType t : values()) {
                if (t.name().equalsIgnoreCase(text.strip())) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("KV cache type '" + text + "' is not one of f32, bf16, int8");
    }
}
