package io.bitnettt.spi;

/** Where a tensor lives. A CPU backend maps every placement to host memory. */
public enum MemoryPlacement {
    /** Ordinary host memory. */
    HOST,
    /** Device DRAM, interleaved across banks: the safe default for weights. */
    DEVICE_DRAM,
    /** On-chip SRAM (TT L1): small and fast, for intermediates of the decode step. */
    DEVICE_L1
}
