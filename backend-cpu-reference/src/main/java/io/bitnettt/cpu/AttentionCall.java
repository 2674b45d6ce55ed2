package io.bitnettt.cpu;

import java.lang.foreign.MemorySegment;

import io.bitnettt.cpu.kernel.AttentionKernel;
import io.bitnettt.cpu.kernel.KvCaches;

/**
 * One attention call of {@link CpuOps} over {@link AttentionKernel}'s blocks; kept and refilled per
 * call with its pool bodies bound once, so a warm call allocates nothing (see {@link LinearCall}).
 *
 * <p>Decode (one token) spreads the cache's blocks over the threads, each block's partial into its
 * own slot, then merges the slots in position order on the calling thread; on several threads
 * with fewer than two blocks a thread it spreads (kv head, block) pairs instead, each head's part
 * of a slot written by one thread. Prefill spreads tokens over the threads and each token merges
 * its blocks in the same order as it goes. Either way a
 * token's output is the same bits on any thread count, and decode gives prefill's bits.
 */
final class AttentionCall {
    private final WorkerPool pool;
    private final Scratch scratch;
    private final WorkerPool.RangeBody blocks = this::blocks;
    private final WorkerPool.RangeBody headBlocks = this::headBlocks;
    private final WorkerPool.RangeBody tokens = this::tokens;
    private final KvCaches caches = new KvCaches();
    private MemorySegment q;
    private MemorySegment out;
    private int startPos;
    private int heads;
    private int kvHeads;
    private int dim;
    private float scale;

    AttentionCall(WorkerPool pool, Scratch scratch) {
        this.pool = pool;
        this.scratch = scratch;
    }

    /**
     * Token {@code t} of {@code q} attends to cache rows {@code [0, startPos + t]} of the caches the caller
     * has put in {@link #caches()}; they are cleared when the call ends.
     */
    void run(MemorySegment q, MemorySegment out, int tokenCount, int startPos, int heads, int kvHeads, int dim,
             float scale) {
        this.q = q;
        this.out = out;
        this.startPos = startPos;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.dim = dim;
        this.scale = scale;
        try {
            if (tokenCount == 1) {
                decode();
            } else {
                scratch.attentionParts(heads, dim);
                pool.forRange(tokenCount, tokens);
            }
        } finally {
            this.q = null;
            this.out = null;
            caches.clear();
        }
    }

    private void decode() {
        int n = blockCount(startPos);
        scratch.attentionParts(heads, dim);
        scratch.attentionBlocks(n, heads, dim);
        AttentionKernel.layoutQuery(q, 0, heads, dim, caches.kind(), scratch.attnQuery[0]);
        if (pool.threads() > 1 && n < 2 * pool.threads()) {
            // Too few blocks to share out evenly (at 129 positions the second holds one row): the
            // threads take kv heads of every block instead, which gives each head the same bits.
            pool.forRange(n * kvHeads, headBlocks);
        } else {
            pool.forRange(n, blocks);
        }
        int hd = heads * dim;
        for (int b = 1; b < n; b++) {
            AttentionKernel.merge(scratch.blockAcc, 0, scratch.blockMax, scratch.blockSum, 0,
                    scratch.blockAcc, b * hd, scratch.blockMax, scratch.blockSum, b * heads, heads, dim);
        }
        AttentionKernel.finish(scratch.blockAcc, 0, scratch.blockSum, 0, heads, dim, caches.kind(), out, 0);
    }

    /** The holder {@link #run} reads the caches from; the caller fills it just before. */
    KvCaches caches() {
        return caches;
    }

    private static int blockCount(int last) {
        return last / AttentionKernel.BLOCK + 1;
    }

    private void blocks(int part, int from, int to) {
        int last = startPos;
        int hd = heads * dim;
        for (int b = from; b < to; b++) {
            int j0 = b * AttentionKernel.BLOCK;
            int j1 = Math.min(last + 1, j0 + AttentionKernel.BLOCK);
            AttentionKernel.block(scratch.attnQuery[0], caches, j0, j1, heads, kvHeads, dim, scale,
                    scratch.attnScores[part], scratch.blockAcc, b * hd, scratch.blockMax, scratch.blockSum, b * heads);
        }
    }

    /** Items {@code kh·n + b} for kv head {@code kh} and block {@code b}: a part takes whole kv heads where it can. */
    private void headBlocks(int part, int from, int to) {
        int n = blockCount(startPos);
        int hd = heads * dim;
        for (int i = from; i < to; i++) {
            int kh = i / n;
            int b = i % n;
            int j0 = b * AttentionKernel.BLOCK;
            int j1 = Math.min(startPos + 1, j0 + AttentionKernel.BLOCK);
            AttentionKernel.block(scratch.attnQuery[0], caches, j0, j1, heads, kvHeads, kh, kh + 1, dim,
                    scale, scratch.attnScores[part], scratch.blockAcc, b * hd, scratch.blockMax, scratch.blockSum,
                    b * heads);
        }
    }

    private void tokens(int part, int from, int to) {
        float[] qk = scratch.attnQuery[part];
        float[] scores = scratch.attnScores[part];
        float[] acc = scratch.attnAcc[part];
        float[] max = scratch.attnMax[part];
        float[] sum = scratch.attnSum[part];
        int hd = heads * dim;
        for (int t = from; t < to; t++) {
            int last = startPos + t;
            long rowOff = 4L * t * hd;
            AttentionKernel.layoutQuery(q, rowOff, heads, dim, caches.kind(), qk);
            int n = blockCount(last);
            for (int b = 0; b < n; b++) {
                int j0 = b * AttentionKernel.BLOCK;
                int j1 = Math.min(last + 1, j0 + AttentionKernel.BLOCK);
                // Block 0 lands in the running partial, later ones beside it and are folded in.
                int slot = b == 0 ? 0 : 1;
                AttentionKernel.block(qk, caches, j0, j1, heads, kvHeads, dim, scale, scores,
                        acc, slot * hd, max, sum, slot * heads);
                if (b > 0) {
                    AttentionKernel.merge(acc, 0, max, sum, 0, acc, hd, max, sum, heads, heads, dim);
                }
            }
            AttentionKernel.finish(acc, 0, sum, 0, heads, dim, caches.kind(), out, rowOff);
        }
    }
}
