package io.bitnettt.estimate;

import io.bitnettt.model.ModelConfig;
import io.bitnettt.tt.roofline.DecodeCounts;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The per-token counts of the engine's decode step through the TT-NN shim over the count-only host
 * double: against a hand computation for a tiny model, and as counts at the full 2B-4T shapes. Hidden
 * size and head dimension are multiples of the tile, as BitNet's are; vocab and intermediate size of
 * the tiny model are not, so tile padding is exercised.
 */
class EmulatorDecodeCountsTest {
    /**
     * vocab 100, 2 layers, 4 heads of 32 (hidden 128), 2 KV heads (kvDim 64), intermediate 96, tied,
     * max_position_embeddings 256 (the KV cache size).
     */
    static final ModelConfig TINY = ModelConfig.tiny(100, 2, 4, 2, 32, 96, true);

    /** The TT-NN ops of one layer of the shim's decode step (native/shim/src/recipe.cpp), by name. */
    static final Map<String, Integer> PER_LAYER = Map.ofEntries(
            Map.entry("ttnn::rms_norm", 4),                      // input, attention sub-, post-attention, FFN sub-norm
            Map.entry("ttnn::moreh_norm", 4),                    // absmax of each of the four quantized inputs
            Map.entry("ttnn::divide", 4),                        // int8 codes (FLOAT32) of each quantized input
            Map.entry("ttnn::multiply", 2),                      // QKV dequantization, relu² product
            Map.entry("ttnn::linear", 5),                        // fused QKV, WO, FF1, FF3, FF2 (DRAM-sharded)
            Map.entry("ttnn::addcmul", 2),                       // dequantization + residual add, after WO and FF2
            Map.entry("ttnn::experimental::nlp_create_qkv_heads_decode", 1),
            Map.entry("ttnn::experimental::rotary_embedding_hf", 2),  // q and k
            Map.entry("ttnn::experimental::paged_fused_update_cache", 1),
            Map.entry("ttnn::transformer::scaled_dot_product_attention_decode", 1),
            Map.entry("ttnn::interleaved_to_sharded", 1),        // SDPA's interleaved output (GQA) onto the heads' core
            Map.entry("ttnn::experimental::nlp_concat_heads_decode", 1));
    static final int OPS_PER_LAYER = PER_LAYER.values().stream().mapToInt(Integer::intValue).sum();

