package io.bitnettt.gguf;

/**
 * The tensor element types a GGUF file may hold, with their ggml ids, block sizes (elements per
 * block) and block byte sizes. The sizes are needed for every tensor, decoded or not, to check that
 * tensors fit the file and do not overlap.
 *
 * <p>Ids 36 to 39 mean different things in different forks; only bitnet.cpp's I2_S (36) is listed,
 * as the BitNet files that carry it are the ones this engine is for. Ids not listed here are refused
 * by name rather than guessed.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    /** llama.cpp's ternary type: 256 weights in 48 + 4 bytes of base-3 digits and an f16 scale. */
    TQ1_0(34, 256, 54),
    /** llama.cpp's ternary type: 256 weights at 2 bits and an f16 scale. */
    TQ2_0(35, 256, 66),
    /**
     * bitnet.cpp's ternary type (its llama.cpp fork): 2 bits a weight, then one f32 scale for the
     * whole tensor and padding to 32 bytes. ggml's table says block 1, size 1, but the tensor holds
     * {@code n/4 + 32} bytes ({@code ggml_nbytes} special-cases it); see {@link #byteSize}.
     */
    I2_S(36, 1, 1);

    /** The bytes after the codes of an I2_S tensor: its f32 scale and 28 bytes of padding. */
    public static final int I2_S_TRAILER_BYTES = 32;

    private final int id;
    private final int blockSize;
    private final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    public int id() {
        return id;
    }

    /** Elements per block; a tensor's first dimension must be a multiple of it. */
    public int blockSize() {
        return blockSize;
    }

    public int blockBytes() {
        return blockBytes;
    }

    /**
     * Bytes of a tensor of {@code elements} elements, whose first dimension the caller has checked
     * is a multiple of {@link #blockSize}. Overflow is impossible: elements fit a long, and no type
     * stores more than 8 bytes an element.
     */
    public long byteSize(long elements) {
        if (this == I2_S) {
            return elements / 4 + I2_S_TRAILER_BYTES;
        }
        return elements / blockSize * blockBytes;
    }

    /** Whether values of this type are plain 16- or 32-bit floats, readable without dequantizing. */
    public boolean isFloat16or32() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The type stored as {@code id}, or null when it is not one of ours. */
    public static GgmlType fromId(long id) {
        for (GgmlType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }
}
