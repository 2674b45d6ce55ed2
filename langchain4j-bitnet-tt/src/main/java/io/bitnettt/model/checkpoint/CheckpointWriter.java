package io.bitnettt.model.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.ModelConfigJson;
import io.bitnettt.model.QuantizationConfig;
import io.bitnettt.model.StrictJson;
import io.bitnettt.safetensors.ByteSink;
import io.bitnettt.safetensors.SafetensorsDType;
import io.bitnettt.safetensors.SafetensorsIndex;
import io.bitnettt.safetensors.SafetensorsSet;
import io.bitnettt.safetensors.SafetensorsWriter;
import io.bitnettt.safetensors.SafetensorsWriter.Planned;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a model folder in the Hugging Face format: config.json, model.safetensors (or shards plus
 * model.safetensors.index.json) and optionally tokenizer.json. Tensors are streamed row by row
 * from a {@link WeightSource}, so full 2B-4T shapes are written with a few MB of heap.
 */
public final class CheckpointWriter {

    private final ModelConfig config;
    private WeightForm form = WeightForm.PACKED;
    private Path tokenizer;
    private int shards = 1;

    public CheckpointWriter(ModelConfig config) {
        this.config = config;
    }

    public CheckpointWriter form(WeightForm form) {
        this.form = form;
        return this;
    }

    /** Copies {@code tokenizerJson} into the folder as tokenizer.json. */
    public CheckpointWriter tokenizer(Path tokenizerJson) {
        this.tokenizer = tokenizerJson;
        return this;
    }

    /** Splits the tensors over {@code n} shard files with an index, as HF does for large models. */
    public CheckpointWriter shards(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("shards must be >= 1, was " + n);
        }
        this.shards = n;
        return this;
    }

    /** Writes the folder {@code dir} (created if needed) with weights from {@code source}. */
    public void write(Path dir, WeightSource source) throws IOException {
        ModelConfig written = config.withQuantization(quantizationFor(form));
        written.validate(ModelConfigJson.FILE_NAME);
        Files.createDirectories(dir);
        ModelConfigJson.write(dir.resolve(ModelConfigJson.FILE_NAME), written);
        List<Planned> plan = plan(written, source);
        if (shards == 1) {
            SafetensorsWriter.write(dir.resolve(SafetensorsSet.SINGLE_FILE), Map.of("format", "pt"), plan);
        } else {
            writeSharded(dir, plan);
        }
        if (tokenizer != null) {
            Files.copy(tokenizer, dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Writes a seeded random model; the same seed always gives the same files. */
    public void writeRandom(Path dir, long seed) throws IOException {
        write(dir, new RandomWeights(config, seed));
    }

    private QuantizationConfig quantizationFor(WeightForm f) {
        if (f == WeightForm.MASTER) {
            return QuantizationConfig.MASTER;
        }
        QuantizationConfig q = config.quantization();
        return q == null || q.online() ? QuantizationConfig.PACKED : q;
    }

    private List<Planned> plan(ModelConfig c, WeightSource src) {
        List<Planned> plan = new ArrayList<>();
        plan.add(rows(TensorNames.EMBEDDING, c.vocabSize(), c.hiddenSize(), src::embeddingRow));
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            int layer = l;
            for (LayerNorm n : LayerNorm.values()) {
                int width = n.width(c);
                plan.add(vector(TensorNames.norm(l, n), width, out -> src.norm(layer, n, out)));
            }
            for (Projection p : Projection.values()) {
                if (form == WeightForm.PACKED) {
                    plan.add(packed(TensorNames.weight(l, p), p.outFeatures(c), p.inFeatures(c),
                            (row, out) -> src.ternaryRow(layer, p, row, out)));
                    float scale = src.weightScale(l, p);
                    plan.add(new Planned(TensorNames.weightScale(l, p), SafetensorsDType.BF16, new long[]{1},
                            sink -> sink.putBf16(scale)));
                } else {
                    plan.add(rows(TensorNames.weight(l, p), p.outFeatures(c), p.inFeatures(c),
                            (row, out) -> src.masterRow(layer, p, row, out)));
                }
            }
        }
        plan.add(vector(TensorNames.FINAL_NORM, c.hiddenSize(), src::finalNorm));
        if (!c.tieWordEmbeddings()) {
            plan.add(rows(TensorNames.LM_HEAD, c.vocabSize(), c.hiddenSize(), src::lmHeadRow));
        }
        return plan;
    }

    private interface FloatRows {
        void fill(int row, float[] out);
    }

    private interface TernaryRows {
        void fill(int row, byte[] out);
    }

    private interface FloatVector {
        void fill(float[] out);
    }

    private static Planned vector(String name, int width, FloatVector fill) {
        return new Planned(name, SafetensorsDType.BF16, new long[]{width}, sink -> {
            float[] v = new float[width];
            fill.fill(v);
            putBf16(sink, v);
        });
    }

    private static Planned rows(String name, int rows, int cols, FloatRows fill) {
        return new Planned(name, SafetensorsDType.BF16, new long[]{rows, cols}, sink -> {
            float[] v = new float[cols];
            for (int r = 0; r < rows; r++) {
                fill.fill(r, v);
                putBf16(sink, v);
            }
        });
    }

    private static Planned packed(String name, int out, int in, TernaryRows fill) {
        int p = out / 4;
        return new Planned(name, SafetensorsDType.U8, new long[]{p, in}, sink -> {
            byte[][] four = new byte[4][in];
            byte[] packedRow = new byte[in];
            for (int r = 0; r < p; r++) {
                for (int i = 0; i < 4; i++) {
                    fill.fill(i * p + r, four[i]);
                    checkTernary(name, i * p + r, four[i]);
                }
                TernaryCodes.packRow(four, packedRow);
                sink.put(packedRow);
            }
        });
    }

    private static void checkTernary(String name, int row, byte[] values) {
        for (int c = 0; c < values.length; c++) {
            if (values[c] < -1 || values[c] > 1) {
                throw new IllegalArgumentException(name + "[" + row + ", " + c + "] = " + values[c]
                        + " is not ternary");
            }
        }
    }

    private static void putBf16(ByteSink sink, float[] v) throws IOException {
        for (float f : v) {
            sink.putBf16(f);
        }
    }

    private void writeSharded(Path dir, List<Planned> plan) throws IOException {
        long total = 0;
        for (Planned t : plan) {
            total += bytes(t);
        }
        long perShard = (total + shards - 1) / shards;
        List<List<Planned>> groups = new ArrayList<>();
        List<Planned> current = new ArrayList<>();
        long inCurrent = 0;
        for (Planned t : plan) {
            if (!current.isEmpty() && inCurrent + bytes(t) > perShard && groups.size() < shards - 1) {
                groups.add(current);
                current = new ArrayList<>();
                inCurrent = 0;
            }
            current.add(t);
            inCurrent += bytes(t);
        }
        groups.add(current);
        ObjectNode index = StrictJson.mapper().createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode weightMap = index.putObject("weight_map");
        for (int s = 0; s < groups.size(); s++) {
            String file = String.format("model-%05d-of-%05d.safetensors", s + 1, groups.size());
            SafetensorsWriter.write(dir.resolve(file), Map.of("format", "pt"), groups.get(s));
            for (Planned t : groups.get(s)) {
                weightMap.put(t.name(), file);
            }
        }
        Files.writeString(dir.resolve(SafetensorsIndex.FILE_NAME), StrictJson.mapper().writeValueAsString(index) + "\n");
    }

    private static long bytes(Planned t) {
        long n = t.dtype().byteSize();
        for (long d : t.shape()) {
            n *= d;
        }
        return n;
    }
}
