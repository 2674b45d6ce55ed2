package io.bitnettt.gguf;

/** The metadata value types of GGUF, with their ids as stored in the file. */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    STRING(8, -1), ARRAY(9, -1), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    private final int id;
    private final int byteSize;

    GgufValueType(int id, int byteSize) {
        this.id = id;
        this.byteSize = byteSize;
    }

    public int id() {
        return id;
    }

    /** Bytes of one value; -1 for strings and arrays, whose size is stored with them. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isInteger() {
        return this == UINT8 || this == INT8 || this == UINT16 || this == INT16 || this == UINT32 || this == INT32
                || this == UINT64 || this == INT64;
    }

    public boolean isFloat() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** The type stored as {@code id}, or null when GGUF defines none. */
    public static GgufValueType fromId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /** Lower-case name as llama.cpp's gguf tools print it, for messages. */
    public String label() {
        return switch (this) {
            case UINT8 -> "u8";
            case INT8 -> "i8";
            case UINT16 -> "u16";
            case INT16 -> "i16";
            case UINT32 -> "u32";
            case INT32 -> "i32";
            case FLOAT32 -> "f32";
            case BOOL -> "bool";
            case STRING -> "string";
            case ARRAY -> "array";
            case UINT64 -> "u64";
            case INT64 -> "i64";
            case FLOAT64 -> "f64";
        };
    }
}
