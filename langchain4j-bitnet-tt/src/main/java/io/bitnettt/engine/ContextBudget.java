package io.bitnettt.engine;

import io.bitnettt.spi.DType;

import java.util.Locale;

/**
 * Checks, before anything is allocated, that a context length fits: the rotary tables are built in
 * host arrays, and the KV cache of every layer must fit in the device's memory. Without this a
 * corrupt or ambitious {@code max_position_embeddings} ends in an integer overflow or an
 * out-of-memory error deep inside the first allocation.
 */
final class ContextBudget {
    // Java arrays hold at most a few elements less than Integer.MAX_VALUE.
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private ContextBudget() {
    }

    /**
     * @param source      where the length came from, for the message (e.g. "max_position_embeddings of x/config.json")
     * @param deviceBytes the device memory that holds the KV cache; null when the device does not say
     */
    static void check(ModelDims dims, DType kvType, Long deviceBytes, String source) {
        long context = dims.contextLength();
        if (context * dims.headDim() > MAX_ARRAY) {
            throw tooLong(context, source, "its rotary tables would need " + context * dims.headDim()
                    + " entries per table, more than a Java array holds");
        }
        long kvBytes = kvCacheBytes(dims, kvType);
        if (deviceBytes != null && kvBytes > deviceBytes) {
            throw tooLong(context, source, "its KV cache would take " + gib(kvBytes) + " ("
                    + dims.layers() + " layers x 2 x " + context + " tokens x "
                    + KvCacheType.tokenBytes(kvType, dims) + " B), more than the " + gib(deviceBytes) + " of the device");
        }
    }

    static long kvCacheBytes(ModelDims dims, DType kvType) {
        return 2L * dims.layers() * dims.contextLength() * KvCacheType.tokenBytes(kvType, dims);
    }

    private static IllegalArgumentException tooLong(long context, String source, String why) {
        return new IllegalArgumentException("a context of " + context + " tokens (" + source + ") is too long: "
                + why + "; choose a shorter one (--ctx on the command line, contextLength in the builders)");
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
