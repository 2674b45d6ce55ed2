package io.bitnettt.model.checkpoint;

import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.ModelConfigJson;
import io.bitnettt.model.QuantizationConfig;
import io.bitnettt.model.ScaleRule;
import io.bitnettt.safetensors.SafetensorsDType;
import io.bitnettt.safetensors.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointRoundTripTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "tied={0}")
    @ValueSource(booleans = {true, false})
    void packedWeightsComeBackExactly(boolean tied) throws Exception {
        ModelConfig config = Fixtures.tiny(tied);
        RandomWeights weights = new RandomWeights(config, 42);
        new CheckpointWriter(config).write(dir, weights);

        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertEquals(config, ckpt.config());
            assertFalse(ckpt.quantizedAtLoad());
            assertEquals(config.numHiddenLayers(), ckpt.layerCount());
            int[] counts = new int[3];
            for (int l = 0; l < config.numHiddenLayers(); l++) {
                LayerWeights layer = ckpt.layer(l);
                assertEquals(l, layer.index());
                for (Projection p : Projection.values()) {
                    PackedTernary t = layer.projection(p);
                    int out = p.outFeatures(config);
                    int in = p.inFeatures(config);
                    assertEquals(out, t.out());
                    assertEquals(in, t.in());
                    assertTrue(t.hfPacked().isMapped(), "packed weights are a view of the mapped file");
                    assertEquals(weights.weightScale(l, p), t.scale(), p + " scale");
                    int[][] got = Fixtures.decode(t);
                    byte[] expected = new byte[in];
                    for (int r = 0; r < out; r++) {
                        weights.ternaryRow(l, p, r, expected);
                        for (int c = 0; c < in; c++) {
                            assertEquals(expected[c], got[r][c], p + " layer " + l + " [" + r + "," + c + "]");
                            assertEquals(expected[c], t.value(r, c));
                            counts[expected[c] + 1]++;
                        }
                    }
                }
                for (LayerNorm n : LayerNorm.values()) {
                    float[] expected = new float[n.width(config)];
                    weights.norm(l, n, expected);
                    assertNormEquals(expected, layer.norm(n));
                }
            }
            // Realistic statistics: each ternary value is about a third of the weights.
            int total = counts[0] + counts[1] + counts[2];
            for (int c : counts) {
                assertEquals(1.0 / 3, (double) c / total, 0.05);
            }
            float[] finalNorm = new float[config.hiddenSize()];
            weights.finalNorm(finalNorm);
            assertNormEquals(finalNorm, ckpt.finalNorm());

            HostTensor emb = ckpt.embedding();
            assertEquals(SafetensorsDType.BF16, emb.dtype());
            assertArrayEquals(new long[]{config.vocabSize(), config.hiddenSize()}, emb.shape());
            float[] row = new float[config.hiddenSize()];
            for (int tok = 0; tok < config.vocabSize(); tok++) {
                weights.embeddingRow(tok, row);
                for (int c = 0; c < row.length; c++) {
                    assertEquals(Fixtures.roundToBf16(row[c]), emb.get((long) tok * row.length + c));
                }
            }
            assertEquals(tied, ckpt.outputTied());
            if (tied) {
                assertSame(emb, ckpt.outputWeight());
            } else {
                weights.lmHeadRow(3, row);
                assertEquals(Fixtures.roundToBf16(row[5]), ckpt.outputWeight().get(3L * row.length + 5));
            }
            assertTrue(ckpt.warnings().isEmpty(), ckpt.warnings().toString());
        }
    }

    private static void assertNormEquals(float[] expected, HostTensor got) {
        assertEquals(expected.length, got.elementCount());
        float[] g = got.toFloatArray();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Fixtures.roundToBf16(expected[i]), g[i], got.name() + "[" + i + "]");
            assertEquals(1f, g[i], 0.06f, "norms are near 1");
        }
    }

    @Test
    void masterWeightsAreQuantizedWithAbsmean() throws Exception {
        ModelConfig config = Fixtures.tiny(true);
        RandomWeights weights = new RandomWeights(config, 5);
        new CheckpointWriter(config).form(WeightForm.MASTER).write(dir, weights);
        assertTrue(ModelConfigJson.read(dir.resolve("config.json")).quantization().online());
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertTrue(ckpt.quantizedAtLoad());
            for (int l = 0; l < config.numHiddenLayers(); l++) {
                for (Projection p : Projection.values()) {
                    int out = p.outFeatures(config);
                    int in = p.inFeatures(config);
                    // Straightforward absmean on the bf16 values the writer stored.
                    float[][] w = new float[out][in];
                    double sum = 0;
                    for (int r = 0; r < out; r++) {
                        weights.masterRow(l, p, r, w[r]);
                        for (int c = 0; c < in; c++) {
                            w[r][c] = Fixtures.roundToBf16(w[r][c]);
                            sum += Math.abs(w[r][c]);
                        }
                    }
                    float mean = (float) (sum / ((double) out * in));
                    float sw = 1f / Math.max(mean, 1e-5f);
                    PackedTernary t = ckpt.layer(l).projection(p);
                    assertEquals(1f / sw, t.scale(), p + " scale");
                    int[][] got = Fixtures.decode(t);
                    for (int r = 0; r < out; r++) {
                        for (int c = 0; c < in; c++) {
                            long q = Math.round(Math.rint(w[r][c] * sw));
                            int expected = (int) Math.max(-1, Math.min(1, q));
                            assertEquals(expected, got[r][c], p + " [" + r + "," + c + "]");
                        }
                    }
                }
            }
        }
    }

    @Test
    void shardedCheckpointLoads() throws Exception {
        ModelConfig config = Fixtures.tiny(false);
        RandomWeights weights = new RandomWeights(config, 9);
        new CheckpointWriter(config).shards(3).write(dir, weights);
        assertTrue(Files.exists(dir.resolve("model.safetensors.index.json")));
        assertTrue(Files.exists(dir.resolve("model-00003-of-00003.safetensors")));
        assertFalse(Files.exists(dir.resolve("model.safetensors")));
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            byte[] row = new byte[config.hiddenSize()];
            weights.ternaryRow(1, Projection.K, 13, row);
            for (int c = 0; c < row.length; c++) {
                assertEquals(row[c], ckpt.layer(1).k().value(13, c));
            }
            assertEquals(weights.weightScale(1, Projection.DOWN), ckpt.layer(1).down().scale());
        }
    }

    @Test
    void legacyBitlinearScalesAreInverted() throws Exception {
        ModelConfig config = Fixtures.tiny(true).withQuantization(new QuantizationConfig("bitnet", "bitlinear", null, null));
        RandomWeights weights = new RandomWeights(config, 3);
        new CheckpointWriter(config).write(dir, weights);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertEquals(ScaleRule.DIVIDE, ckpt.config().quantization().scaleRule());
            assertEquals(1f / weights.weightScale(0, Projection.Q), ckpt.layer(0).q().scale());
        }
    }

    @Test
    void tokenizerIsCopied() throws Exception {
        Path tok = Files.writeString(dir.resolve("tok-src.json"), "{\"model\":{}}");
        Path model = dir.resolve("model");
        new CheckpointWriter(Fixtures.tiny(true)).tokenizer(tok).writeRandom(model, 1);
        assertEquals("{\"model\":{}}", Files.readString(model.resolve("tokenizer.json")));
    }

    @Test
    void sameSeedSameFile() throws Exception {
        new CheckpointWriter(Fixtures.tiny(true)).writeRandom(dir.resolve("a"), 77);
        new CheckpointWriter(Fixtures.tiny(true)).writeRandom(dir.resolve("b"), 77);
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/model.safetensors")),
                Files.readAllBytes(dir.resolve("b/model.safetensors")));
    }

    @Test
    void writesTheHfTensorSet() throws Exception {
        ModelConfig config = Fixtures.tiny(true);
        new CheckpointWriter(config).writeRandom(dir, 1);
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertEquals(1 + 1 + config.numHiddenLayers() * (4 + 7 + 7), f.names().size());
            assertEquals(SafetensorsDType.U8, f.entry("model.layers.0.self_attn.k_proj.weight").dtype());
            assertArrayEquals(new long[]{config.kvDim() / 4, config.hiddenSize()},
                    f.entry("model.layers.0.self_attn.k_proj.weight").shape());
            assertArrayEquals(new long[]{config.hiddenSize() / 4, config.intermediateSize()},
                    f.entry("model.layers.1.mlp.down_proj.weight").shape());
            assertEquals(SafetensorsDType.BF16, f.entry("model.layers.0.mlp.up_proj.weight_scale").dtype());
            assertArrayEquals(new long[]{1}, f.entry("model.layers.0.mlp.up_proj.weight_scale").shape());
            assertFalse(f.contains("lm_head.weight"));
            assertEquals("pt", f.metadata().get("format"));
        }
    }

    @Test
    void closeInvalidatesSegments() throws Exception {
        new CheckpointWriter(Fixtures.tiny(true)).writeRandom(dir, 1);
        Checkpoint ckpt = Checkpoint.open(dir);
        var seg = ckpt.layer(0).q().hfPacked();
        ckpt.close();
        assertTrue(ckpt.isClosed());
        assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0));
        ckpt.close();
    }
}
