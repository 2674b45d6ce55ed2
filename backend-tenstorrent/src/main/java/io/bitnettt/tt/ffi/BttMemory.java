package io.bitnettt.tt.ffi;

/** The {@code BTT_MEMORY_*} values. */
public enum BttMemory {
    DRAM(0),
    L1(1),
    L1_HEIGHT_SHARDED(2),
    L1_WIDTH_SHARDED(3);

    private final int code;

    BttMemory(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
