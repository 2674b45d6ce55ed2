package io.bitnettt.cpu;

import java.lang.foreign.MemorySegment;

import io.bitnettt.cpu.kernel.AttentionKernel;
import io.bitnettt.cpu.kernel.LookupMatmul;
import io.bitnettt.cpu.kernel.TableGemm;

/**
 * Per-device working buffers, grown to the largest call seen and then reused, so a decode step
 * allocates nothing here. Per-part arrays are indexed by {@link WorkerPool} part number. The table
 * kernel's buffers are off-heap, so the device closes this with itself.
 */
final class Scratch implements AutoCloseable {
    private final int parts;
    short[] quantized = new short[0];
    short[] transposed = new short[0];
    /** Per part: the lookup kernels' accumulators. */
    final LookupMatmul.Work[] lookupWork;
    /** Per part: {@link TableGemm}'s tables and row accumulators. */
    final TableGemm.Work[] tableWork;
    float[] tokenScales = new float[0];
    int[] tokenSums = new int[0];
    float[] floats = new float[0];
    private MemorySegment weightRow = MemorySegment.ofArray(new float[0]);
    float[] screenX = new float[0];
    /** Per part: a token's query in {@link io.bitnettt.cpu.kernel.AttentionKernel}'s order, a block's scores,
     *  and (prefill) the running and the block's partial: accumulators, maxima, sums. */
    final float[][] attnQuery;
    final float[][] attnScores;
    final float[][] attnAcc;
    final float[][] attnMax;
    final float[][] attnSum;
    /** Decode: one partial per cache block, merged in block order after the parallel section. */
    float[] blockAcc = new float[0];
    float[] blockMax = new float[0];
    float[] blockSum = new float[0];
    float[] topValues = new float[0];
    int[] topIndices = new int[0];

    Scratch(int parts) {
        this.parts = parts;
        attnQuery = new float[parts][0];
        attnScores = new float[parts][0];
        attnAcc = new float[parts][0];
        attnMax = new float[parts][0];
        attnSum = new float[parts][0];
        lookupWork = new LookupMatmul.Work[parts];
        tableWork = new TableGemm.Work[parts];
        for (int p = 0; p < parts; p++) {
            lookupWork[p] = new LookupMatmul.Work();
            tableWork[p] = new TableGemm.Work();
        }
    }

    short[] quantized(int n) {
        if (quantized.length < n) {
            quantized = new short[n];
        }
        return quantized;
    }

    short[] transposed(int n) {
        if (transposed.length < n) {
            transposed = new short[n];
        }
        return transposed;
    }

    float[] tokenScales(int n) {
        if (tokenScales.length < n) {
            tokenScales = new float[n];
        }
        return tokenScales;
    }

    int[] tokenSums(int n) {
        if (tokenSums.length < n) {
            tokenSums = new int[n];
        }
        return tokenSums;
    }

    float[] floats(int n) {
        if (floats.length < n) {
            floats = new float[n];
        }
        return floats;
    }

    float[] screenX(int n) {
        if (screenX.length < n) {
            screenX = new float[n];
        }
        return screenX;
    }

    /** A BF16 norm weight widened to F32 (F32 weights are read in place). */
    MemorySegment weightRow(int n) {
        if (weightRow.byteSize() < 4L * n) {
            weightRow = MemorySegment.ofArray(new float[n]);
        }
        return weightRow;
    }

    /** Sizes every part's attention buffers before the parallel section reads them. */
    void attentionParts(int heads, int dim) {
        int hd = heads * dim;
        for (int p = 0; p < parts; p++) {
            if (attnQuery[p].length < hd) {
                attnQuery[p] = new float[hd];
                attnAcc[p] = new float[2 * hd];
                attnMax[p] = new float[2 * heads];
                attnSum[p] = new float[2 * heads];
            }
            if (attnScores[p].length < heads * AttentionKernel.BLOCK) {
                attnScores[p] = new float[heads * AttentionKernel.BLOCK];
            }
        }
    }

    /** Sizes decode's per-block partials for {@code blocks} cache blocks. */
    void attentionBlocks(int blocks, int heads, int dim) {
        if (blockAcc.length < blocks * heads * dim) {
            blockAcc = new float[blocks * heads * dim];
        }
        if (blockMax.length < blocks * heads) {
            blockMax = new float[blocks * heads];
            blockSum = new float[blocks * heads];
        }
    }

    @Override
    public void close() {
        for (TableGemm.Work w : tableWork) {
            w.close();
        }
    }

    void topK(int k) {
        if (topValues.length < k) {
            topValues = new float[k];
            topIndices = new int[k];
        }
    }
}
