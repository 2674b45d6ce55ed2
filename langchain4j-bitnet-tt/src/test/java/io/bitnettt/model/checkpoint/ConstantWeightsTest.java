package io.bitnettt.model.checkpoint;

import io.bitnettt.model.ModelConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ConstantWeightsTest {
    @Test
    void everyTensorHasTheConfigsShapeAndTheStatedConstant() {
        // hidden 4 x 8 = 32, kvDim 16, intermediate 48, vocab 20, untied.
        ModelConfig c = ModelConfig.tiny(20, 3, 4, 2, 8, 48, false);
        try (ConstantWeights w = new ConstantWeights(c)) {
            assertEquals(3, w.layers().size());
            LayerWeights l = w.layers().get(2);
            assertEquals(2, l.index());
            long[][] outIn = {{32, 32}, {16, 32}, {16, 32}, {32, 32}, {48, 32}, {48, 32}, {32, 48}};
            for (Projection p : Projection.values()) {
                PackedTernary t = l.projection(p);
                assertArrayEquals(outIn[p.ordinal()], new long[] {t.out(), t.in()}, p.name());
                assertEquals(1f, t.scale());
                assertEquals(0, t.value(t.out() - 1, t.in() - 1), p.name());
                assertEquals(0, t.value(0, 0), p.name());
            }
            assertArrayEquals(new long[] {48}, l.ffnSubNorm().shape());
            assertArrayEquals(new long[] {32}, l.inputNorm().shape());
            assertEquals(1f, l.ffnSubNorm().get(47));
            assertEquals("model.layers.2.mlp.ffn_sub_norm.weight", l.ffnSubNorm().name());
            assertArrayEquals(new long[] {20, 32}, w.embedding().shape());
            assertEquals(0f, w.embedding().get(20 * 32 - 1));
            assertFalse(w.outputTied());
            assertEquals(TensorNames.LM_HEAD, w.outputWeight().name());
            assertArrayEquals(new long[] {32}, w.finalNorm().shape());
        }
        try (ConstantWeights tied = new ConstantWeights(c.withTieWordEmbeddings(true))) {
            assertTrue(tied.outputTied());
            assertSame(tied.embedding(), tied.outputWeight());
        }
    }
}
