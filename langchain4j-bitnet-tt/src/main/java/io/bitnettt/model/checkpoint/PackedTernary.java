package io.bitnettt.model.checkpoint;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A ternary weight matrix of shape {@code [out, in]} in the Hugging Face packed layout (spec §3.2),
 * ready for {@code Device.uploadTernary(out, in, hfPacked, scale, placement)}.
 *
 * @param out      output features (rows)
 * @param in       input features (columns)
 * @param hfPacked uint8 {@code [out/4, in]}: bits 2i..2i+1 of byte [r, c] hold row i·out/4 + r as code − 1
 * @param scale    the per-tensor multiplier: {@code y = acc / s_x * scale}. Legacy {@code bitlinear}
 *                 checkpoints store the reciprocal; the loader has already inverted it.
 */
public record PackedTernary(long out, long in, MemorySegment hfPacked, float scale) {

    public PackedTernary {
        if (out % 4 != 0 || hfPacked.byteSize() != out / 4 * in) {
            throw new IllegalArgumentException("packed ternary [" + out + ", " + in + "] needs " + (out / 4 * in)
                    + " bytes, got " + hfPacked.byteSize());
        }
    }

    /** The weight at {@code [row, col]}, in {-1, 0, 1}. For tests and debugging; engines upload whole. */
    public int value(long row, long col) {
        long p = out / 4;
        int shift = (int) (row / p) * 2;
        byte b = hfPacked.get(ValueLayout.JAVA_BYTE, (row % p) * in + col);
        return ((b >> shift) & 3) - 1;
    }
}
