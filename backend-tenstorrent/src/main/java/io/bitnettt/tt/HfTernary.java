package io.bitnettt.tt;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The Hugging Face packed ternary layout (uint8 {@code [out/4, in]}; bits 2i..2i+1 of byte [r, c]
 * hold row {@code i·out/4 + r} as value + 1) to and from dense float32 {@code [out, in]}, the ABI's
 * host form of a ternary weight.
 */
final class HfTernary {
    private HfTernary() {
    }

    /** @throws IllegalArgumentException naming the weight row and column of a code 3 (it would mean +2) */
    static void decodeToFloats(MemorySegment packed, int out, int in, MemorySegment dense) {
        int p = out / 4;
        for (int r = 0; r < p; r++) {
            for (int c = 0; c < in; c++) {
                int b = packed.get(ValueLayout.JAVA_BYTE, (long) r * in + c) & 0xFF;
                for (int i = 0; i < 4; i++) {
                    int code = (b >>> (2 * i)) & 3;
                    long row = (long) i * p + r;
                    if (code == 3) {
                        throw new IllegalArgumentException("invalid ternary code 3 at weight row " + row + ", column " + c
                                + " (packed byte [" + r + ", " + c + "] = 0x" + Integer.toHexString(b) + ")");
                    }
                    dense.setAtIndex(ValueLayout.JAVA_FLOAT, row * in + c, code - 1);
                }
            }
        }
    }

    /** @throws IllegalStateException when the device returned a value other than -1, 0 or +1 */
    static void encodeFromFloats(MemorySegment dense, int out, int in, MemorySegment packed) {
        int p = out / 4;
        packed.fill((byte) 0);
        for (int row = 0; row < out; row++) {
            int i = row / p;
            int r = row % p;
            for (int c = 0; c < in; c++) {
                float v = dense.getAtIndex(ValueLayout.JAVA_FLOAT, (long) row * in + c);
                if (v != -1f && v != 0f && v != 1f) {
                    throw new IllegalStateException("ternary weight holds " + v + " at row " + row + ", column " + c);
                }
                long at = (long) r * in + c;
                byte old = packed.get(ValueLayout.JAVA_BYTE, at);
                packed.set(ValueLayout.JAVA_BYTE, at, (byte) (old | (((int) v + 1) << (2 * i))));
            }
        }
    }
}
