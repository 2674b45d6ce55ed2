package io.bitnettt.cpu;

import java.lang.foreign.MemorySegment;

import io.bitnettt.cpu.kernel.OutputProjectionKernel;

/**
 * One output projection of {@link CpuOps}, split over vocabulary rows; kept and refilled per call
 * with its pool body bound once, so a warm call allocates nothing (see {@link LinearCall}).
 */
final class LogitsCall {
    /** The table's element type, which picks the row kernel. */
    enum Table { F32, BF16, INT8 }

    private final WorkerPool pool;
    private final WorkerPool.RangeBody body = this::rows;
    /** Per part: the bf16 row kernel's stage. */
    private final float[][] stages;
    private Table kind;
    private MemorySegment table;
    private MemorySegment rowScales;
    private int d;
    private float[] x;
    private int tokens;
    private MemorySegment logits;
    private int vocab;

    LogitsCall(WorkerPool pool) {
        this.pool = pool;
        this.stages = new float[pool.threads()][OutputProjectionKernel.BF16_STAGE];
    }

    /**
     * {@code x} holds the tokens' activations as the row kernel of {@code kind} reads them;
     * {@code rowScales} is used by {@link Table#INT8} only.
     */
    void run(Table kind, MemorySegment table, MemorySegment rowScales, int d, float[] x, int tokens,
             MemorySegment logits, int vocab) {
        this.kind = kind;
        this.table = table;
        this.rowScales = rowScales;
        this.d = d;
        this.x = x;
        this.tokens = tokens;
        this.logits = logits;
        this.vocab = vocab;
        try {
            pool.forRange(vocab, body);
        } finally {
            this.table = null;
            this.rowScales = null;
            this.x = null;
            this.logits = null;
        }
    }

    private void rows(int part, int from, int to) {
        switch (kind) {
            case F32 -> OutputProjectionKernel.f32Rows(table, d, x, tokens, logits, vocab, from, to);
            case BF16 -> OutputProjectionKernel.bf16Rows(table, d, x, tokens, logits, vocab, from, to, stages[part]);
            case INT8 -> OutputProjectionKernel.int8Rows(table, rowScales, d, x, tokens, logits, vocab, from, to);
        }
    }
}
