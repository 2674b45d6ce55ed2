package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Converts between the Hugging Face packed ternary layout (uint8 {@code [out/4, in]}, spec §3.2)
 * and a plain row-major {@code byte[out·in]} of values in {-1, 0, 1}.
 *
 * <p>The plain form is the common currency: the scalar reference consumes it and the SIMD layout
 * is built from it, so both see exactly the same matrix.
 */
public final class HfTernaryCodec {
    private HfTernaryCodec() {
    }

    /**
     * Decodes {@code packed}; throws {@link IllegalArgumentException} naming the row and column of
     * the first code 3, which no valid checkpoint contains (it would decode to +2).
     */
    public static byte[] decode(MemorySegment packed, int out, int in) {
        requireShape(out, in, packed.byteSize());
        return decodeInto(packed, out, in, new byte[Math.multiplyExact(out, in)]);
    }

    /**
     * As {@link #decode}, into the first {@code out·in} bytes of {@code ternary} (which may be
     * longer), so that a model's uploads can share one buffer instead of leaving a matrix-sized
     * array of garbage each.
     */
    public static byte[] decodeInto(MemorySegment packed, int out, int in, byte[] ternary) {
        requireShape(out, in, packed.byteSize());
        if (ternary.length < (long) out * in) {
            throw new IllegalArgumentException("buffer of " + ternary.length + " bytes for " + out + "x" + in + " values");
        }
        int p = out / 4;
        for (int r = 0; r < p; r++) {
            long rowBase = (long) r * in;
            for (int c = 0; c < in; c++) {
                int b = packed.get(ValueLayout.JAVA_BYTE, rowBase + c) & 0xFF;
                for (int i = 0; i < 4; i++) {
                    int code = (b >>> (2 * i)) & 3;
                    int row = i * p + r;
                    if (code == 3) {
                        throw new IllegalArgumentException("invalid ternary code 3 at weight row " + row
                                + ", column " + c + " (packed byte [" + r + ", " + c + "] = 0x"
                                + Integer.toHexString(b) + ")");
                    }
                    ternary[row * in + c] = (byte) (code - 1);
                }
            }
        }
        return ternary;
    }

    /** Inverse of {@link #decode}: packs a row-major ternary matrix into the Hugging Face layout. */
    public static byte[] encode(byte[] ternary, int out, int in) {
        if (out % 4 != 0 || ternary.length != (long) out * in) {
            throw new IllegalArgumentException("need out divisible by 4 and " + out + "x" + in
                    + " values, got out=" + out + " and " + ternary.length + " values");
        }
        int p = out / 4;
        byte[] packed = new byte[p * in];
        for (int row = 0; row < out; row++) {
            int i = row / p;
            int r = row % p;
            for (int c = 0; c < in; c++) {
                int t = ternary[row * in + c];
                if (t < -1 || t > 1) {
                    throw new IllegalArgumentException("value " + t + " at row " + row + ", column " + c + " is not ternary");
                }
                packed[r * in + c] |= (byte) ((t + 1) << (2 * i));
            }
        }
        return packed;
    }

    private static void requireShape(int out, int in, long bytes) {
        if (out <= 0 || in <= 0 || out % 4 != 0) {
            throw new IllegalArgumentException("ternary shape [" + out + ", " + in + "] needs out divisible by 4");
        }
        if (bytes != (long) out / 4 * in) {
            throw new IllegalArgumentException("packed buffer of " + bytes + " bytes, expected out/4*in = "
                    + ((long) out / 4 * in) + " for [" + out + ", " + in + "]");
        }
    }
}
