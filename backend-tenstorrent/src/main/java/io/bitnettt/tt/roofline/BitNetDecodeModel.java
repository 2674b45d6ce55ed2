package io.bitnettt.tt.roofline;

/**
 * Analytic DRAM traffic and matmul work of one decoded token of a BitNet b1.58 model on the device,
 * with the layout the TT-NN shim's decode step uses: ternary projections in BFLOAT4_B tiles, the output
 * projection (the tied table, lm_head) in BFLOAT8_B tiles, the embedding table in bfloat16 rows, the
 * KV cache in BFLOAT8_B read up to the current context.
 *
 * <p>Counted: every weight tile once (decode reads each weight once per token, batch 1), one
 * embedding row, the lm_head, and the K and V cache rows attended to. Not counted: norm weights
 * (a few KB per layer), activations (kept in L1), the KV rows written (one per layer).
 *
 * @param hidden           hidden size d
 * @param intermediate     FFN size
 * @param layers           transformer blocks
 * @param heads            query heads H
 * @param kvHeads          key/value heads Hkv
 * @param vocab            vocabulary size V
 * @param ternaryTileBytes bytes of one 32x32 ternary weight tile (576 for bfloat4_b)
 * @param lmHeadTileBytes  bytes of one 32x32 tile of the lm_head (1088 for bfloat8_b, 2048 for bfloat16)
 * @param kvTileBytes      bytes of one 32x32 tile of the KV cache (1088 for bfloat8_b)
 */
public record BitNetDecodeModel(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab,
                                int ternaryTileBytes, int lmHeadTileBytes, int kvTileBytes) {

    private static final int TILE = 32;
    /** Bytes of a 32x32 bfloat4_b tile: 1024 x 4 bits of sign+mantissa plus 64 shared exponents. */
    public static final int BFLOAT4_B_TILE_BYTES = 576;
    /** Bytes of a 32x32 bfloat8_b tile: 1024 bytes of sign+mantissa plus 64 shared exponents. */
    public static final int BFLOAT8_B_TILE_BYTES = 1088;
    public static final int BFLOAT16_TILE_BYTES = 2048;
    public static final int BFLOAT16_BYTES = 2;

    public BitNetDecodeModel {
        if (hidden <= 0 || intermediate <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0
                || ternaryTileBytes <= 0 || lmHeadTileBytes <= 0 || kvTileBytes <= 0) {
            throw new IllegalArgumentException("BitNetDecodeModel: every dimension must be positive: " + this);
        }
        if (hidden % heads != 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("BitNetDecodeModel: hidden " + hidden + " must divide into " + heads
                    + " heads, and heads into " + kvHeads + " kv heads");
        }
    }

    public int headDim() {
        return hidden / heads;
    }

    /** 32x32 tiles of a [rows, cols] matrix, padded up as the device stores it. */
    static long tiles(long rows, long cols) {
        return ceilDiv(rows, TILE) * ceilDiv(cols, TILE);
    }

    /** Ternary weight tiles of one block: q, k, v, o, gate, up, down. */
    public long ternaryTilesPerLayer() {
        long kvDim = (long) kvHeads * headDim();
        return tiles(hidden, hidden)            // q
                + 2 * tiles(kvDim, hidden)      // k, v
                + tiles(hidden, hidden)         // o
                + 2 * tiles(intermediate, hidden) // gate, up
                + tiles(hidden, intermediate);  // down
    }

    /** DRAM bytes read to decode one token whose attention spans {@code contextTokens} cached positions. */
    public long dramBytesPerToken(long contextTokens) {
        if (contextTokens < 0) {
            throw new IllegalArgumentException("contextTokens must be >= 0, got " + contextTokens);
        }
        long ternary = layers * ternaryTilesPerLayer() * ternaryTileBytes;
        long lmHead = tiles(hidden, vocab) * lmHeadTileBytes;
        long embeddingRow = (long) hidden * BFLOAT16_BYTES;
        // Rows of K and V, at the tile format's bytes per element (1024 elements per tile).
        long kvRead = 2L * layers * contextTokens * kvHeads * headDim() * kvTileBytes / (TILE * TILE);
        return ternary + lmHead + embeddingRow + kvRead;
    }

    /** 2 x multiply-adds of the projections and the lm_head for one token (attention excluded). */
    public long matmulFlopsPerToken() {
        long kvDim = (long) kvHeads * headDim();
        long perLayer = (long) hidden * hidden * 2 + 2 * kvDim * hidden + 3L * intermediate * hidden;
        return 2 * (layers * perLayer + (long) vocab * hidden);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
