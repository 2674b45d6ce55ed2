package io.bitnettt.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.bitnettt.cpu.kernel.KeyTiles;
import io.bitnettt.spi.BackendException;
import io.bitnettt.spi.RowQuantization;
import io.bitnettt.spi.TensorSpec;

/**
 * An {@link io.bitnettt.spi.DType#INT8_ROWS} tensor {@code [S, H.., D]}: the INT8 codes in the tensor's
 * own order, then one F32 scale per row of D, stored head-major ({@code [H][S]}, H the product of the
 * middle dimensions). Attention weighs a block of cache rows of one kv head by their value scales, and
 * head-major scales are then one contiguous run.
 *
 * <p>The codes are in row order until attention first reads the tensor as keys, which puts them in
 * {@link KeyTiles} order; read as values it puts them back. A model's caches keep one role each, so
 * each is reordered once; every write and read here follows the current order.
 */
final class CpuRowScaledTensor extends CpuTensor {
    private final long rows;
    private final long heads;
    private final int width;
    private final MemorySegment codes;
    private final MemorySegment scales;
    private boolean keyTiles;

    private CpuRowScaledTensor(CpuDevice device, TensorSpec spec, long rows, long heads, int width, long scalesOffset) {
        super(device, spec, scalesOffset + 4L * rows * heads);
        this.rows = rows;
        this.heads = heads;
        this.width = width;
        // sliced once: an attention call reads them every token and must not allocate
        this.codes = segment().asSlice(0, KeyTiles.paddedRows(rows) * heads * width);
        this.scales = segment().asSlice(scalesOffset, 4L * rows * heads);
    }

    static CpuRowScaledTensor allocate(CpuDevice device, TensorSpec spec) {
        long rows = spec.shape().dim(0);
        long width = spec.shape().dim(spec.shape().rank() - 1);
        long heads = spec.shape().elementCount() / rows / width;
        if (width > Integer.MAX_VALUE - 8) {
            throw new BackendException(CpuDevice.NAME, "allocate", "INT8_ROWS tensor " + spec.shape()
                    + " has rows of " + width + " elements, more than the CPU backend quantizes");
        }
        if (KeyTiles.ROWS * heads * width > Integer.MAX_VALUE - 8) {
            throw new BackendException(CpuDevice.NAME, "allocate", "INT8_ROWS tensor " + spec.shape() + " has "
                    + heads * width + " codes a row; expected at most " + (Integer.MAX_VALUE - 8) / KeyTiles.ROWS
                    + " (a tile of " + KeyTiles.ROWS + " rows must fit one array)");
        }
        long codes = KeyTiles.paddedRows(rows) * heads * width;
        return new CpuRowScaledTensor(device, spec, rows, heads, (int) width, (codes + 63) & ~63L);
    }

    /** The codes in {@link KeyTiles} order, reordered first if they were in row order. */
    MemorySegment keyCodes() {
        if (!keyTiles) {
            reorder(true);
        }
        return codes;
    }

    /** The codes in row order, row {@code (s, h)} at byte {@code (s·H + h)·D}, reordered first if they were in tiles. */
    MemorySegment valueCodes() {
        if (keyTiles) {
            reorder(false);
        }
        return codes;
    }

    private void reorder(boolean toTiles) {
        KeyTiles.reorder(codes, rows, heads, width, toTiles, new byte[(int) (KeyTiles.ROWS * heads * width)]);
        keyTiles = toTiles;
    }

    /** Where code {@code i} of row {@code (s, h)} is in the current order. */
    private long codeAt(long s, long h, long i) {
        return keyTiles ? KeyTiles.offset(s, h, i, heads, width) : KeyTiles.rowOffset(s, h, i, heads, width);
    }

    /** The scales: row {@code (s, h)}'s at F32 index {@code h·S + s}. */
    MemorySegment scales() {
        return scales;
    }

    long rows() {
        return rows;
    }

    int width() {
        return width;
    }

    /**
     * Quantizes {@code count} rows of {@code H·D} F32 from {@code source} (at byte {@code srcOff}) into rows
     * {@code from ..} of this tensor, by {@link RowQuantization} with {@code buf} and {@code codes} of D.
     */
    void storeRows(MemorySegment source, long srcOff, long from, long count, float[] buf, byte[] codeBuf) {
        for (long s = 0; s < count; s++) {
            for (long h = 0; h < heads; h++) {
                long row = (from + s) * heads + h;
                long at = srcOff + 4L * ((s * heads + h) * width);
                MemorySegment.copy(source, ValueLayout.JAVA_FLOAT_UNALIGNED, at, buf, 0, width);
                float scale = RowQuantization.quantizeRow(buf, 0, width, codeBuf, 0);
                if (keyTiles) {
                    // a row's codes are ROWS bytes apart in tile order
                    long first = codeAt(from + s, h, 0);
                    for (int i = 0; i < width; i++) {
                        codes.set(ValueLayout.JAVA_BYTE, first + (long) i * KeyTiles.ROWS, codeBuf[i]);
                    }
                } else {
                    MemorySegment.copy(codeBuf, 0, codes, ValueLayout.JAVA_BYTE, row * width, width);
                }
                scales.setAtIndex(ValueLayout.JAVA_FLOAT, h * rows + from + s, scale);
            }
        }
    }

    @Override
    void writeHost(MemorySegment source) {
        storeRows(source, 0, 0, rows, new float[width], new byte[width]);
    }

    @Override
    void readHost(MemorySegment destination) {
        for (long s = 0; s < rows; s++) {
            for (long h = 0; h < heads; h++) {
                long row = s * heads + h;
                float scale = scales.getAtIndex(ValueLayout.JAVA_FLOAT, h * rows + s);
                for (int i = 0; i < width; i++) {
                    destination.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, row * width + i,
                            scale * codes.get(ValueLayout.JAVA_BYTE, codeAt(s, h, i)));
                }
            }
        }
    }
}
