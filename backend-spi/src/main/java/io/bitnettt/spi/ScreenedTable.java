package io.bitnettt.spi;

import java.util.Objects;

/**
 * An output table with the coarse copy that lets a backend find its largest logits without
 * reading all of it: the BF16 (or F32) {@code table} [V, d], its int8 per-row codes [V, d] and F32
 * row scales [V] ({@link RowQuantization}'s rule), and per row the constant {@code rowBounds} [V]
 * of {@link LogitScreen#rowBound}. Built on the host by {@link LogitScreen}, so a screen means the
 * same on every backend; see {@link TransformerOps#screenedArgmax}.
 */
public record ScreenedTable(Tensor table, Tensor codes, Tensor rowScales, Tensor rowBounds) {
    public ScreenedTable {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(codes, "codes");
        Objects.requireNonNull(rowScales, "rowScales");
        Objects.requireNonNull(rowBounds, "rowBounds");
    }

    /** Frees the coarse copy; the table belongs to whoever uploaded it (it is often the embedding too). */
    public void closeScreen() {
        codes.close();
        rowScales.close();
        rowBounds.close();
    }
}
