package io.bitnettt.cpu;

import java.lang.foreign.MemorySegment;

import io.bitnettt.cpu.kernel.AttentionKernel;

/**
 * One attention call of {@link CpuOps}, split over (token, head) items; kept and refilled per call
 * with its pool body bound once, so a warm call allocates nothing (see {@link LinearCall}).
 */
final class AttentionCall {
    private final WorkerPool pool;
    private final Scratch scratch;
    private final WorkerPool.RangeBody body = this::items;
    private MemorySegment q;
    private MemorySegment kCache;
    private MemorySegment vCache;
    private MemorySegment out;
    private int startPos;
    private int heads;
    private int group;
    private long rowBytes;
    private int dim;
    private float scale;

    AttentionCall(WorkerPool pool, Scratch scratch) {
        this.pool = pool;
        this.scratch = scratch;
    }

    /** Token {@code t} of {@code q} attends to cache rows {@code [0, startPos + t]}; {@code scratch} is sized. */
    void run(MemorySegment q, MemorySegment kCache, MemorySegment vCache, MemorySegment out, int tokens, int startPos,
             int heads, int group, long rowBytes, int dim, float scale) {
        this.q = q;
        this.kCache = kCache;
        this.vCache = vCache;
        this.out = out;
        this.startPos = startPos;
        this.heads = heads;
        this.group = group;
        this.rowBytes = rowBytes;
        this.dim = dim;
        this.scale = scale;
        try {
            pool.forRange(tokens * heads, body);
        } finally {
            this.q = null;
            this.kCache = null;
            this.vCache = null;
            this.out = null;
        }
    }

    private void items(int part, int from, int to) {
        for (int item = from; item < to; item++) {
            int t = item / heads;
            int h = item % heads;
            long headOff = 4L * ((long) t * heads + h) * dim;
            AttentionKernel.head(q, headOff, kCache, vCache, 4L * (h / group) * dim, rowBytes, startPos + t, dim, scale,
                    scratch.scores[part], scratch.headAcc[part], out, headOff);
        }
    }
}
