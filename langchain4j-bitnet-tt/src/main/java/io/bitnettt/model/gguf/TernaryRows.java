package io.bitnettt.model.gguf;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
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

    /**
     * Decodes the four weight rows {@code r + i·p} (i = 0..3) and writes packed row r of the Hugging
     * Face layout ({@code in} bytes at {@code r·in}: row {@code r + i·p} in bits 2i..2i+1), recording
     * what each row held in {@code found[r + i·p]}.
     */
    interface PackedDecoder {
        void decode(int r, int p, MemorySegment out, Row[] found);
    }

    /** The generic path: each row into codes, then four codes a byte. */
    static PackedDecoder viaCodes(Decoder decoder, int in) {
        return (r, p, out, found) -> {
            byte[][] codes = new byte[4][in];
            boolean valid = true;
            for (int i = 0; i < 4; i++) {
                found[i * p + r] = decoder.decode((long) i * p + r, codes[i]);
                valid &= found[i * p + r].problem() == null;
            }
            if (!valid) {
                return;
            }
            byte[] row = new byte[in];
            for (int c = 0; c < in; c++) {
                row[c] = (byte) (codes[0][c] | codes[1][c] << 2 | codes[2][c] << 4 | codes[3][c] << 6);
            }
            MemorySegment.copy(row, 0, out, ValueLayout.JAVA_BYTE, (long) r * in, in);
        };
    }

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The low bit of every 2-bit field. */
    private static final long LOW_BITS = 0x5555_5555_5555_5555L;
    /** The low two bits of every byte. */
    private static final long LOW_PAIR = 0x0303_0303_0303_0303L;

    /**
     * Four codes a byte in both layouts, so eight bytes of each of the four source rows give 32
     * packed bytes with a few shifts and masks on longs: the field at shift s of every byte of the
     * four rows' longs, merged into bits 0, 2, 4, 6, is eight consecutive packed bytes.
     */
    private static long merge(long a, long b, long c, long d, int shift) {
        return (a >>> shift) & LOW_PAIR | ((b >>> shift) & LOW_PAIR) << 2 | ((c >>> shift) & LOW_PAIR) << 4
                | ((d >>> shift) & LOW_PAIR) << 6;
    }

    /** The column, within its 8-byte run, of the first code 3 in {@code v}, whose fields sit at shifts {@code shifts}. */
    private static int firstCode3(long v, int[] shifts, int stride) {
        for (int j = 0; j < 8; j++) {
            int b = (int) (v >>> (8 * j)) & 0xFF;
            for (int k = 0; k < 4; k++) {
                if (((b >>> shifts[k]) & 3) == 3) {
                    return k * stride + j;
                }
            }
        }
        throw new IllegalStateException();
    }

    private static final int[] I2S_SHIFTS = {6, 4, 2, 0};
    private static final int[] TQ2_SHIFTS = {0, 2, 4, 6};

    /**
     * I2_S: row R's codes are the {@code in/4} bytes at {@code R·in/4} (rows start on group
     * boundaries), element {@code 32·k + j} of a group in bits {@code 6−2k} of byte j.
     */
    static PackedDecoder i2s(MemorySegment data, int in) {
        int rowBytes = in / 4;
        return (r, p, out, found) -> {
            long[] at = new long[4];
            long[] bad = {-1, -1, -1, -1};
            boolean[] nonZero = new boolean[4];
            for (int i = 0; i < 4; i++) {
                at[i] = ((long) i * p + r) * rowBytes;
            }
            long outAt = (long) r * in;
            long[] v = new long[4];
            for (int g = 0; g < rowBytes; g += 32) {
                for (int q = 0; q < 32; q += 8) {
                    for (int i = 0; i < 4; i++) {
                        v[i] = data.get(LONG, at[i] + g + q);
                        if ((v[i] & (v[i] >>> 1) & LOW_BITS) != 0 && bad[i] < 0) {
                            bad[i] = 4L * g + firstCode3(v[i], I2S_SHIFTS, 32) + q;
                        }
                        nonZero[i] |= v[i] != LOW_BITS;
                    }
                    for (int k = 0; k < 4; k++) {
                        out.set(LONG, outAt + 4L * g + 32 * k + q, merge(v[0], v[1], v[2], v[3], 6 - 2 * k));
                    }
                }
            }
            for (int i = 0; i < 4; i++) {
                long row = (long) i * p + r;
                found[(int) row] = bad[i] < 0 ? new Row(Float.NaN, nonZero[i], null)
                        : Row.invalid("invalid I2_S code 3 (only 0, 1, 2 mean -1, 0, +1) for weight [" + row + ", "
                        + bad[i] + "]");
            }
        };
    }

    /**
     * TQ2_0: row R is {@code in/256} blocks of 66 bytes; element {@code 128·h + 32·l + j} of a
     * block is in bits {@code 2l} of byte {@code 32·h + j}, and the block's f16 {@code d} follows
     * its 64 bytes of codes.
     */
    static PackedDecoder tq2(MemorySegment data, int in) {
        int blocks = in / TQ_BLOCK;
        long rowBytes = (long) blocks * TQ2_BLOCK_BYTES;
        return (r, p, out, found) -> {
            BlockScales[] scales = new BlockScales[4];
            String[] problem = new String[4];
            for (int i = 0; i < 4; i++) {
                scales[i] = new BlockScales((long) i * p + r);
            }
            long outAt = (long) r * in;
            long[][] v = new long[4][8];
            for (int k = 0; k < blocks; k++) {
                int base = k * TQ_BLOCK;
                for (int i = 0; i < 4; i++) {
                    long at = ((long) i * p + r) * rowBytes + (long) k * TQ2_BLOCK_BYTES;
                    boolean blockNonZero = false;
                    for (int w = 0; w < 8; w++) {
                        v[i][w] = data.get(LONG, at + 8L * w);
                        if ((v[i][w] & (v[i][w] >>> 1) & LOW_BITS) != 0 && problem[i] == null) {
                            int h = w / 4;
                            int col = base + 128 * h + firstCode3(v[i][w], TQ2_SHIFTS, 32) + 8 * (w % 4);
                            problem[i] = "invalid TQ2_0 code 3 (only 0, 1, 2 mean -1, 0, +1) for weight ["
                                    + ((long) i * p + r) + ", " + col + "]";
                        }
                        blockNonZero |= v[i][w] != LOW_BITS;
                    }
                    float d = Float.float16ToFloat(data.get(SHORT, at + 64));
                    String bad = scales[i].block(k, d, blockNonZero);
                    if (bad != null && problem[i] == null) {
                        problem[i] = bad;
                    }
                    if (d == 0) {
                        Arrays.fill(v[i], LOW_BITS); // a block with d = 0 holds zeros whatever its codes
                    }
                }
                for (int w = 0; w < 8; w++) {
                    long colAt = outAt + base + 128L * (w / 4) + 8L * (w % 4);
                    for (int l = 0; l < 4; l++) {
                        out.set(LONG, colAt + 32L * l, merge(v[0][w], v[1][w], v[2][w], v[3][w], 2 * l));
                    }
                }
            }
            for (int i = 0; i < 4; i++) {
                found[i * p + r] = problem[i] != null ? Row.invalid(problem[i]) : scales[i].row();
            }
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
                float d = f16(raw, at + 52);
                String problem = scales.block(k, d, nonZero);
                if (problem != null) {
                    return Row.invalid(problem);
                }
                if (d == 0) {
                    Arrays.fill(codes, base, base + TQ_BLOCK, (byte) 1);
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

        /** The caller turns the codes of a block with {@code d = 0} into zeros. */
        String block(int k, float d, boolean blockNonZero) {
            if (d == 0) {
                return null;
            }
            if (!(d > 0) || Float.isInfinite(d)) {
                int base = k * TQ_BLOCK;
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
