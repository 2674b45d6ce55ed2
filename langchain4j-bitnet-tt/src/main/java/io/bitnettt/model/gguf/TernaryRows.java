package io.bitnettt.model.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Decoders of the weight rows of a GGUF ternary tensor (ggml {@code ne = [in, out]}, so weight row
 * r is the r-th run of {@code in} elements) into codes 0, 1, 2 meaning −1, 0, +1: the codes of the
 * Hugging Face packing, which the backends take. Each decoder is stateless and safe to call from
 * several threads; problems are returned, not thrown, so the caller can report the first one in
 * row order whatever the thread count.
 *
 * <p>The layouts, confirmed against the tools' sources and by the fixtures' bit-exact check
 * (shared/fixtures/gguf/README.md):
 * <ul>
 *   <li><b>I2_S</b> (bitnet.cpp, x86 layout): the flat tensor in groups of 128 elements, 32 bytes
 *       each; element {@code 32·g + p} of a group is in bits {@code 7−2g..6−2g} of byte p (the
 *       first 32 in the top bits). One f32 scale for the tensor follows the codes.</li>
 *   <li><b>TQ2_0</b> (llama.cpp): blocks of 256 = 64 bytes of codes, then an f16 {@code d}; element
 *       {@code 128·h + 32·l + m} is in bits {@code 2l..2l+1} of byte {@code 32·h + m}.</li>
 *   <li><b>TQ1_0</b> (llama.cpp): blocks of 256 = 48 bytes {@code qs}, 4 bytes {@code qh}, an f16
 *       {@code d}; each byte holds five base-3 digits, most significant first, stored as
 *       {@code ceil(v·256/243)}; digit n of byte b is {@code ((b·3^n mod 256)·3) >> 8}. {@code qs[m]}
 *       for m &lt; 32 holds elements {@code m + 32n} (n = 0..4), {@code qs[32 + m]} elements
 *       {@code 160 + m + 16n}, {@code qh[j]} elements {@code 240 + j + 4n} (n = 0..3).</li>
 * </ul>
 * Values are {@code (code − 1)·scale}: the tensor's scale for I2_S, each block's {@code d} for TQ.
 */
final class TernaryRows {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Elements per I2_S group: 128 codes in 32 bytes. */
    static final int I2S_GROUP = 128;
    static final int TQ_BLOCK = 256;
    private static final int TQ2_BLOCK_BYTES = 66;
    private static final int TQ1_BLOCK_BYTES = 54;
    private static final int[] POW3 = {1, 3, 9, 27, 81};

    private TernaryRows() {
    }

    /**
     * What decoding one weight row found.
     *
     * @param scale   the scale of the row's nonzero blocks (TQ types); NaN when the row has no nonzero
     *                weight or the format has one scale per tensor
     * @param nonZero whether any weight of the row is nonzero
     * @param problem why the row is invalid, or null
     */
    record Row(float scale, boolean nonZero, String problem) {
        static Row invalid(String problem) {
            return new Row(Float.NaN, false, problem);
        }
    }

    /** Decodes weight row {@code row} into {@code codes} (length {@code in}). */
    interface Decoder {
        Row decode(long row, byte[] codes);
    }

