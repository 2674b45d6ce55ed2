package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The order an INT8_ROWS key cache keeps its codes in: rows in tiles of {@link #ROWS}, and in a tile
 * the {@link #ROWS} codes of each (head, element) side by side, so code {@code (s, h, i)} of a cache
 * with H heads of D elements is at byte {@code ((s / ROWS)·H·D + h·D + i)·ROWS + s % ROWS}.
 *
 * <p>Why: scoring a query head against row-ordered keys sums each row across the lanes of a vector,
 * and those lane sums cost about as much as the multiplies. Here L consecutive rows' codes of one
 * element are one load, so a vector of L rows' scores is one FMA chain over D elements and needs no
 * lane sums (README, "Keys in tiles"). Values stay in row order: the value pass weighs whole rows.
 *
 * <p>A tile covers the same bytes as its {@link #ROWS} rows in row order, so a cache changes order in
 * place, tile by tile; a cache's code region is {@link #paddedRows} rows long so its last tile is whole.
 */
public final class KeyTiles {
    /** Rows per tile: a multiple of every float vector length the kernels use (4, 8, 16). */
    public static final int ROWS = 16;
    /** Whether the attention kernels read keys in this order here: L divides {@link #ROWS}. */
    public static final boolean READ = ROWS % ByteWidening.L == 0;

    private KeyTiles() {
    }

    /** Rows rounded up to whole tiles: the rows a cache's codes take room for. */
    public static long paddedRows(long rows) {
        return (rows + ROWS - 1) / ROWS * ROWS;
    }

    /** Byte offset of code {@code (s, h, i)} in tile order, with {@code heads} heads of {@code width} codes. */
    public static long offset(long s, long h, long i, long heads, long width) {
        return ((s / ROWS) * heads * width + h * width + i) * ROWS + s % ROWS;
    }

    /** Byte offset of code {@code (s, h, i)} in row order. */
    public static long rowOffset(long s, long h, long i, long heads, long width) {
        return (s * heads + h) * width + i;
    }

    /**
     * Rearranges {@code codes} ({@link #paddedRows}{@code (rows)·heads·width} bytes) from row order to
     * tile order ({@code toTiles}) or back, tile by tile through {@code buf} of {@code ROWS·heads·width} bytes.
     */
    public static void reorder(MemorySegment codes, long rows, long heads, long width, boolean toTiles, byte[] buf) {
        long tileBytes = ROWS * heads * width;
        if (buf.length < tileBytes) {
            throw new IllegalArgumentException("reorder buffer of " + buf.length + " bytes; expected " + tileBytes);
        }
        for (long t = 0; t < paddedRows(rows); t += ROWS) {
            long base = t * heads * width;
            MemorySegment.copy(codes, ValueLayout.JAVA_BYTE, base, buf, 0, (int) tileBytes);
            for (int r = 0; r < ROWS; r++) {
                for (long h = 0; h < heads; h++) {
                    for (long i = 0; i < width; i++) {
                        long rowAt = rowOffset(r, h, i, heads, width);
                        long tileAt = offset(r, h, i, heads, width);
                        long from = toTiles ? rowAt : tileAt;
                        long to = toTiles ? tileAt : rowAt;
                        codes.set(ValueLayout.JAVA_BYTE, base + to, buf[(int) from]);
                    }
                }
            }
        }
    }
}
