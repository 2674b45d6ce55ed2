package io.bitnettt.model.gguf;

import io.bitnettt.gguf.GgufFile;
import io.bitnettt.gguf.GgufTensorInfo;
import io.bitnettt.model.CheckpointException;
import io.bitnettt.model.checkpoint.AbsmeanQuantizer;
import io.bitnettt.model.checkpoint.HostTensor;
import io.bitnettt.model.checkpoint.PackedTernary;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * Turns one GGUF projection tensor into a {@link PackedTernary}: the Hugging Face packed layout
 * the backends take (four output rows a byte) and one multiply-semantics scale. Every code and
 * every scale is checked; the result is exactly the ternary matrix and scale the file stores.
 *
 * <p>How the scales map onto the SPI ({@code Device.uploadTernary(out, in, packed, scale, ...)}, one
 * scale per tensor):
 * <ul>
 *   <li>I2_S stores one f32 scale per tensor: it is passed as is.</li>
 *   <li>TQ1_0 and TQ2_0 store an f16 {@code d} per block of 256. All nonzero blocks must carry the
 *       same {@code d}, which becomes the tensor's scale; blocks with {@code d = 0} hold zeros. A
 *       file whose blocks differ is refused (see {@link TernaryRows#differentScales} for why the SPI
 *       is not extended instead).</li>
 *   <li>F16, BF16 and F32 weights (the "master" GGUF a converter writes first) are taken as exact
 *       ternary when every value is 0 or ±s for one s, which is what llama.cpp's and bitnet.cpp's
 *       converters write; otherwise they are quantized with the absmean rule, as for the -bf16
 *       Hugging Face checkpoint.</li>
 * </ul>
 * Rows are decoded in parallel; problems are reported for the first bad row in row order, so the
 * message does not depend on the thread count.
 */
final class GgufTernary {

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What became of one projection. */
    record Result(PackedTernary weights, boolean quantizedAtLoad, boolean allZero) {
    }

    private GgufTernary() {
    }

    static Result decode(GgufFile file, GgufTensorInfo t, long out, long in, Arena arena) {
        if (!t.hasNe(in, out)) {
            throw fail(file, t, "ne " + t.neString() + " found, expected [" + in + ", " + out
                    + "] (in_features, out_features, from the metadata)");
        }
        MemorySegment data = file.data(t);
        int cols = Math.toIntExact(in);
        return switch (t.type()) {
            case I2_S -> {
                if (in % TernaryRows.I2S_GROUP != 0) {
                    throw fail(file, t, "rows of " + in + " weights; I2_S needs a multiple of " + TernaryRows.I2S_GROUP
                            + " (its 128-weight groups must not straddle rows)");
                }
                float scale = data.get(FLOAT, out * in / 4);
                if (!Float.isFinite(scale) || scale <= 0) {
                    throw fail(file, t, "I2_S scale " + scale + " (the f32 after the codes) found, expected a finite"
                            + " number > 0");
                }
                yield pack(file, t, out, in, TernaryRows.i2s(data, cols), scale, arena);
            }
            case TQ2_0 -> pack(file, t, out, in, TernaryRows.tq2(data, cols), Float.NaN, arena);
            case TQ1_0 -> pack(file, t, out, in, TernaryRows.viaCodes(TernaryRows.tq1(data, cols), cols), Float.NaN, arena);
            case F32, F16, BF16 -> fromFloats(file, t, out, in, data, arena);
            default -> throw fail(file, t, "type " + t.type() + " is not a ternary type; expected I2_S (bitnet.cpp),"
                    + " TQ1_0 or TQ2_0 (llama.cpp), or F16, BF16, F32 weights");
        };
    }

    /**
     * Decodes every row and packs four rows a byte. {@code tensorScale} is the per-tensor scale, or
     * NaN when the rows carry it (TQ types).
     */
    private static Result pack(GgufFile file, GgufTensorInfo t, long out, long in, TernaryRows.PackedDecoder decoder,
                               float tensorScale, Arena arena) {
        int rows = Math.toIntExact(out);
        int cols = Math.toIntExact(in);
        int p = rows / 4;
        MemorySegment packed = arena.allocate((long) p * cols, 8);
        TernaryRows.Row[] found = new TernaryRows.Row[rows];
        IntStream.range(0, p).parallel().forEach(r -> decoder.decode(r, p, packed, found));
        for (TernaryRows.Row row : found) {
            if (row.problem() != null) {
                throw fail(file, t, row.problem());
            }
        }
        boolean nonZero = false;
        float scale = tensorScale;
        int scaleRow = -1;
        for (int r = 0; r < rows; r++) {
            TernaryRows.Row row = found[r];
            nonZero |= row.nonZero();
            if (Float.isNaN(tensorScale) && !Float.isNaN(row.scale())) {
                if (scaleRow < 0) {
                    scale = row.scale();
                    scaleRow = r;
                } else if (Float.floatToRawIntBits(row.scale()) != Float.floatToRawIntBits(scale)) {
                    throw fail(file, t, TernaryRows.differentScales("the nonzero blocks of row " + r,
                            row.scale(), "those of row " + scaleRow, scale));
                }
            }
        }
        // A tensor of zero weights has no scale to speak of; any positive one gives the same zeros.
        return new Result(new PackedTernary(out, in, packed, nonZero ? scale : 1f), false, !nonZero);
    }

    private static Result fromFloats(GgufFile file, GgufTensorInfo t, long out, long in, MemorySegment data,
                                     Arena arena) {
        HostTensor master = new HostTensor(t.name(), GgufHostTensors.dtype(t.type()), new long[] {out, in}, data);
        float scale = exactTernaryScale(file, t, master);
        if (Float.isNaN(scale)) {
            return new Result(AbsmeanQuantizer.quantize(master, out, in, arena), true, false);
        }
        if (scale == 0) {
            return pack(file, t, out, in, TernaryRows.viaCodes((row, codes) -> {
                java.util.Arrays.fill(codes, (byte) 1);
                return new TernaryRows.Row(Float.NaN, false, null);
            }, Math.toIntExact(in)), 1f, arena);
        }
        int cols = Math.toIntExact(in);
        return pack(file, t, out, in, TernaryRows.viaCodes((row, codes) -> {
            float[] v = new float[cols];
            master.read(row * cols, v);
            boolean nonZero = false;
            for (int c = 0; c < cols; c++) {
                codes[c] = (byte) (v[c] > 0 ? 2 : v[c] < 0 ? 0 : 1);
                nonZero |= v[c] != 0;
            }
            return new TernaryRows.Row(Float.NaN, nonZero, null);
        }, cols), scale, arena);
    }

    /**
     * The s for which every value is 0 or ±s, 0 for an all-zero tensor, or NaN when the values are
     * not ternary. Non-finite values are refused.
     */
    private static float exactTernaryScale(GgufFile file, GgufTensorInfo t, HostTensor master) {
        long[] shape = master.shape();
        int rows = Math.toIntExact(shape[0]);
        int cols = Math.toIntExact(shape[1]);
        float[] rowScale = new float[rows];
        long[] nonFinite = new long[rows];
        IntStream.range(0, rows).parallel().forEach(r -> {
            float[] v = new float[cols];
            master.read((long) r * cols, v);
            float s = 0;
            nonFinite[r] = -1;
            for (int c = 0; c < cols; c++) {
                float a = Math.abs(v[c]);
                if (!Float.isFinite(a)) {
                    nonFinite[r] = c;
                    return;
                }
                if (a != 0) {
                    if (s == 0) {
                        s = a;
                    } else if (a != s) {
                        s = Float.NaN;
                        break;
                    }
                }
            }
            rowScale[r] = s;
        });
        float scale = 0;
        for (int r = 0; r < rows; r++) {
            if (nonFinite[r] >= 0) {
                throw fail(file, t, "non-finite value " + master.get((long) r * cols + nonFinite[r]) + " at weight ["
                        + r + ", " + nonFinite[r] + "]");
            }
        }
        for (float s : rowScale) {
            if (Float.isNaN(s)) {
                return Float.NaN;
            }
            if (s != 0) {
                if (scale == 0) {
                    scale = s;
                } else if (s != scale) {
                    return Float.NaN;
                }
            }
        }
        return scale;
    }

    static CheckpointException fail(GgufFile file, GgufTensorInfo t, String problem) {
        return new CheckpointException(file.fileName(), t.name(), problem);
    }
}
