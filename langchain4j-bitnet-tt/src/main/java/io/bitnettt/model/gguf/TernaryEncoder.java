package io.bitnettt.model.gguf;

import io.bitnettt.gguf.GgmlType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes weight rows (values −1, 0, +1) into the GGUF ternary layouts {@link TernaryRows}
 * decodes, for {@link GgufModelWriter}. I2_S groups run over the flattened tensor, so a writer
 * must feed rows of a multiple of 128 weights; TQ blocks never straddle rows.
 */
final class TernaryEncoder {

    private TernaryEncoder() {
    }

    /** The I2_S bytes of one row of {@code in} weights (a multiple of 128): {@code in/4} bytes. */
    static byte[] i2s(byte[] values) {
        byte[] out = new byte[values.length / 4];
        for (int base = 0; base < values.length; base += TernaryRows.I2S_GROUP) {
            int at = base / 4;
            for (int p = 0; p < 32; p++) {
                out[at + p] = (byte) ((values[base + p] + 1) << 6 | (values[base + 32 + p] + 1) << 4
                        | (values[base + 64 + p] + 1) << 2 | (values[base + 96 + p] + 1));
            }
        }
        return out;
    }

    /** The f32 scale and padding that end an I2_S tensor. */
    static byte[] i2sTrailer(float scale) {
        return ByteBuffer.allocate(GgmlType.I2_S_TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN).putFloat(scale).array();
    }

    /** The TQ2_0 blocks of one row; a block of zero weights gets {@code d = 0}, as llama.cpp writes it. */
    static byte[] tq2(byte[] values, float scale) {
        int blocks = values.length / TernaryRows.TQ_BLOCK;
        ByteBuffer out = ByteBuffer.allocate(blocks * GgmlType.TQ2_0.blockBytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < blocks; k++) {
            int base = k * TernaryRows.TQ_BLOCK;
            int at = k * GgmlType.TQ2_0.blockBytes();
            for (int h = 0; h < 2; h++) {
                for (int m = 0; m < 32; m++) {
                    int b = 0;
                    for (int l = 0; l < 4; l++) {
                        b |= (values[base + 128 * h + 32 * l + m] + 1) << (2 * l);
                    }
                    out.put(at + 32 * h + m, (byte) b);
                }
            }
            out.putShort(at + 64, blockScale(values, base, scale));
        }
        return out.array();
    }

    /** The TQ1_0 blocks of one row. */
    static byte[] tq1(byte[] values, float scale) {
        int blocks = values.length / TernaryRows.TQ_BLOCK;
        ByteBuffer out = ByteBuffer.allocate(blocks * GgmlType.TQ1_0.blockBytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < blocks; k++) {
            int base = k * TernaryRows.TQ_BLOCK;
            int at = k * GgmlType.TQ1_0.blockBytes();
            for (int m = 0; m < 32; m++) {
                out.put(at + m, trits(values, base + m, 32, 5));
            }
            for (int m = 0; m < 16; m++) {
                out.put(at + 32 + m, trits(values, base + 160 + m, 16, 5));
            }
            for (int j = 0; j < 4; j++) {
                out.put(at + 48 + j, trits(values, base + 240 + j, 4, 4));
            }
            out.putShort(at + 52, blockScale(values, base, scale));
        }
        return out.array();
    }

    /**
     * Five base-3 digits (the first most significant; missing ones 0) of the values at
     * {@code first + stride·n}, stored as {@code ceil(v·256/243)} so that the decoder's
     * multiply-and-shift recovers each digit.
     */
    private static byte trits(byte[] values, int first, int stride, int count) {
        int v = 0;
        for (int n = 0; n < 5; n++) {
            v = v * 3 + (n < count ? values[first + stride * n] + 1 : 0);
        }
        return (byte) ((v * 256 + 242) / 243);
    }

    private static short blockScale(byte[] values, int base, float scale) {
        for (int i = base; i < base + TernaryRows.TQ_BLOCK; i++) {
            if (values[i] != 0) {
                return Float.floatToFloat16(scale);
            }
        }
        return 0;
    }
}
