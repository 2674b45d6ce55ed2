package io.bitnettt.tt.ffi;

/** The {@code BTT_LAYOUT_*} values (those of {@code ttnn::Layout}). */
public enum BttLayout {
    ROW_MAJOR(0),
    TILE(1);

    private final int code;

    BttLayout(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
