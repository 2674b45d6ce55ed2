package io.bitnettt.spi;

/**
 * Element types a backend may store.
 *
 * <p>{@link #hostBytesPerElement()} is the size of one element in the host representation used by
 * {@link Tensor#upload} and {@link Tensor#download}. Block floats have no host form of their own:
 * they travel as F32 and the backend converts on the way in and out, exactly as TT-NN's
 * {@code from_torch}/{@code to_torch} do. Packed ternary travels in the Hugging Face packed
 * layout (uint8 {@code [out/4, in]}, see {@code spec/bitnet.md} §3.2) and each backend repacks it
 * once into whatever suits its kernels.
 */
public enum DType {
    F32(4, false),
    BF16(2, false),
    /** Block float: 16 values share one 8-bit exponent, 7-bit mantissas (TT {@code bfloat8_b}). Tile layout only. */
    BFP8_B(4, true),
    /** Block float: 16 values share one 8-bit exponent, 3-bit mantissas (TT {@code bfloat4_b}). Tile layout only. */
    BFP4_B(4, true),
    INT8(1, false),
    INT32(4, false),
    UINT32(4, false),
    /** Ternary {-1, 0, +1} packed 2 bits each, with one per-tensor float scale ({@link Tensor#quantScale()}). */
    TERNARY_INT2(-1, false),
    /**
     * INT8 codes with one F32 scale per row of the last dimension, each row quantized by
     * {@link RowQuantization} (symmetric, {@code scale = max|x| / 127}). A KV cache of this type is
     * {@code [maxSeq, Hkv, D]}: one scale per token and kv head. Travels as F32 like the block floats:
     * upload quantizes each row, download gives {@code scale · code}.
     */
    INT8_ROWS(4, false);

    private final int hostBytesPerElement;
    private final boolean blockFloat;

    DType(int hostBytesPerElement, boolean blockFloat) {
        this.hostBytesPerElement = hostBytesPerElement;
        this.blockFloat = blockFloat;
    }

    /** Bytes per element in the host representation; -1 for packed ternary (see {@link #hostBytes}). */
    public int hostBytesPerElement() {
        return hostBytesPerElement;
    }

    public boolean isBlockFloat() {
        return blockFloat;
    }

    /** Size in bytes of a host buffer holding a tensor of this type and shape. */
    public long hostBytes(Shape shape) {
        if (this == TERNARY_INT2) {
            // Hugging Face packing: four output rows share one byte per input column.
            return shape.dim(0) / 4 * shape.dim(1);
        }
        return shape.elementCount() * hostBytesPerElement;
    }
}
