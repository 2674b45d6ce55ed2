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
    /** The lookup kernels' parts are cut at slabs of {@link LookupLayout#SLAB_GROUPS} groups, so each reads whole slabs. */
    private final int[] firstSlab = new int[MAX_WEIGHTS + 1];
    private final WorkerPool.RangeBody quantizeBody = this::quantize;
    private final WorkerPool.RangeBody lookupBody = this::lookupRange;
    private final WorkerPool.RangeBody columnBody = this::columnRange;
    private final WorkerPool.RangeBody multiplyBody = this::multiplyRange;
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
        int groups = w.layout().groups();
        firstGroup[count + 1] = firstGroup[count] + groups;
        firstSlab[count + 1] = firstSlab[count] + (groups + LookupLayout.SLAB_GROUPS - 1) / LookupLayout.SLAB_GROUPS;
        count++;
        return this;
    }

    /** Runs the weights added since the last run on {@code tokens} rows of {@code in} floats. */
    void run(MemorySegment x, int tokens, int in) {
        try {
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
     * One token: the parts split the columns, in chunks of {@link LookupLayout#CHUNK_WORDS} words,
     * which they claim one at a time. Each part builds the tables of its chunks and adds the int
     * sums of every row of every weight over them into sums of its own; those words of a weight
     * are one stretch of its layout, so each claim is read as one stream. The sums are exact
     * integers, so folding the parts' sums together gives the same rows however the columns were
     * shared out.
     *
     * <p>More tokens: once every token is quantized, the parts split the rows at slabs, one range
     * per thread. Each builds the tables of every token (read by another core they cost more than
     * building them) and runs {@link LookupMatmul#gemm} over groups of {@link LookupMatmul#TOKENS}
     * tokens and {@link LookupMatmul#gemv} over the rest.
     */
    private void runLookup() {
        int groups = 0;
        for (int m = 0; m < count; m++) {
            groups = Math.max(groups, weights[m].layout().groups());
        }
        for (LookupMatmul.Work work : scratch.lookupWork) {
            work.reserve(groups); // here, not in the parts, so a warm call allocates nothing
            if (tokens == 1) {
                work.clearSums(firstGroup[count]);
            }
        }
        if (tokens == 1) {
            quantize(0, 0, 1);
            LookupLayout layout0 = (LookupLayout) weights[0].layout();
            pool.forChunks((layout0.words() + LookupLayout.CHUNK_WORDS - 1) / LookupLayout.CHUNK_WORDS, columnBody);
            LookupMatmul.Work sums = scratch.lookupWork[0];
            for (int p = 1; p < scratch.lookupWork.length; p++) {
                LookupMatmul.foldSums(sums, scratch.lookupWork[p], firstGroup[count]);
            }
            for (int m = 0; m < count; m++) {
                CpuTernaryTensor w = weights[m];
                LookupMatmul.storeSums(sums, firstGroup[m], (LookupLayout) w.layout(), s[0], w.quantScale(),
                        outputs[m], 0);
            }
        } else {
            pool.forRange(tokens, quantizeBody);
            pool.forRange(firstSlab[count], lookupBody);
        }
    }

    private void quantize(int part, int from, int to) {
        for (int t = from; t < to; t++) {
            s[t] = ActivationQuantizer.quantize(x, 4L * t * in, in, q, t * stride, stride);
        }
    }

    /** One token's column chunks {@code [from, to)} of every weight, into part {@code part}'s sums. */
    private void columnRange(int part, int from, int to) {
        LookupLayout layout0 = (LookupLayout) weights[0].layout();
        LookupMatmul.Work work = scratch.lookupWork[part];
        short[] tab = work.tables(LookupMatmul.tableSize(layout0));
        int j0 = from * LookupLayout.CHUNK_WORDS;
        int j1 = Math.min(layout0.words(), to * LookupLayout.CHUNK_WORDS);
        LookupMatmul.tables(q, j0 * LookupLayout.COLUMNS_PER_WORD, j1 - j0, tab, j0 * LookupMatmul.WORD_TABLE);
        for (int m = 0; m < count; m++) {
            CpuTernaryTensor w = weights[m];
            LookupMatmul.addColumnSums(w.segment(), (LookupLayout) w.layout(), tab, 0, j0, j1, work, firstGroup[m]);
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
            for (int k = 0; k < n; k++) {
                LookupMatmul.tables(q, (t + k) * stride, layout0.words(), tab, k * tabSize);
            }
            for (int m = 0; m < count; m++) {
                int s0 = Math.max(from, firstSlab[m]) - firstSlab[m];
                int s1 = Math.min(to, firstSlab[m + 1]) - firstSlab[m];
                if (s0 < s1) {
                    CpuTernaryTensor w = weights[m];
                    LookupLayout layout = (LookupLayout) w.layout();
                    int g0 = s0 * LookupLayout.SLAB_GROUPS;
                    int g1 = Math.min(layout.groups(), s1 * LookupLayout.SLAB_GROUPS);
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