    /** I2_S: the tensor's data is its codes followed by the f32 scale; rows start on group boundaries. */
    static Decoder i2s(MemorySegment data, int in) {
        int rowBytes = in / 4;
        return (row, codes) -> {
            byte[] packed = new byte[rowBytes];
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, row * rowBytes, packed, 0, rowBytes);
            boolean nonZero = false;
            for (int g = 0; g < rowBytes / 32; g++) {
                int base = g * I2S_GROUP;
                for (int p = 0; p < 32; p++) {
                    int b = packed[g * 32 + p] & 0xFF;
                    if ((b & (b >>> 1) & 0x55) != 0) {
                        int shift = 6;
                        while (((b >>> shift) & 3) != 3) {
                            shift -= 2;
                        }
                        long col = base + (6 - shift) / 2 * 32L + p;
                        return Row.invalid("invalid I2_S code 3 (only 0, 1, 2 mean -1, 0, +1) for weight [" + row
                                + ", " + col + "]");
                    }
                    nonZero |= b != 0x55;
                    codes[base + p] = (byte) (b >>> 6);
                    codes[base + 32 + p] = (byte) ((b >>> 4) & 3);
                    codes[base + 64 + p] = (byte) ((b >>> 2) & 3);
                    codes[base + 96 + p] = (byte) (b & 3);
                }
            }
            return new Row(Float.NaN, nonZero, null);
        };
    }

    /** TQ2_0: 2-bit codes, least significant first, with an f16 scale per block of 256. */
    static Decoder tq2(MemorySegment data, int in) {
        int blocks = in / TQ_BLOCK;
        return (row, codes) -> {
            byte[] raw = new byte[blocks * TQ2_BLOCK_BYTES];
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, row * raw.length, raw, 0, raw.length);
            BlockScales scales = new BlockScales(row);
            for (int k = 0; k < blocks; k++) {
                int at = k * TQ2_BLOCK_BYTES;
                int base = k * TQ_BLOCK;
                boolean nonZero = false;
                for (int h = 0; h < 2; h++) {
                    for (int m = 0; m < 32; m++) {
                        int b = raw[at + 32 * h + m] & 0xFF;
                        if ((b & (b >>> 1) & 0x55) != 0) {
                            int l = 0;
                            while (((b >>> (2 * l)) & 3) != 3) {
                                l++;
                            }
                            return Row.invalid("invalid TQ2_0 code 3 (only 0, 1, 2 mean -1, 0, +1) for weight ["
                                    + row + ", " + (base + 128 * h + 32 * l + m) + "]");
                        }
                        nonZero |= b != 0x55;
                        for (int l = 0; l < 4; l++) {
                            codes[base + 128 * h + 32 * l + m] = (byte) ((b >>> (2 * l)) & 3);
                        }
                    }
                }
                String problem = scales.block(k, f16(raw, at + 64), nonZero, codes, base);
                if (problem != null) {
                    return Row.invalid(problem);
                }
            }
            return scales.row();
        };
    }

    /** TQ1_0: five base-3 digits a byte, with an f16 scale per block of 256. */
    static Decoder tq1(MemorySegment data, int in) {
        int blocks = in / TQ_BLOCK;
        return (row, codes) -> {
            byte[] raw = new byte[blocks * TQ1_BLOCK_BYTES];
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, row * raw.length, raw, 0, raw.length);
            BlockScales scales = new BlockScales(row);
            for (int k = 0; k < blocks; k++) {
                int at = k * TQ1_BLOCK_BYTES;
                int base = k * TQ_BLOCK;
                boolean nonZero = false;
                for (int n = 0; n < 5; n++) {
                    for (int m = 0; m < 32; m++) {
                        nonZero |= (codes[base + m + 32 * n] = trit(raw[at + m], n)) != 1;
                    }
                    for (int m = 0; m < 16; m++) {
                        nonZero |= (codes[base + 160 + m + 16 * n] = trit(raw[at + 32 + m], n)) != 1;
                    }
                }
                for (int n = 0; n < 4; n++) {
                    for (int j = 0; j < 4; j++) {
                        nonZero |= (codes[base + 240 + j + 4 * n] = trit(raw[at + 48 + j], n)) != 1;
                    }
                }
                String problem = scales.block(k, f16(raw, at + 52), nonZero, codes, base);
                if (problem != null) {
                    return Row.invalid(problem);
                }
            }
            return scales.row();
        };
    }

    /** Digit {@code n} (most significant first) of a TQ1_0 byte: always 0, 1 or 2. */
    static byte trit(byte b, int n) {
        int q = (b * POW3[n]) & 0xFF;
        return (byte) ((q * 3) >>> 8);
    }

    private static float f16(byte[] raw, int at) {
        return Float.float16ToFloat((short) ((raw[at] & 0xFF) | (raw[at + 1] & 0xFF) << 8));
    }

    /**
     * The one scale the nonzero blocks of a row share. A block whose {@code d} is zero holds only
     * zero weights whatever its codes say, so its codes become 1; a block of zero weights has no
     * say in the scale.
     */
    private static final class BlockScales {
        private final long row;
        private float scale = Float.NaN;
        private int firstBlock = -1;
        private boolean nonZero;

        BlockScales(long row) {
            this.row = row;
        }

        String block(int k, float d, boolean blockNonZero, byte[] codes, int base) {
            if (d == 0) {
                java.util.Arrays.fill(codes, base, base + TQ_BLOCK, (byte) 1);
                return null;
            }
            if (!(d > 0) || Float.isInfinite(d)) {
                return "block " + k + " of row " + row + " (columns " + base + ".." + (base + TQ_BLOCK - 1)
                        + ") has scale d = " + d + ", expected a finite number >= 0";
            }
            if (!blockNonZero) {
                return null;
            }
            nonZero = true;
            if (firstBlock < 0) {
                scale = d;
                firstBlock = k;
            } else if (Float.floatToRawIntBits(d) != Float.floatToRawIntBits(scale)) {
                return differentScales("block " + k + " of row " + row, d, "block " + firstBlock + " of that row", scale);
            }
            return null;
        }

        Row row() {
            return new Row(scale, nonZero, null);
        }
    }

    /**
     * Why blocks with different scales are refused rather than decoded: the backends take one scale
     * per ternary tensor ({@code Device.uploadTernary}), and BitNet b1.58 has exactly one
     * ({@code weight_scale}); every BitNet converter writes {@code code·scale}, so a TQ quantizer's
     * per-block {@code d = max|x|} comes out the same in every block that is not all zero. Blocks
     * that differ mean the file was quantized from weights that were not ternary, i.e. not from a
     * BitNet b1.58 model, and per-block scales in the SPI would buy nothing for the models it runs.
     */
    static String differentScales(String where, float d, String firstWhere, float first) {
        return "scale d = " + d + " in " + where + " differs from d = " + first + " in " + firstWhere
                + "; BitNet b1.58 has one scale per tensor, so every nonzero block"
                + " must carry the same d (this file was quantized from weights that were not ternary, so it is not"
                + " a BitNet b1.58 model this engine can run)";
    }
}
