package io.bitnettt.cpu;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import io.bitnettt.cpu.kernel.ActivationQuantizer;
import io.bitnettt.cpu.kernel.LookupLayout;
import io.bitnettt.cpu.kernel.LookupMatmul;
import io.bitnettt.cpu.kernel.TableGemm;
import io.bitnettt.cpu.kernel.TernaryLayout;
import io.bitnettt.cpu.kernel.TernaryMatmul;
import io.bitnettt.cpu.kernel.WeightLayout;

/**
 * One ternary linear call of {@link CpuOps}, single or fused: quantizes the activations once, then
 * runs every weight over one parallel range of row groups spanning all of them, so fused
 * projections split across threads as one matrix would. All weights of a call share the
 * activations' width and so one layout shape of activations.
 *
 * <p>{@link CpuOps} keeps one instance and refills it per call (its ops are serialized), and the
 * pool's bodies are bound once here, so a warm decode step allocates nothing: capturing lambdas
 * and per-call arrays were about 3 KB of garbage a step.
 */
final class LinearCall {
    /** The most weights one call fuses: q, k and v. */
    static final int MAX_WEIGHTS = 3;

    private final WorkerPool pool;
    private final Scratch scratch;
    private final CpuTernaryTensor[] weights = new CpuTernaryTensor[MAX_WEIGHTS];
    private final MemorySegment[] outputs = new MemorySegment[MAX_WEIGHTS];
    /** Where weight {@code m}'s row groups start in the range the pool splits. */
    private final int[] firstGroup = new int[MAX_WEIGHTS + 1];
    private final WorkerPool.RangeBody quantizeBody = this::quantize;
    private final WorkerPool.RangeBody lookupBody = this::lookupRange;
    private final WorkerPool.RangeBody multiplyBody = this::multiplyRange;
    /** Counts runs, so a part that claims several chunks of one decode call builds its lookup tables once. */
    private long runs;
    /** The run each part last built single-token lookup tables in. */
    private final long[] tablesRun;
    private int count;
    private MemorySegment x;
    private int tokens;
    private int in;
    private int stride;
    private short[] q;
    private float[] s;
    private int[] sums;
    private short[] xt;

    LinearCall(WorkerPool pool, Scratch scratch) {
        this.pool = pool;
        this.scratch = scratch;
        this.tablesRun = new long[pool.threads()];
        Arrays.fill(tablesRun, -1);
    }

    /**
     * Adds a weight and its output, in the order their row groups are laid side by side; the
     * caller resolves every operand first, so nothing can fail between this and {@link #run}.
     */
    LinearCall with(CpuTernaryTensor w, MemorySegment out) {
        if (count == MAX_WEIGHTS) {
            throw new IllegalStateException("a linear call fuses at most " + MAX_WEIGHTS + " weights");
        }
        weights[count] = w;
        outputs[count] = out;
        firstGroup[count + 1] = firstGroup[count] + w.layout().groups();
        count++;
        return this;
    }

    /** Runs the weights added since the last run on {@code tokens} rows of {@code in} floats. */
    void run(MemorySegment x, int tokens, int in) {
        try {
            runs++;
            this.x = x;
            this.tokens = tokens;
            this.in = in;
            WeightLayout layout0 = weights[0].layout();
            stride = layout0.paddedIn();
            q = scratch.quantized(tokens * stride);
            s = scratch.tokenScales(tokens);
            if (layout0 instanceof LookupLayout) {
                runLookup();
            } else {
                runMultiply((TernaryLayout) layout0);
            }
        } finally {
            Arrays.fill(weights, null);
            Arrays.fill(outputs, null);
            this.x = null;
            count = 0;
        }
    }

    /**
     * Quantizes every token, then each part builds the lookup tables it needs itself (read by
     * another core they cost more than building them) and runs {@link LookupMatmul#gemm} over
     * groups of {@link LookupMatmul#TOKENS} tokens and {@link LookupMatmul#gemv} over the rest,
     * for its rows of every weight. One token's rows go out in chunks, each part building its
     * tables at its first chunk; a prefill's parts stay one per thread, since they build tables
     * for every token.
     */
    private void runLookup() {
        if (tokens == 1) {
            quantize(0, 0, 1);
            pool.forChunks(firstGroup[count], lookupBody);
        } else {
            pool.forRange(tokens, quantizeBody);
            pool.forRange(firstGroup[count], lookupBody);
        }
    }