    /*
     * By hand, for a token at positions 8..11. A 32x32 tile: bfloat4_b 576 B, bfloat8_b 1088 B, bf16 2048 B.
     *
     * TT-NN programs per token: 28 per layer (PER_LAYER) x 2 = 56; outside the layers: embedding of the token,
     *   its reshard onto the residual's 4 cores, cos and sin gathered (2 embeddings) and sharded onto Q's and
     *   K's cores (4), the final norm, the LM head in one chunk and its sharded_to_interleaved, argmax,
     *   plus_one on the position's INT32 copy and ids = 1 + 1 + 2 + 4 + 1 + 2 + 1 + 2 = 14; total 70.
     *   (37 fused primitives of the C ABI: embedding, 2 x 16 per layer, norm, projection, argmax, plus_one.)
     *
     * DRAM reads (activations, logits and the LM head's output stay in L1):
     *   per layer: gammas as bf16 sticks 3 x 256 + 192 = 960; ternary weights, pre-transposed: QKV [128, 256]
     *     32 tiles, WO 16, FF1 and FF3 [128, 96] 12 each, FF2 [96, 128] 12 = 84 x 576 = 48,384; fused cache
     *     update: the index 4 + each of 2 heads' bfloat8_b tile row of K and V 4 x 1088 = 4,356; SDPA decode:
     *     K and V in one chunk of 128 rows, 2 heads x 4 tile rows x 1088 x 2 = 17,408, + the position 4;
     *     nlp_create_qkv_heads_decode's INT32 batch offset 4                                 = 71,116
     *   embedding: the token's 32 ids 128 B + 32 bf16 rows x 256 B                             =  8,320
     *   cos and sin: 2 x (32 ids 128 B + 32 rows x 64 B)                                       =  4,352
     *   final gamma 256; LM head [128, 100] in bfloat8_b: 4 x 4 tiles x 1088 = 17,408           = 17,664
     *   plus_one reads the ids (128 B) and the INT32 copy (4 B)                                 =    132
     *   total 2 x 71,116 + 8,320 + 4,352 + 17,664 + 132                                         = 172,700
     * DRAM writes: K and V tile rows 4 x 1088 x 2 layers = 8,704; plus_one 128 + 4; argmax's ids 128 = 8,964
     * Host<->device: nothing in (the step's argmax is the next input, the position advances on the device);
     *   the 4-byte token out.
     */
    @Test
    void perTokenCountsMatchTheHandComputation() {
        EmulatorDecodeCounts.Measurement m = EmulatorDecodeCounts.measure(TINY, 8, 2, 4);
        DecodeCounts c = m.perToken();
        assertEquals(28, OPS_PER_LAYER);
        assertEquals(OPS_PER_LAYER, m.opsPerLayer(), "measured against the one-layer model");
        assertEquals(14, m.opsOutsideLayers());
        assertEquals(70, c.ops(), m.total().toString());
        assertEquals(4 * 37, m.total().abiCalls(), m.total().toString());
        assertEquals(172_700, c.dramBytesRead(), m.total().toString());
        assertEquals(8_964, c.dramBytesWritten(), m.total().toString());
        assertEquals(0, m.total().hostToDeviceBytes(), m.total().toString());
        assertEquals(4 * 4, m.total().deviceToHostBytes(), m.total().toString());
        assertEquals(1, c.traceReplays(), m.total().toString());
        assertEquals(4 * 70, m.total().ops());
        assertEquals(0, m.total().allocations());
        assertEquals(0, m.total().layoutConversions());
        assertEquals(4L * 2, m.opStats().get("op:ttnn::experimental::paged_fused_update_cache"), m.opStats().toString());
        assertEquals(4L * 2, m.opStats().get("op:ttnn::transformer::scaled_dot_product_attention_decode"));
        // Not counted by the host double: 2 x (layers x (128x128 q + 2x64x128 k,v + 128x128 o + 3x96x128
        // gate,up,down) + 100x128 lm_head) = 2 x (2 x 86,016 + 12,800).
        assertEquals(369_664, c.matmulFlops());
    }

    @Test
    void theAnalyticModelPlusItsItemizedGapIsTheHostDoublesCount() {
        EmulatorDecodeCounts.Measurement m = EmulatorDecodeCounts.measure(TINY, 8, 2, 4);
        // Analytic: 96,768 ternary + 4 x 4 bfloat8_b tiles 17,408 lm_head + 256 embedding row
        // + bfloat8_b K and V rows 0..p: 2 x 2 layers x 64 x 1088/1024 x (9+10+11+12)/4 = 2,856.
        assertEquals(117_288, m.analyticBytesReadPerToken());
        long gap = AnalyticGap.reads(m.dims(), m.context(), m.tokens()).stream().mapToLong(AnalyticGap.Item::bytes).sum();
        assertEquals(172_700 - 117_288, gap);
    }

    /** The TT-NN ops of a token outside the layers, by name (recipe.cpp: decode_embedding, rope_rows, final norm,
     * decode_output_projection, decode_argmax, btt_plus_one). */
    static final Map<String, Integer> OUTSIDE_2B4T = Map.ofEntries(
            Map.entry("ttnn::embedding", 3),                     // the token's row; cos and sin rows of the position
            Map.entry("ttnn::interleaved_to_sharded", 5),        // the token's row onto the residual's cores; cos and
                                                                 // sin onto Q's and K's cores
            Map.entry("ttnn::rms_norm", 1),                      // the final norm
            Map.entry("ttnn::linear", 4),                        // the LM head's 4 bfloat8_b column chunks
            Map.entry("ttnn::concat", 1),                        // their sharded outputs side by side
            Map.entry("ttnn::sharded_to_interleaved", 1),        // the logits for argmax
            Map.entry("ttnn::argmax", 1),                        // into the next step's token ids
            Map.entry("ttnn::experimental::plus_one", 2));       // the position's INT32 copy and its ids

