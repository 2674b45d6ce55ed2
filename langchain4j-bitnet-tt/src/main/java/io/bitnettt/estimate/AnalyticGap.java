package io.bitnettt.estimate;

import io.bitnettt.engine.ModelDims;
import io.bitnettt.tt.roofline.BitNetDecodeModel;

import java.util.ArrayList;
import java.util.List;

/**
 * The DRAM reads of the engine's decode step that {@link BitNetDecodeModel} leaves out, itemized, so
 * the emulator's count can be reconciled with the analytic one. Sizes follow how the device stores
 * the engine's tensors: TILE layout pads to 32x32 tiles (a rank-1 [n] tensor is one 32-row tile row);
 * norm weights, rotary tables, the KV cache and the logits are F32 (4 bytes), the tables bf16, ids
 * and positions UINT32 [1] row-major; every step tensor but the activations is in DRAM.
 */
final class AnalyticGap {
    private static final int TILE = 32;
    private static final int F32 = Float.BYTES;
    private static final int UINT32 = Integer.BYTES;
    private static final int BF16 = BitNetDecodeModel.BFLOAT16_BYTES;
    /** Ops of a layer that read the position tensor: rotary q and k, two cache updates, attention. */
    private static final int POSITION_READS_PER_LAYER = 5;

    record Item(String what, long bytes) {
    }

    private AnalyticGap() {
    }

    /** Per-token reads beyond the analytic model, averaged over positions {@code context .. context+tokens-1}. */
    static List<Item> reads(ModelDims d, int context, int tokens) {
        long layers = d.layers();
        List<Item> items = new ArrayList<>();
        items.add(new Item("norm weights: F32 [n] stored as a 32-row tile row, 4 per layer + the final one",
                layers * (3 * tileRow(d.hidden(), F32) + tileRow(d.intermediate(), F32)) + tileRow(d.hidden(), F32)));
        items.add(new Item("logits F32 [1, vocab] (one 32-row tile row) read back by the on-device argmax",
                tileRow(d.vocabSize(), F32)));
        long kvGap = 0;
        for (int i = 0; i < tokens; i++) {
            long rows = context + i + 1L;
            kvGap += 2 * layers * (pad(rows) * pad(d.kvDim()) - rows * d.kvDim()) * F32;
        }
        items.add(new Item("KV cache read in whole 32-row tiles (the analytic model counts exact rows)",
                EmulatorDecodeCounts.perToken(kvGap, tokens)));
        items.add(new Item("rotary cos/sin: one F32 tile row of each table, for q and for k, per layer",
                layers * 2 * 2 * tileRow(d.headDim(), F32)));
        items.add(new Item("embedding lookup reads the token's whole bf16 tile row, not one row",
                tileRow(d.hidden(), BF16) - (long) d.hidden() * BF16));
        items.add(new Item("output table tile padding (bf16)",
                (pad(d.vocabSize()) * pad(d.hidden()) - (long) d.vocabSize() * d.hidden()) * BF16));
        items.add(new Item("token id and positions (UINT32 [1])", UINT32 + layers * POSITION_READS_PER_LAYER * UINT32));
        return items;
    }

    /** Bytes of one 32-row tile row holding {@code cols} columns. */
    private static long tileRow(long cols, int elementBytes) {
        return TILE * pad(cols) * elementBytes;
    }

    private static long pad(long n) {
        return (n + TILE - 1) / TILE * TILE;
    }
}
