package io.bitnettt.estimate;

import io.bitnettt.model.ModelConfig;
import io.bitnettt.tt.roofline.DecodeCounts;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The per-token counts of the engine's decode step through the TT-NN shim over the count-only host
 * double, against a hand computation for a tiny model. Hidden size and head dimension are multiples
 * of the tile, as BitNet's are; vocab and intermediate size are not, so tile padding is exercised.
 */
class EmulatorDecodeCountsTest {
    /**
     * vocab 100, 2 layers, 4 heads of 32 (hidden 128), 2 KV heads (kvDim 64), intermediate 96, tied,
     * max_position_embeddings 256 (the KV cache size).
     */
    static final ModelConfig TINY = ModelConfig.tiny(100, 2, 4, 2, 32, 96, true);

    /*
     * By hand, for a token at positions 8..11. A 32x32 tile: bfloat4_b 576 B, bf16 2048 B, F32 4096 B.
     *
     * TT-NN programs the shim runs per token (native/shim/src/primitives.cpp):
     *   embedding: embedding, typecast to F32, slice of the 32 padded rows, copy              =   4
     *   per layer: 4 rms_norm x (norm + copy) = 8; ternary linears: quantization (abs, bitcast, max,
     *     bitcast, clamp, reciprocal, multiply, multiply, round, clamp, typecast, multiply) 12 per call
     *     + 3 per weight (linear, multiply, multiply): QKV 21, O 15, gate/up 18, down 15 = 69;
     *     2 rotary x (2 x (embedding, typecast, slice) + reshape, linear, 2 multiply, add, reshape,
     *     copy) = 26; 2 cache updates x (reshape, interleaved_to_sharded, paged_update_cache) = 6;
     *     attention: typecast, reshape into DRAM, SDPA decode, reshape, typecast, copy = 6;
     *     relu2 gate 3; 2 adds                                                                 = 120
     *   final norm 2, output projection 1, argmax 1                                            =   4
     *   total 4 + 2 x 120 + 4                                                                  = 248
     *   (36 fused primitives of the C ABI: embedding, 2 x 16 per layer, norm, projection, argmax)
     *
     * DRAM reads:
     *   ternary weights, tiles per layer: q [128,128] 16, k and v [64,128] 8 each, o 16, gate and up
     *     [96,128] 12 each, down [128,96] 12: 84 x 576 x 2 layers                               =  96,768
     *   output projection, bf16 [100,128] padded to 128x128: 16 tiles x 2048                  =  32,768
     *   embedding: padded ids UINT32 [1, 32] 128 B + 32 rows of the bf16 table x 256 B        =   8,320
     *   norms, F32 [n] = one 32-row tile row: [128] 16,384, [96] 12,288;
     *     per layer 3 x 16,384 + 12,288; x 2 + final 16,384                                    = 139,264
     *   rotary, per call: cos and sin (128 B ids + 32 rows x 64 B) + the bf16 rotate-half matrix
     *     [32,32] 2048 = 6,400; 2 calls x 2 layers                                              =  25,600
     *   cache updates: each of 2 heads' tile row (2048 B) read, x K and V, + INT32 position 4 B,
     *     x 2 layers                                                                            =  16,400
     *   attention: K and V, S = 256 gives one chunk of 256 rows: 2 heads x 8 tile rows x 2048
     *     each = 65,536; Q [1,1,4,32] bf16 from DRAM 2,048; position 4; x 2 layers              = 135,176
     *   argmax reads the logits, F32 [1,100] padded to 32x128: 4 tiles x 4096                  =  16,384
     *                                                                                   total = 470,680
     * DRAM writes: cache tile rows 2 x 2 x 2048 x 2 layers = 16,384; Q into DRAM 2,048 x 2 = 4,096;
     *   logits 16,384; argmax result UINT32 [1] 4                                               =  36,868
     * Host<->device: token id (4 B + 4 B into its padded copy) and position (4 B + its padded
     *   copy 4 B + its INT32 copy 4 B) in: 20 B; argmax id out: 4 B                             =      24
     */
    @Test
    void perTokenCountsMatchTheHandComputation() {
        EmulatorDecodeCounts.Measurement m = EmulatorDecodeCounts.measure(TINY, 8, 2, 4);
        DecodeCounts c = m.perToken();
        assertEquals(248, c.ops(), m.total().toString());
        assertEquals(4 * 36, m.total().abiCalls(), m.total().toString());
        assertEquals(470_680, c.dramBytesRead(), m.total().toString());
        assertEquals(36_868, c.dramBytesWritten(), m.total().toString());
        assertEquals(24, c.hostDeviceBytes(), m.total().toString());
        assertEquals(1, c.traceReplays(), m.total().toString());
        // The measured tokens were pure replays: every total is exactly 4 tokens' worth.
        assertEquals(4 * 248, m.total().ops());
        assertEquals(4 * 470_680, m.total().dramBytesRead());
        assertEquals(0, m.total().allocations());
        assertEquals(0, m.total().layoutConversions());
        assertEquals(4L * 2 * 2, m.opStats().get("op:ttnn::experimental::paged_update_cache"), m.opStats().toString());
        assertEquals(4L * 2, m.opStats().get("op:ttnn::transformer::scaled_dot_product_attention_decode"));
        // Not counted by the host double: 2 x (layers x (128x128 q + 2x64x128 k,v + 128x128 o + 3x96x128
        // gate,up,down) + 100x128 lm_head) = 2 x (2 x 86,016 + 12,800).
        assertEquals(369_664, c.matmulFlops());
    }

    @Test
    void theAnalyticModelPlusItsItemizedGapIsTheHostDoublesCount() {
        EmulatorDecodeCounts.Measurement m = EmulatorDecodeCounts.measure(TINY, 8, 2, 4);
        // Analytic: 96,768 ternary + 100x128x2 = 25,600 lm_head + 256 embedding row
        // + K and V rows 0..p at 4 B: 2 x 2 layers x 64 x 4 x (9+10+11+12)/4 = 10,752.
        assertEquals(133_376, m.analyticBytesReadPerToken());
        long gap = AnalyticGap.reads(m.dims(), m.context(), m.tokens()).stream().mapToLong(AnalyticGap.Item::bytes).sum();
        assertEquals(470_680 - 133_376, gap);
    }

    @Test
    void contextBeyondTheCacheIsRefusedNamingTheLimit() {
        var e = assertThrows(IllegalArgumentException.class, () -> EmulatorDecodeCounts.measure(TINY, 250, 1, 8));
        assertTrue(e.getMessage().contains("max_position_embeddings 256") && e.getMessage().contains("248"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EmulatorDecodeCounts.measure(TINY, 8, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> EmulatorDecodeCounts.measure(TINY, 8, 1, 0));
    }
}