    /**
     * The numbers, asserted as counts on the count-only host double at the full 2B-4T shapes
     * (nothing stored, about 2 GB of bookkeeping) and the 128 tokens of context they name:
     * <ul>
     *   <li>TT-NN ops: 28 per layer (measured against a one-layer model), 18 outside the layers, 858 per
     *       token. The targets (at most 25 and 800) are NOT met: BitNet's layer has what a Llama layer of
     *       the same recipe (17 ops: 2 norms, 5 linears, the gate multiply, 2 residual adds, heads, 2
     *       rotary, cache update, SDPA, reshard, concat heads) has, plus two sub-norms, an absmax and a
     *       divide into codes before each of the 4 quantized inputs (QKV, WO, FF1/FF3, FF2) and one
     *       dequantizing multiply of QKV: 11 more (the WO and FF2 dequantizations ride on the residual adds,
     *       addcmul; FF1/FF3's on the gate multiply and the sub-norm). No
     *       TT-NN op at 622c6fb9 computes a per-token absmax and int8 codes together (the nearest,
     *       experimental deepseek_prefill per_token_cast_to_fp8, casts 128-wide blocks to e4m3 from DRAM
     *       ROW_MAJOR), or takes a tensor factor inside another op's fused activations, so each
     *       quantization costs 2 ops; 28 x 30 layers alone is 840, past 800.</li>
     *   <li>DRAM per token at context 128: 1,533,943,660 B read (30 x 67,840 bfloat4_b tiles = 1,172,275,200
     *       B; the bfloat8_b LM head 348,856,320 B; KV cache, norms, gathers) + 1,305,860 B written, under
     *       1.6 GB.</li>
     *   <li>Greedy: 0 B host to device per step, 4 B device to host (the token id).</li>
     * </ul>
     */
    @Test
    void fullShapeCountsOf2B4T() {
        EmulatorDecodeCounts.Measurement m = EmulatorDecodeCounts.measure(ModelConfig.bitnet2B4T(), 128, 2, 2);
        DecodeCounts c = m.perToken();
        Map<String, Long> perToken = new TreeMap<>();
        m.opStats().forEach((k, v) -> {
            if (k.startsWith("op:")) perToken.put(k.substring(3), EmulatorDecodeCounts.perToken(v, m.tokens()));
        });
        Map<String, Long> expected = new TreeMap<>();
        PER_LAYER.forEach((op, n) -> expected.merge(op, 30L * n, Long::sum));
        OUTSIDE_2B4T.forEach((op, n) -> expected.merge(op, (long) n, Long::sum));
        assertEquals(expected, perToken, "TT-NN ops per token by name");
        assertEquals(28, m.opsPerLayer(), "measured ops per layer (target 25: see above for what bounds it)");
        assertEquals(18, m.opsOutsideLayers());
        assertEquals(30 * 28 + 18, c.ops(), "ops per token (target 800: see above)");
        assertEquals(1_533_943_660L, c.dramBytesRead(), m.total().toString());
        assertEquals(1_305_860L, c.dramBytesWritten(), m.total().toString());
        assertTrue(c.dramBytes() <= 1_600_000_000L, "bytes per token at context 128: " + c.dramBytes());
        assertEquals(0, m.total().hostToDeviceBytes(), "greedy: nothing written per step: " + m.total());
        assertEquals(4L * m.tokens(), m.total().deviceToHostBytes(), "greedy: the 4-byte token id back: " + m.total());
        assertTrue(c.hostDeviceBytes() <= 8);
        assertEquals(1, c.traceReplays());
        assertEquals(0, m.total().allocations());
        assertEquals(0, m.total().layoutConversions());
    }

