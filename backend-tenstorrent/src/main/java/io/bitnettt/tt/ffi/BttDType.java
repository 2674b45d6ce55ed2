package io.bitnettt.tt.ffi;

/** The {@code BTT_DTYPE_*} values (those of {@code ttnn::DataType}). */
public enum BttDType {
    BFLOAT16(0),
    FLOAT32(1),
    UINT32(2),
    /** Tile layout only. */
    BFLOAT8_B(3),
    /** Tile layout only. */
    BFLOAT4_B(4);

    private final int code;

    BttDType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
