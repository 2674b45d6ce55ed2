package io.bitnettt.model.gguf;

import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.Checkpoint;
import io.bitnettt.model.checkpoint.HostTensor;
import io.bitnettt.model.checkpoint.LayerNorm;
import io.bitnettt.model.checkpoint.LayerWeights;
import io.bitnettt.model.checkpoint.PackedTernary;
import io.bitnettt.model.checkpoint.Projection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each GGUF of the fixture, made by bitnet.cpp's or llama.cpp's own tools, decodes to exactly the
 * weights the Hugging Face folder holds: every ternary code, every scale bit, every norm and
 * embedding value. The HF folder is read by the existing safetensors path, so the two loaders
 * check each other against files neither wrote.
 */
class GgufFixtureWeightsTest {

    @ParameterizedTest
    @ValueSource(strings = {"f16", "i2_s", "tq2_0", "tq1_0"})
    void decodesToTheHuggingFaceWeightsBitForBit(String kind) {
        try (Checkpoint hf = Checkpoint.open(GgufFixture.hf());
             GgufCheckpoint gguf = GgufCheckpoint.open(GgufFixture.gguf(kind))) {
            assertSameConfig(hf.config(), gguf.config());
            assertEquals("bitnet", gguf.architecture());
            assertTrue(gguf.outputTied());
            assertFalse(gguf.quantizedAtLoad(), "every projection is exactly ternary, F16 master included");
            assertTrue(gguf.warnings().isEmpty(), gguf.warnings().toString());
            for (int l = 0; l < hf.layerCount(); l++) {
                LayerWeights a = hf.layer(l);
                LayerWeights b = gguf.layers().get(l);
                for (Projection p : Projection.values()) {
                    PackedTernary x = a.projection(p);
                    PackedTernary y = b.projection(p);
                    String what = kind + " layer " + l + " " + p;
                    assertEquals(x.out(), y.out(), what);
                    assertEquals(x.in(), y.in(), what);
                    assertEquals(Float.floatToRawIntBits(x.scale()), Float.floatToRawIntBits(y.scale()),
                            what + " scale " + x.scale() + " vs " + y.scale());
                    assertArrayEquals(x.hfPacked().toArray(ValueLayout.JAVA_BYTE), y.hfPacked().toArray(ValueLayout.JAVA_BYTE),
                            what + " codes");
                }
                for (LayerNorm n : LayerNorm.values()) {
                    assertSameValues(a.norm(n), b.norm(n));
                }
            }
            assertSameValues(hf.finalNorm(), gguf.finalNorm());
            assertSameValues(hf.embedding(), gguf.embedding());
        }
    }

    static void assertSameConfig(ModelConfig hf, ModelConfig gguf) {
        assertEquals(hf.vocabSize(), gguf.vocabSize());
        assertEquals(hf.hiddenSize(), gguf.hiddenSize());
        assertEquals(hf.intermediateSize(), gguf.intermediateSize());
        assertEquals(hf.numHiddenLayers(), gguf.numHiddenLayers());
        assertEquals(hf.numAttentionHeads(), gguf.numAttentionHeads());
        assertEquals(hf.numKeyValueHeads(), gguf.numKeyValueHeads());
        assertEquals(hf.headDim(), gguf.headDim());
        assertEquals(hf.maxPositionEmbeddings(), gguf.maxPositionEmbeddings());
        // GGUF stores eps as f32; the engine computes with the float either way.
        assertEquals((float) hf.rmsNormEps(), (float) gguf.rmsNormEps());
        assertEquals(hf.ropeTheta(), gguf.ropeTheta());
        assertEquals(hf.tieWordEmbeddings(), gguf.tieWordEmbeddings());
        assertEquals(hf.bosTokenId(), gguf.bosTokenId());
        assertEquals(hf.eosTokenIds(), gguf.eosTokenIds());
        assertEquals(hf.hiddenAct(), gguf.hiddenAct());
    }

    private static void assertSameValues(HostTensor hf, HostTensor gguf) {
        assertArrayEquals(hf.shape(), gguf.shape(), hf.name() + " vs " + gguf.name());
        float[] a = hf.toFloatArray();
        float[] b = gguf.toFloatArray();
        for (int i = 0; i < a.length; i++) {
            assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]),
                    hf.name() + " vs " + gguf.name() + " at " + i + ": " + a[i] + " vs " + b[i]);
        }
    }
}
