package io.bitnettt.estimate;

import io.bitnettt.model.ModelConfig;
import io.bitnettt.tt.roofline.DecodeCounts;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The per-token counts of the engine's decode step on the count-only emulator, against a hand
 * computation for a tiny model whose dims exercise tile padding.
 */
class EmulatorDecodeCountsTest {
    /**
     * vocab 100, 2 layers, 4 heads of 16 (hidden 64), 2 KV heads (kvDim 32), intermediate 80, tied,
     * max_position_embeddings 256 (the KV cache size).
     */
    static final ModelConfig TINY = ModelConfig.tiny(100, 2, 4, 2, 16, 80, true);

    /*
     * By hand, for a token at positions 8..11 (attending 9..12 cached rows, all in tile row 0).
     * A 32x32 tile: bfloat4_b 576 B, bf16 2048 B, F32 4096 B. TILE pads both dims to 32.
     *
     * DRAM reads:
     *   ternary weights, tiles per layer: q [64,64] 2x2=4, k and v [32,64] 1x2=2 each, o 4,
     *     gate and up [80,64] 3x2=6 each, down [64,80] 2x3=6: 30; x 2 layers x 576     =  34,560
     *   output projection, bf16 [100,64] padded to 128x64: 4 x 2 tiles x 2048          =  16,384
     *   embedding: one tile row of the bf16 table, 2 tiles x 2048 = 4,096; id 4 B      =   4,100
     *   norms, F32 [n] = one 32-row tile row: [64] 2 x 4096 = 8,192, [80] 3 x 4096;
     *     per layer 3 x 8,192 + 12,288 = 36,864; x 2 + final 8,192                     =  81,920
     *   rotary, cos and sin [256,16] F32: one tile row (1 tile) each, for q and k:
     *     4 x 4096 per layer x 2                                                        =  32,768
     *   positions, UINT32 [1]: 2 rotary + 2 cache updates + attention, x 4 B x 2 layers =      40
     *   attention, K and V caches [256,32] F32, tile row 0: 2 x 4096 x 2 layers          =  16,384
     *   argmax reads the logits, F32 [1,100] padded to 32x128: 4 tiles x 4096          =  16,384
     *                                                                            total  = 202,540
     * DRAM writes: K and V rows, one tile row each: 2 x 4096 x 2 layers = 16,384; logits 16,384;
     *   argmax result UINT32 [1] 4                                                      =  32,772
     * Ops: embedding + 2 layers x 16 (4 norms, 4 ternary calls, 2 rotary, 2 cache updates,
     *   attention, relu2 gate, 2 adds) + final norm + output projection + argmax          =      36
     * Host<->device: token id and position in (2 x 4 B), argmax id out (4 B)             =      12
     */
    @Test
    void perTokenCountsMatchTheHandComputation() {
        EmulatorDecodeCounts.Measurement m = EmulatorDecodeCounts.measure(TINY, 8, 2, 4);
        DecodeCounts c = m.perToken();
        assertEquals(36, c.ops(), m.total().toString());
        assertEquals(202_540, c.dramBytesRead(), m.total().toString());
        assertEquals(32_772, c.dramBytesWritten(), m.total().toString());
        assertEquals(12, c.hostDeviceBytes(), m.total().toString());
        assertEquals(1, c.traceReplays(), m.total().toString());
        // The measured tokens were pure replays: every total is exactly 4 tokens' worth.
        assertEquals(4 * 36, m.total().ops());
        assertEquals(4 * 202_540, m.total().dramBytesRead());
        assertEquals(0, m.total().allocations());
        assertEquals(0, m.total().layoutConversions());
        assertTrue(m.total().hostToDeviceBytes() <= 4 * 64 && m.total().deviceToHostBytes() <= 4 * 64);
        // Not counted by the emulator: 2 x (layers x (64x64 q + 2x32x64 k,v + 64x64 o + 3x80x64 gate,up,down)
        // + 100x64 lm_head) = 2 x (2 x 27,648 + 6,400).
        assertEquals(123_392, c.matmulFlops());
    }

    @Test
    void theAnalyticModelPlusItsItemizedGapIsTheEmulatorsCount() {
        EmulatorDecodeCounts.Measurement m = EmulatorDecodeCounts.measure(TINY, 8, 2, 4);
        // Analytic: 34,560 ternary + 100x64x2 = 12,800 lm_head + 128 embedding row
        // + K and V rows 0..p at 4 B: 2 x 2 layers x 32 x 4 x (9+10+11+12)/4 = 5,376.
        assertEquals(52_864, m.analyticBytesReadPerToken());
        long gap = AnalyticGap.reads(m.dims(), m.context(), m.tokens()).stream().mapToLong(AnalyticGap.Item::bytes).sum();
        assertEquals(202_540 - 52_864, gap);
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