    /**
     * Top-40 sampling, by hand against the greedy step above (TINY, vocab 100): the argmax goes; the logits'
     * tile padding (100 of 128 columns) is filled with -inf (fill_pad), topk runs on 64 (40 rounded up to the
     * tile, no slices back), and its values and UINT16 ids (128 padded columns) are untilized into DRAM: 70 - 1
     * + 1 + 1 + 2 = 73 TT-NN ops, 2 of them layout conversions. DRAM writes: argmax's 128 B ids go, the two
     * untilized [32, 64] 16-bit outputs 2 x 4,096 come: 8,964 - 128 + 8,192 = 17,028. Reads unchanged (logits,
     * topk's outputs stay in L1). Back: 40 bf16 values + 40 UINT16 ids = 160 B; in: the sampled token, 4 B.
     */
    @Test
    void topKSamplingCountsMatchTheHandComputation() {
        EmulatorDecodeCounts.Measurement m = EmulatorDecodeCounts.measureTopK(TINY, 8, 2, 4, 40);
        DecodeCounts c = m.perToken();
        assertEquals(28, m.opsPerLayer());
        assertEquals(73, c.ops(), m.total().toString());
        assertEquals(172_700, c.dramBytesRead(), m.total().toString());
        assertEquals(17_028, c.dramBytesWritten(), m.total().toString());
        assertEquals(4 * 4, m.total().hostToDeviceBytes(), m.total().toString());
        assertEquals(4 * 160, m.total().deviceToHostBytes(), m.total().toString());
        assertEquals(4 * 2, m.total().layoutConversions(), m.total().toString());
        assertEquals(1, c.traceReplays());
        assertEquals(0, m.total().allocations());
        assertEquals(4L, m.opStats().get("op:ttnn::topk"), m.opStats().toString());
        assertEquals(4L, m.opStats().get("op:ttnn::fill_pad"), m.opStats().toString());
        assertNull(m.opStats().get("op:ttnn::argmax"), m.opStats().toString());
    }

    /**
     * Top-40 sampling at the full 2B-4T shapes: the greedy step's 858 ops less argmax plus topk (on 64 of the
     * 128,256 logits per row, single-core: the width is not a power of two) and two untilizes = 860; no
     * fill_pad (128,256 columns and 32 rows are whole tiles). UINT32 ids (more than 65,535 columns). Per
     * token: 40 x 2 B values + 40 x 4 B ids = 240 B back, the sampled token's 4 B in; DRAM writes
     * 1,305,860 - 128 + 32 x 64 x (2 + 4) = 1,318,020.
     */
    @Test
    void fullShapeTopKSamplingCountsOf2B4T() {
        EmulatorDecodeCounts.Measurement m = EmulatorDecodeCounts.measureTopK(ModelConfig.bitnet2B4T(), 128, 2, 2, 40);
        DecodeCounts c = m.perToken();
        Map<String, Long> perToken = new TreeMap<>();
        m.opStats().forEach((k, v) -> {
            if (k.startsWith("op:")) perToken.put(k.substring(3), EmulatorDecodeCounts.perToken(v, m.tokens()));
        });
        Map<String, Long> expected = new TreeMap<>();
        PER_LAYER.forEach((op, n) -> expected.merge(op, 30L * n, Long::sum));
        OUTSIDE_2B4T.forEach((op, n) -> expected.merge(op, (long) n, Long::sum));
        expected.remove("ttnn::argmax");
        expected.put("ttnn::topk", 1L);
        expected.put("ttnn::untilize", 2L);
        assertEquals(expected, perToken, "TT-NN ops per token by name");
        assertEquals(28, m.opsPerLayer());
        assertEquals(20, m.opsOutsideLayers());
        assertEquals(30 * 28 + 20, c.ops());
        assertEquals(1_533_943_660L, c.dramBytesRead(), m.total().toString());
        assertEquals(1_318_020L, c.dramBytesWritten(), m.total().toString());
        assertEquals(4L * m.tokens(), m.total().hostToDeviceBytes(), "the sampled token: " + m.total());
        assertEquals(240L * m.tokens(), m.total().deviceToHostBytes(), "40 values and 40 ids: " + m.total());
        assertEquals(1, c.traceReplays());
        assertEquals(0, m.total().allocations());
    }

    @Test
    void contextBeyondTheCacheIsRefusedNamingTheLimit() {
        var e = assertThrows(IllegalArgumentException.class, () -> EmulatorDecodeCounts.measure(TINY, 250, 1, 8));
        assertTrue(e.getMessage().contains("max_position_embeddings 256") && e.getMessage().contains("248"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EmulatorDecodeCounts.measure(TINY, 8, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> EmulatorDecodeCounts.measure(TINY, 8, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> EmulatorDecodeCounts.measureTopK(TINY, 8, 1, 4, 0));
        assertThrows(IllegalArgumentException.class, () -> EmulatorDecodeCounts.measureTopK(TINY, 8, 1, 4, 100));
    }
}
