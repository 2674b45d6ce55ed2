package io.bitnettt.estimate;

import io.bitnettt.engine.ModelDims;
import io.bitnettt.tt.roofline.BitNetDecodeModel;

import java.util.ArrayList;
import java.util.List;

/**
 * The DRAM reads of the engine's decode step that {@link BitNetDecodeModel} leaves out, itemized, so
 * the host double's count can be reconciled with the analytic one. Sizes follow the device forms the
 * TT-NN shim gives the engine's tensors (native/shim/README.md): TILE layout pads to 32x32 tiles (a
 * rank-1 [n] tensor is one 32-row tile row); norm weights and logits are F32; the KV cache is BF16
 * [kv_heads, S rounded up to 32, head_dim], which SDPA decode reads in whole chunks of k_chunk_size
 * rows; embedding tables and cos/sin tables are gathered from BF16 ROW_MAJOR copies with ids padded to
 * 32 (TT-NN's tilized embedding path); positions are INT32 [1]; the step's activations are in L1.
 */
final class AnalyticGap {
    private static final int TILE = 32;
    private static final int F32 = Float.BYTES;
    private static final int INT32 = Integer.BYTES;
    private static final int BF16 = BitNetDecodeModel.BFLOAT16_BYTES;
    private static final long BF16_TILE = (long) TILE * TILE * BF16;
    /** Ids TT-NN's tilized embedding gathers for one token: the padded ids tensor [1, 32]. */
    private static final int PADDED_IDS = 32;
    /** Ops of a layer that read the INT32 position: two cache updates and attention. */
    private static final int POSITION_READS_PER_LAYER = 3;

    record Item(String what, long bytes) {
    }

    private AnalyticGap() {
    }

    /** Per-token reads beyond the analytic model, averaged over positions {@code context .. context+tokens-1}. */
    static List<Item> reads(ModelDims d, int context, int tokens) {
        long layers = d.layers();
        long headTiles = tiles(d.headDim());
        List<Item> items = new ArrayList<>();
        items.add(new Item("norm weights: F32 [n] stored as a 32-row tile row, 4 per layer + the final one",
                layers * (3 * tileRow(d.hidden(), F32) + tileRow(d.intermediate(), F32)) + tileRow(d.hidden(), F32)));
        items.add(new Item("logits F32 [1, vocab] (one 32-row tile row) read back by the on-device argmax",
                tileRow(d.vocabSize(), F32)));
        long chunk = chunkSize(pad(d.contextLength()));
        long kvGap = 0;
        for (int i = 0; i < tokens; i++) {
            long position = context + i;
            long chunkRows = (position / chunk + 1) * chunk;
            long exactF32 = (position + 1) * d.kvDim() * (long) F32;
            kvGap += 2 * layers * (d.kvHeads() * (chunkRows / TILE) * headTiles * BF16_TILE - exactF32);
        }
        items.add(new Item("KV cache: SDPA decode reads bf16 K and V in whole chunks of " + chunk
                + " rows (the analytic model counts exact F32 rows)", EmulatorDecodeCounts.perToken(kvGap, tokens)));
        items.add(new Item("KV cache update: each head's tile row is read before one of its rows is written",
                layers * 2 * d.kvHeads() * headTiles * BF16_TILE));
        items.add(new Item("Q passes through DRAM into SDPA decode (bf16 [heads, head_dim] tiles)",
                layers * tiles(d.heads()) * headTiles * BF16_TILE));
        items.add(new Item("positions: INT32 [1] read by the two cache updates and attention",
                layers * POSITION_READS_PER_LAYER * INT32));
        items.add(new Item("rotary, per layer for q and k: cos and sin rows gathered for 32 padded ids, plus the "
                + "bf16 rotate-half matrix", layers * 2 * (2 * gather(d.headDim()) + headTiles * headTiles * BF16_TILE)));
        items.add(new Item("embedding gathers the rows of all 32 padded ids (the analytic model counts one row)",
                gather(d.hidden()) - (long) d.hidden() * BF16));
        items.add(new Item("output table tile padding (bf16)",
                (pad(d.vocabSize()) * pad(d.hidden()) - (long) d.vocabSize() * d.hidden()) * BF16));
        return items;
    }

    /** An embedding lookup of one token: the padded ids and a bf16 row per id. */
    private static long gather(long cols) {
        return (long) PADDED_IDS * Integer.BYTES + (long) PADDED_IDS * cols * BF16;
    }

    /** SDPA decode's K chunk (sdpa_decode.cpp): the largest power of two dividing s, at most 512. */
    private static long chunkSize(long s) {
        long chunk = 1;
        while (chunk < 512 && s % (chunk * 2) == 0) {
            chunk *= 2;
        }
        return chunk;
    }

    /** Bytes of one 32-row tile row holding {@code cols} columns. */
    private static long tileRow(long cols, int elementBytes) {
        return TILE * pad(cols) * elementBytes;
    }

    private static long tiles(long n) {
        return (n + TILE - 1) / TILE;
    }

    private static long pad(long n) {
        return tiles(n) * TILE;
    }
}
