package io.bitnettt.model.gguf;

import io.bitnettt.gguf.GgmlType;
import io.bitnettt.gguf.GgufWriter;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.LayerNorm;
import io.bitnettt.model.checkpoint.Projection;
import io.bitnettt.model.checkpoint.WeightSource;
import io.bitnettt.safetensors.HalfFloats;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Writes a BitNet b1.58 model as one GGUF file with the layout bitnet.cpp's and llama.cpp's tools
 * produce: {@code <arch>.*} hyper-parameters, the BOS/EOS ids, F16 (or BF16) token embedding, F32
 * norms, and the seven projections of each block as I2_S, TQ1_0, TQ2_0 or F16. Tensors stream row
 * by row from a {@link WeightSource}, so a full 2B-4T file is written with a few MB of heap; the
 * load benchmark uses it. It writes no tokenizer: a file from here opens as a
 * {@link GgufCheckpoint}, not as a complete model for {@code BitNetModel}.
 *
 * <p>TQ types store each block's scale as f16, so a scale that f16 cannot hold exactly is rounded;
 * BitNet's bf16 scales fit f16 exactly.
 */
public final class GgufModelWriter {

    private final ModelConfig config;
    private GgmlType projections = GgmlType.I2_S;
    private GgmlType table = GgmlType.F16;
    private String architecture = "bitnet";

    public GgufModelWriter(ModelConfig config) {
        this.config = config;
    }

    /** I2_S (default), TQ1_0, TQ2_0 or F16. */
    public GgufModelWriter projections(GgmlType type) {
        if (type != GgmlType.I2_S && type != GgmlType.TQ1_0 && type != GgmlType.TQ2_0 && type != GgmlType.F16) {
            throw new IllegalArgumentException("projections can be written as I2_S, TQ1_0, TQ2_0 or F16, not " + type);
        }
        this.projections = type;
        return this;
    }

    /** F16 (default, as the tools write it) or BF16 for the embedding and an untied output. */
    public GgufModelWriter tables(GgmlType type) {
        if (type != GgmlType.F16 && type != GgmlType.BF16) {
            throw new IllegalArgumentException("tables can be written as F16 or BF16, not " + type);
        }
        this.table = type;
        return this;
    }

    /** One of {@link GgufModelConfig#ARCHITECTURES}; default {@code bitnet}. */
    public GgufModelWriter architecture(String arch) {
        if (!GgufModelConfig.ARCHITECTURES.contains(arch)) {
            throw new IllegalArgumentException("architecture must be one of " + GgufModelConfig.ARCHITECTURES);
        }
        this.architecture = arch;
        return this;
    }

    public void write(Path file, WeightSource source) throws IOException {
        ModelConfig c = config.validate("GgufModelWriter");
        String p = architecture + ".";
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", architecture)
                .putString("general.name", "bitnet-tt synthetic")
                .putUint32(p + "vocab_size", c.vocabSize())
                .putUint32(p + "context_length", c.maxPositionEmbeddings())
                .putUint32(p + "embedding_length", c.hiddenSize())
                .putUint32(p + "feed_forward_length", c.intermediateSize())
                .putUint32(p + "block_count", c.numHiddenLayers())
                .putUint32(p + "attention.head_count", c.numAttentionHeads())
                .putUint32(p + "attention.head_count_kv", c.numKeyValueHeads())
                .putUint32(p + "rope.dimension_count", c.headDim())
                .putFloat32(p + "rope.freq_base", (float) c.ropeTheta())
                .putFloat32(p + "attention.layer_norm_rms_epsilon", (float) c.rmsNormEps())
                .putUint32("tokenizer.ggml.bos_token_id", c.bosTokenId())
                .putUint32("tokenizer.ggml.eos_token_id", c.eosTokenIds().getFirst());
        w.tensor(GgufTensorNames.EMBEDDING, table, new long[] {c.hiddenSize(), c.vocabSize()},
                out -> rows(out, c.vocabSize(), c.hiddenSize(), source::embeddingRow));
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            int layer = l;
            for (LayerNorm n : LayerNorm.values()) {
                int width = n.width(c);
                w.tensor(GgufTensorNames.norm(l, n), GgmlType.F32, new long[] {width}, out -> {
                    float[] v = new float[width];
                    source.norm(layer, n, v);
                    f32(out, v);
                });
            }
            for (Projection pr : Projection.values()) {
                int rows = pr.outFeatures(c);
                int cols = pr.inFeatures(c);
                w.tensor(GgufTensorNames.weight(l, pr), projections, new long[] {cols, rows},
                        out -> projection(out, source, layer, pr, rows, cols));
            }
        }
        w.tensor(GgufTensorNames.FINAL_NORM, GgmlType.F32, new long[] {c.hiddenSize()}, out -> {
            float[] v = new float[c.hiddenSize()];
            source.finalNorm(v);
            f32(out, v);
        });
        if (!c.tieWordEmbeddings()) {
            w.tensor(GgufTensorNames.OUTPUT, table, new long[] {c.hiddenSize(), c.vocabSize()},
                    out -> rows(out, c.vocabSize(), c.hiddenSize(), source::lmHeadRow));
        }
        w.write(file);
    }

    private void projection(OutputStream out, WeightSource source, int layer, Projection pr, int rows, int cols)
            throws IOException {
        float scale = source.weightScale(layer, pr);
        byte[] values = new byte[cols];
        for (int r = 0; r < rows; r++) {
            source.ternaryRow(layer, pr, r, values);
            switch (projections) {
                case I2_S -> out.write(TernaryEncoder.i2s(values));
                case TQ2_0 -> out.write(TernaryEncoder.tq2(values, scale));
                case TQ1_0 -> out.write(TernaryEncoder.tq1(values, scale));
                default -> {
                    ByteBuffer b = ByteBuffer.allocate(cols * 2).order(ByteOrder.LITTLE_ENDIAN);
                    for (byte v : values) {
                        b.putShort(Float.floatToFloat16(v * scale));
                    }
                    out.write(b.array());
                }
            }
        }
        if (projections == GgmlType.I2_S) {
            out.write(TernaryEncoder.i2sTrailer(scale));
        }
    }

    private interface Rows {
        void fill(int row, float[] out);
    }

    private void rows(OutputStream out, int rows, int cols, Rows fill) throws IOException {
        float[] v = new float[cols];
        ByteBuffer b = ByteBuffer.allocate(cols * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            fill.fill(r, v);
            b.clear();
            for (float f : v) {
                b.putShort(table == GgmlType.BF16 ? HalfFloats.floatToBf16(f) : Float.floatToFloat16(f));
            }
            out.write(b.array());
        }
    }

    private static void f32(OutputStream out, float[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        out.write(b.array());
    }
}
