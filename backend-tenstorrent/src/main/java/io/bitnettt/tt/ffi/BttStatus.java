package io.bitnettt.tt.ffi;

/** The {@code btt_status} codes of {@code bitnet_tt.h}. */
public enum BttStatus {
    OK(0),
    INVALID_ARGUMENT(1),
    INVALID_HANDLE(2),
    OUT_OF_MEMORY(3),
    DEVICE(4),
    CLOSED(5),
    UNSUPPORTED(6),
    STATE(7),
    /** A code this version of the bindings does not know (a newer library). */
    UNKNOWN(-1);

    private final int code;

    BttStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static BttStatus of(int code) {
        for (BttStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return UNKNOWN;
    }
}