    private void quantize(int part, int from, int to) {
        for (int t = from; t < to; t++) {
            s[t] = ActivationQuantizer.quantize(x, 4L * t * in, in, q, t * stride, stride);
        }
    }

    private void lookupRange(int part, int from, int to) {
        LookupLayout layout0 = (LookupLayout) weights[0].layout();
        int tabSize = LookupMatmul.tableSize(layout0);
        int batch = LookupMatmul.TOKENS;
        LookupMatmul.Work work = scratch.lookupWork[part];
        short[] tab = work.tables(batch * tabSize);
        for (int t = 0; t < tokens; ) {
            int n = tokens - t >= batch ? batch : 1;
            if (tokens > 1 || tablesRun[part] != runs) {
                for (int k = 0; k < n; k++) {
                    LookupMatmul.tables(q, (t + k) * stride, layout0.words(), tab, k * tabSize);
                }
                tablesRun[part] = runs;
            }
            for (int m = 0; m < count; m++) {
                int g0 = Math.max(from, firstGroup[m]) - firstGroup[m];
                int g1 = Math.min(to, firstGroup[m + 1]) - firstGroup[m];
                if (g0 < g1) {
                    CpuTernaryTensor w = weights[m];
                    LookupLayout layout = (LookupLayout) w.layout();
                    long yStride = 4L * layout.out();
                    if (n == batch) {
                        LookupMatmul.gemm(w.segment(), layout, tab, 0, tabSize, s, t, w.quantScale(), outputs[m],
                                t * yStride, yStride, g0, g1, work);
                    } else {
                        LookupMatmul.gemv(w.segment(), layout, tab, 0, s[t], w.quantScale(), outputs[m],
                                t * yStride, g0, g1, work);
                    }
                }
            }
            t += n;
        }
    }

    /**
     * Few tokens run the GEMV per token on telescoped activations, in chunks; more run
     * {@link TableGemm} on plain ones, transposed so a vector holds one column of a tile of tokens,
     * one range per thread, since it builds its tables per range.
     */
    private void runMultiply(TernaryLayout layout0) {
        sums = scratch.tokenSums(tokens);
        boolean table = tokens >= TableGemm.MIN_TOKENS;
        for (int t = 0; t < tokens; t++) {
            s[t] = ActivationQuantizer.quantize(x, 4L * t * in, in, q, t * stride, stride);
            if (!table) {
                sums[t] = TernaryLayout.telescope(q, t * stride, layout0.blocks());
            }
        }
        xt = null;
        if (table) {
            xt = scratch.transposed(TableGemm.transposedSize(tokens, stride));
            TableGemm.transpose(q, stride, tokens, stride, xt);
        }
        if (table) {
            pool.forRange(firstGroup[count], multiplyBody); // TableGemm builds its tables per range
        } else {
            pool.forChunks(firstGroup[count], multiplyBody);
        }
    }

    private void multiplyRange(int part, int from, int to) {
        for (int m = 0; m < count; m++) {
            int g0 = Math.max(from, firstGroup[m]) - firstGroup[m];
            int g1 = Math.min(to, firstGroup[m + 1]) - firstGroup[m];
            if (g0 >= g1) {
                continue;
            }
            CpuTernaryTensor w = weights[m];
            TernaryLayout layout = (TernaryLayout) w.layout();
            MemorySegment y = outputs[m];
            if (xt != null) {
                TableGemm.run(w.segment(), layout, xt, tokens, s, w.quantScale(), y, 4L * layout.out(), g0, g1,
                        scratch.tableWork[part]);
            } else {
                for (int t = 0; t < tokens; t++) {
                    TernaryMatmul.gemv(w.segment(), layout, q, t * stride, sums[t], s[t], w.quantScale(), y,
                            4L * t * layout.out(), g0, g1);
                }
            }
        }
    }
}
