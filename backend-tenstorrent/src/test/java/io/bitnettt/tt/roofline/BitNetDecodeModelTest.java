package io.bitnettt.tt.roofline;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class BitNetDecodeModelTest {

    // BitNet b1.58 2B-4T (design notes 10.1): hidden 2560, intermediate 6912, 30 layers, 20 heads,
    // 5 kv heads, vocab 128256; bfloat4_b tiles of 576 B, bfloat8_b lm_head and KV cache (1088 B tiles).
    private static final BitNetDecodeModel B2_4T = new BitNetDecodeModel(2560, 6912, 30, 20, 5, 128256, 576, 1088, 1088);

    @Test
    void tilesPerLayerByHand() {
        // D = 2560/20 = 128, kv width 5*128 = 640.
        // q, o: (2560/32)^2 = 80*80 = 6400 each; k, v: (640/32)*(2560/32) = 20*80 = 1600 each;
        // gate, up, down: (6912/32)*(2560/32) = 216*80 = 17280 each.
        // 2*6400 + 2*1600 + 3*17280 = 12800 + 3200 + 51840 = 67840.
        assertEquals(67_840L, B2_4T.ternaryTilesPerLayer());
    }

    @Test
    void dramBytesPerTokenAtContextZeroByHand() {
        // ternary: 30 * 67840 * 576 = 1,172,275,200
        // lm_head: (2560/32) * (128256/32) = 80 * 4008 = 320,640 tiles * 1088 = 348,856,320
        // one embedding row (bf16): 2560 * 2 = 5,120
        // total 1,521,136,640 B (~1.52 GB) -> n150: 288e9 / 1.521e9 = 189.3 tokens/s at most.
        assertEquals(1_521_136_640L, B2_4T.dramBytesPerToken(0));
        Roofline.Estimate e = new Roofline(0).estimate(CardSpec.N150,
                new DecodeCounts(0, B2_4T.dramBytesPerToken(0), 0, 0, 0, 0));
        assertEquals(189.3321, e.tokensPerSecond(), 1e-4);
    }

    @Test
    void kvCacheReadGrowsWithContext() {
        // K and V: 2 * 30 layers * 100 positions * 5 heads * 128 * 1088/1024 B = 4,080,000 B more.
        assertEquals(1_521_136_640L + 4_080_000L, B2_4T.dramBytesPerToken(100));
    }

    @Test
    void matmulFlopsByHand() {
        // per layer MACs: q+o 2*2560*2560 = 13,107,200; k+v 2*640*2560 = 3,276,800;
        // gate+up+down 3*6912*2560 = 53,084,160 -> 69,468,160; x30 = 2,084,044,800;
        // lm_head 128256*2560 = 328,335,360; total 2,412,380,160 MACs = 4,824,760,320 FLOPs.
        assertEquals(4_824_760_320L, B2_4T.matmulFlopsPerToken());
    }

    @Test
    void partialTilesArePaddedAndBadDimensionsRejected() {
        // 33 x 33 needs 2 x 2 tiles.
        assertEquals(4L, BitNetDecodeModel.tiles(33, 33));
        assertThrows(IllegalArgumentException.class, () -> new BitNetDecodeModel(2560, 6912, 30, 7, 5, 128256, 576, 1088, 1088));
        assertThrows(IllegalArgumentException.class, () -> B2_4T.dramBytesPerToken(-1));
    }
}
