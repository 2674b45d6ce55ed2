package io.bitnettt.model.gguf;

import io.bitnettt.gguf.GgmlType;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.Checkpoint;
import io.bitnettt.model.checkpoint.CheckpointWriter;
import io.bitnettt.model.checkpoint.LayerNorm;
import io.bitnettt.model.checkpoint.Projection;
import io.bitnettt.model.checkpoint.RandomWeights;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A model written by {@link GgufModelWriter} reads back as the same ternary weights that the same
 * source gives through the Hugging Face writer and loader. The reader's layouts are pinned by the
 * third-party fixture files, so this checks the writer's encoders against them.
 */
class GgufModelWriterTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"I2_S", "TQ2_0", "TQ1_0", "F16"})
    void readsBackAsTheHuggingFaceWriterWroteIt(String type) throws IOException {
        // 256-wide rows: TQ blocks and I2_S groups fit; an untied output table too.
        ModelConfig config = ModelConfig.tiny(64, 2, 4, 2, 64, 512, false);
        RandomWeights source = new RandomWeights(config, 99);
        Path hfDir = dir.resolve("hf");
        new CheckpointWriter(config).write(hfDir, source);
        Path file = dir.resolve("m.gguf");
        new GgufModelWriter(config).projections(GgmlType.valueOf(type)).tables(GgmlType.BF16)
                .architecture("bitnet-b1.58").write(file, source);
        try (Checkpoint hf = Checkpoint.open(hfDir); GgufCheckpoint gguf = GgufCheckpoint.open(file)) {
            GgufFixtureWeightsTest.assertSameConfig(hf.config(), gguf.config());
            assertFalse(gguf.quantizedAtLoad());
            assertFalse(gguf.outputTied());
            for (int l = 0; l < config.numHiddenLayers(); l++) {
                for (Projection p : Projection.values()) {
                    var a = hf.layer(l).projection(p);
                    var b = gguf.layers().get(l).projection(p);
                    assertEquals(a.scale(), b.scale(), type + " " + l + " " + p);
                    assertArrayEquals(a.hfPacked().toArray(ValueLayout.JAVA_BYTE), b.hfPacked().toArray(ValueLayout.JAVA_BYTE),
                            type + " " + l + " " + p);
                }
                for (LayerNorm n : LayerNorm.values()) {
                    float[] expected = new float[n.width(config)];
                    source.norm(l, n, expected);
                    assertArrayEquals(expected, gguf.layers().get(l).norm(n).toFloatArray());
                }
            }
            assertArrayEquals(hf.embedding().data().toArray(ValueLayout.JAVA_BYTE),
                    gguf.embedding().data().toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(hf.outputWeight().data().toArray(ValueLayout.JAVA_BYTE),
                    gguf.outputWeight().data().toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
