package io.bitnettt.spi;

/** How elements are ordered in backend memory. Host buffers are always row-major. */
public enum Layout {
    ROW_MAJOR,
    /** 32×32 tiles of 16×16 faces, the layout TT-NN needs for matmul and most compute. */
    TILE;

    public static final int TILE_SIZE = 32;
}
