package io.bitnettt.estimate;

import io.bitnettt.engine.ModelDims;
import io.bitnettt.tt.roofline.BitNetDecodeModel;

import java.util.ArrayList;
import java.util.List;

/**
 * The DRAM reads of the engine's decode step that {@link BitNetDecodeModel} leaves out, itemized, so
 * the host double's count can be reconciled with the analytic one. Sizes follow the device forms the
 * TT-NN shim's decode step gives the engine's tensors (native/shim/README.md): norm weights as bf16
 * ROW_MAJOR sticks; the token's ids, the positions' ids and INT32 copy in DRAM; embedding and cos/sin rows
 * gathered for 32 ids (the decode step's 32 rows); SDPA decode reading bfloat8_b K and V in chunks of 128
 * rows; the fused cache update reading each head's tile row; activations, logits and the LM head's
 * output in L1.
 */
final class AnalyticGap {
    private static final int TILE = 32;
    private static final int ROWS = 32;
    private static final int IDS = ROWS * Integer.BYTES;
    private static final int BF16 = BitNetDecodeModel.BFLOAT16_BYTES;
    private static final long BF8_TILE = BitNetDecodeModel.BFLOAT8_B_TILE_BYTES;
    /** SDPA decode's K chunk in the shim's program config (recipe.cpp). */
    static final int K_CHUNK = 128;

    record Item(String what, long bytes) {
    }

    private AnalyticGap() {
    }

    /** Per-token reads beyond the analytic model, averaged over positions {@code context .. context+tokens-1}. */
    static List<Item> reads(ModelDims d, int context, int tokens) {
        long layers = d.layers();
        long headTiles = tiles(d.headDim());
        List<Item> items = new ArrayList<>();
        items.add(new Item("norm weights: bf16 ROW_MAJOR sticks [n/32, 32], 4 per layer + the final one",
                (layers * (3L * d.hidden() + d.intermediate()) + d.hidden()) * BF16));
        long chunk = pad(d.contextLength()) % K_CHUNK == 0 ? K_CHUNK : TILE;
        long kvGap = 0;
        for (int i = 0; i < tokens; i++) {
            long position = context + i;
            long chunkRows = (position / chunk + 1) * chunk;
            kvGap += 2 * layers * d.kvHeads() * (chunkRows - (position + 1)) * d.headDim() * BF8_TILE / (TILE * TILE);
        }
        items.add(new Item("KV cache: SDPA decode reads bfloat8_b K and V in whole chunks of " + chunk
                + " rows (the analytic model counts the rows up to the position)", EmulatorDecodeCounts.perToken(kvGap, tokens)));
        items.add(new Item("KV cache update: each head's bfloat8_b tile row is read before one of its rows is written",
                layers * 2 * d.kvHeads() * headTiles * BF8_TILE));
        items.add(new Item("positions: INT32 [1] read by the fused cache update and SDPA decode, and by plus_one "
                + "with the position's ids; the INT32 [1] batch offset of nlp_create_qkv_heads_decode",
                layers * 3 * Integer.BYTES + Integer.BYTES + IDS));
        items.add(new Item("rotary: cos and sin rows gathered once per token for the 32 ids of the position",
                2 * ((long) IDS + (long) ROWS * d.headDim() * BF16)));
        items.add(new Item("embedding: the token's 32 ids and their rows (the analytic model counts one row)",
                IDS + (long) (ROWS - 1) * d.hidden() * BF16));
        return items;
    }

    private static long tiles(long n) {
        return (n + TILE - 1) / TILE;
    }

    private static long pad(long n) {
        return tiles(n) * TILE;
    }
}
