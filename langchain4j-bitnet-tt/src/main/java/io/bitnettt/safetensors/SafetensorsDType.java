package io.bitnettt.safetensors;

/** The element types of the safetensors format, with their size in bytes. */
public enum SafetensorsDType {
    BOOL(1), U8(1), I8(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4), I64(8), U64(8), F64(8);

    private final int byteSize;

    SafetensorsDType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    /** True for the float types a BitNet checkpoint may store weights, norms and scales in. */
    public boolean isFloat16or32() {
        return this == BF16 || this == F16 || this == F32;
    }

    /** The dtype spelled as in a header, or null if the name is not one of ours. */
    public static SafetensorsDType fromHeaderName(String name) {
        for (SafetensorsDType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
