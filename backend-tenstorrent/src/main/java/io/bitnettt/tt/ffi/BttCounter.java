package io.bitnettt.tt.ffi;

/** Indices into the array {@code btt_counters_read} fills, in the header's order. */
public enum BttCounter {
    OPS,
    HOST_TO_DEVICE_BYTES,
    DEVICE_TO_HOST_BYTES,
    ALLOCATIONS,
    DEALLOCATIONS,
    LAYOUT_CONVERSIONS,
    TRACE_CAPTURES,
    TRACE_REPLAYS,
    DRAM_BYTES_READ,
    DRAM_BYTES_WRITTEN,
    /** A gauge: not reset by {@code btt_counters_reset}. */
    DRAM_BYTES_IN_USE,
    /** A gauge: not reset by {@code btt_counters_reset}. */
    L1_BYTES_IN_USE,
    /** Fused primitives ({@code btt_ternary_linear}, ...) executed, eagerly or by a replay. */
    ABI_CALLS;

    /** {@code BTT_COUNTER_COUNT}. */
    public static final int COUNT = 13;

    public int index() {
        return ordinal();
    }
}
