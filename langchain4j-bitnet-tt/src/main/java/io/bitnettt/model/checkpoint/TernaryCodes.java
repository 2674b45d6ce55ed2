package io.bitnettt.model.checkpoint;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Packing and checking of 2-bit ternary codes in the Hugging Face layout (spec §3.2). */
public final class TernaryCodes {

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Low bit of every 2-bit field. */
    private static final long LOW_BITS = 0x5555_5555_5555_5555L;
    /** A byte whose four codes are all 1, i.e. four zero weights. */
    private static final byte ALL_ZERO_WEIGHTS = 0x55;

    private TernaryCodes() {
    }

    /**
     * Packs four weight rows into one packed row: {@code rows[i][c]} (in {-1, 0, 1}) is weight row
     * {@code i·out/4 + r} for packed row r, and lands in bits 2i..2i+1 of {@code packed[c]}.
     */
    public static void packRow(byte[][] rows, byte[] packed) {
        for (int c = 0; c < packed.length; c++) {
            packed[c] = (byte) ((rows[0][c] + 1) | (rows[1][c] + 1) << 2 | (rows[2][c] + 1) << 4 | (rows[3][c] + 1) << 6);
        }
    }

    /** What a scan of packed bytes found. */
    public record Scan(long firstInvalidByte, boolean allZero) {
        public boolean valid() {
            return firstInvalidByte < 0;
        }
    }

    /**
     * Finds the first byte holding code 3 (which would decode to +2 and never occurs in a real
     * checkpoint) and whether every weight is zero (the all-zero tensors of BitNet issue #608).
     * Reads eight bytes at a time since this runs over half a gigabyte at load.
     */
    public static Scan scan(MemorySegment packed) {
        long size = packed.byteSize();
        long i = 0;
        long nonZero = 0;
        for (; i + 8 <= size; i += 8) {
            long v = packed.get(LONG, i);
            // A field is 3 exactly when both of its bits are set.
            if ((v & (v >>> 1) & LOW_BITS) != 0) {
                return new Scan(i + firstInvalidIn(v), false);
            }
            nonZero |= v ^ LOW_BITS;
        }
        for (; i < size; i++) {
            byte b = packed.get(ValueLayout.JAVA_BYTE, i);
            if ((b & (b >>> 1) & 0x55) != 0) {
                return new Scan(i, false);
            }
            nonZero |= (b ^ ALL_ZERO_WEIGHTS) & 0xFF;
        }
        return new Scan(-1, nonZero == 0);
    }

    private static int firstInvalidIn(long v) {
        for (int k = 0; k < 8; k++) {
            int b = (int) (v >>> (8 * k)) & 0xFF;
            if ((b & (b >>> 1) & 0x55) != 0) {
                return k;
            }
        }
        throw new IllegalStateException();
    }
}
