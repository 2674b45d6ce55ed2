package io.bitnettt.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.bitnettt.cpu.kernel.OutputProjectionKernel;
import io.bitnettt.spi.LogitScreen;

/**
 * The screened output projection of {@link CpuOps} (see {@code TransformerOps.screenedArgmax} and
 * {@code io.bitnettt.spi.LogitScreen}) for one token, in two parallel passes over the vocabulary:
 * <ol>
 *   <li>every row's int8 logit {@code a_r} (the kernel of {@code outputProjectionInt8}, whose
 *       summation order the bound does not depend on) into the logits buffer, and per part the best lower
 *       bound {@code a_r − ‖x‖·C_r} (for top-k, the part's k best);</li>
 *   <li>every row whose upper bound {@code a_r + ‖x‖·C_r} reaches the threshold (the best lower
 *       bound, or the k-th best) is recomputed by the full-precision kernel, and each part keeps
 *       its best exact rows.</li>
 * </ol>
 * A row below the threshold has an exact logit below that of the row (or the k rows) that set it,
 * so it can neither be the argmax nor in the top k, ties included. Both passes go out in chunks
 * that the threads claim in turn ({@link WorkerPool#forChunks}), so a part sees rows in no fixed
 * order: it adds each chunk to what it kept from its earlier ones, and ties between exact values
 * go to the lower row index explicitly, in a part and in the merge, as the full selection orders
 * them. Where a logit or a bound is not finite the call reports that and
 * {@link CpuOps} computes every row instead. Kept and refilled per call like {@link LogitsCall},
 * so a warm call allocates nothing.
 */
final class ScreenCall {
    /** Allowed runs closer than this many rows are computed as one (see {@link #approx}). */
    private static final int JOIN_GAP = 4;
    /** Largest k the screen serves; a larger one computes every row. */
    static final int MAX_K = 1024;
    /** Per-part slots are this many apart, so parts do not write to one cache line. */
    private static final int PAD = 16;
    /**
     * A bound this large could hide a partial sum past float range in the full kernel, where the
     * error analysis no longer holds ({@code C_r ≥ γ‖w‖₂}, so {@code ‖x‖‖w‖ ≤ b/γ}, γ ≈ 2^-13).
     */
    private static final double MAX_BOUND = 1e30;

    /** Totals since the device opened: screened calls, rows recomputed in full, calls that fell back to every row. */
    record Statistics(long calls, long rowsRecomputed, long fullPasses) {
    }

    private final WorkerPool pool;
    private final WorkerPool.RangeBody approxBody = this::approx;
    private final WorkerPool.RangeBody refineBody = this::refine;
    private final double[] partLower;
    private final boolean[] partBad;
    private final int[] partBest;
    private final float[] partBestValue;
    private final int[] partRows;
    /** Per part: whether it met an allowed row in the first pass. */
    private final boolean[] partAny;
    /** Per part, for top-k: the k best lower bounds, then the k best exact rows (value, index). */
    private double[][] lowerLists;
    private int[] lowerSizes;
    private float[][] topValues;
    private int[][] topIndices;
    private int[] topSizes;
    private double[] merged = new double[0];

    private MemorySegment codes;
    private MemorySegment scales;
    private MemorySegment bounds;
    private MemorySegment table;
    private boolean bf16;
    private int d;
    private float[] xq;
    private float[] xp;
    private MemorySegment logits;
    /** One bit a row, the rows the call may choose from; null for every row. */
    private MemorySegment allowed;
    private int vocab;
    private double norm;
    private double threshold;
    private int k;
    /** Whether the passes keep k best lists (top-k) rather than one best (argmax). */
    private boolean lists;
    private final int[] cursor;

    private long calls;
    private long rowsRecomputed;
    private long fullPasses;

    ScreenCall(WorkerPool pool) {
        this.pool = pool;
        int parts = pool.threads();
        partLower = new double[parts * PAD];
        partBad = new boolean[parts * PAD];
        partBest = new int[parts * PAD];
        partBestValue = new float[parts * PAD];
        partRows = new int[parts * PAD];
        partAny = new boolean[parts * PAD];
        lowerLists = new double[parts][0];
        lowerSizes = new int[parts * PAD];
        topValues = new float[parts][0];
        topIndices = new int[parts][0];
        topSizes = new int[parts * PAD];
        cursor = new int[parts];
    }

    Statistics statistics() {
        return new Statistics(calls, rowsRecomputed, fullPasses);
    }

    /**
     * Binds one call's operands: {@code xq} the activation as the int8 kernel reads it (as is),
     * {@code xp} as the table's exact kernel reads it ({@link OutputProjectionKernel#permute} for BF16).
     */
    ScreenCall with(MemorySegment codes, MemorySegment scales, MemorySegment bounds, MemorySegment table,
                    boolean bf16, int d, float[] xq, float[] xp, MemorySegment logits, int vocab, double norm) {
        this.codes = codes;
        this.scales = scales;
        this.bounds = bounds;
        this.table = table;
        this.bf16 = bf16;
        this.d = d;
        this.xq = xq;
        this.xp = xp;
        this.logits = logits;
        this.vocab = vocab;
        this.norm = norm;
        return this;
    }

    /** Counts a call the screen cannot serve (no bound holds, or k is too large). */
    void fullPass() {
        calls++;
        fullPasses++;
    }

    /**
     * The exact argmax row among those {@code allowed} lets through (one bit a row; null: every row),
     * or -1 when the screen cannot decide and every row must be computed. Rows not allowed are
     * skipped by both passes, so a constrained step reads only the allowed rows' codes.
     */
    int argmax(MemorySegment allowed) {
        try {
            this.allowed = allowed;
            k = 1;
            lists = false;
            calls++;
            reset();
            pool.forChunks(vocab, approxBody);
            double best = Double.NEGATIVE_INFINITY;
            boolean any = false;
            for (int p = 0; p < pool.threads(); p++) {
                if (partBad[p * PAD]) {
                    fullPasses++;
                    return -1;
                }
                best = Math.max(best, partLower[p * PAD]);
                any |= partAny[p * PAD];
            }
            if (!any) {
                fullPasses++;
                return -1; // nothing allowed: the caller's own selection says so
            }
            threshold = best;
            pool.forChunks(vocab, refineBody);
            int row = -1;
            float value = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < pool.threads(); p++) {
                rowsRecomputed += partRows[p * PAD];
                if (partBad[p * PAD]) {
                    fullPasses++;
                    return -1;
                }
                int r = partBest[p * PAD];
                if (r >= 0 && (row < 0 || ranksBefore(partBestValue[p * PAD], r, value, row))) {
                    row = r;
                    value = partBestValue[p * PAD];
                }
            }
            return row;
        } finally {
            release();
        }
    }

    /**
     * The exact top {@code kk} into {@code values}/{@code indices} (descending, lower index first on
     * ties); false when the screen cannot decide and every row must be computed.
     */
    boolean topK(int kk, float[] values, int[] indices) {
        try {
            k = kk;
            lists = true;
            calls++;
            int parts = pool.threads();
            for (int p = 0; p < parts; p++) {
                if (lowerLists[p].length < k) {
                    lowerLists[p] = new double[k];
                    topValues[p] = new float[k];
                    topIndices[p] = new int[k];
                }
            }
            reset();
            pool.forChunks(vocab, approxBody);
            int n = 0;
            for (int p = 0; p < parts; p++) {
                if (partBad[p * PAD]) {
                    fullPasses++;
                    return false;
                }
                n += lowerSizes[p * PAD];
            }
            if (merged.length < n) {
                merged = new double[n];
            }
            n = 0;
            for (int p = 0; p < parts; p++) {
                System.arraycopy(lowerLists[p], 0, merged, n, lowerSizes[p * PAD]);
                n += lowerSizes[p * PAD];
            }
            java.util.Arrays.sort(merged, 0, n);
            threshold = merged[n - k]; // the k-th largest lower bound; at least k rows reach it
            pool.forChunks(vocab, refineBody);
            for (int p = 0; p < parts; p++) {
                rowsRecomputed += partRows[p * PAD];
                if (partBad[p * PAD]) {
                    fullPasses++;
                    return false;
                }
                cursor[p] = 0;
            }
            // Merge the parts' lists, each in rank order.
            for (int j = 0; j < k; j++) {
                int from = -1;
                for (int p = 0; p < parts; p++) {
                    int h = cursor[p];
                    if (h < topSizes[p * PAD] && (from < 0 || ranksBefore(topValues[p][h], topIndices[p][h],
                            topValues[from][cursor[from]], topIndices[from][cursor[from]]))) {
                        from = p;
                    }
                }
                values[j] = topValues[from][cursor[from]];
                indices[j] = topIndices[from][cursor[from]];
                cursor[from]++;
            }
            return true;
        } finally {
            release();
        }
    }

    /** Each part starts a call empty: its chunks add to this, and a part the pool does not run must not read as the last call's. */
    private void reset() {
        for (int p = 0; p < pool.threads(); p++) {
            partBad[p * PAD] = false;
            partLower[p * PAD] = Double.NEGATIVE_INFINITY;
            lowerSizes[p * PAD] = 0;
            partRows[p * PAD] = 0;
            partAny[p * PAD] = false;
            partBest[p * PAD] = -1;
            partBestValue[p * PAD] = Float.NEGATIVE_INFINITY;
            topSizes[p * PAD] = 0;
        }
    }

    private void release() {
        codes = null;
        scales = null;
        bounds = null;
        table = null;
        xq = null;
        xp = null;
        logits = null;
        allowed = null;
    }

    /**
     * The full selection's order: a larger value first, and of equal ones ({@code ==}, so also -0 and
     * +0) the lower row. Values here are never NaN: a NaN ends the screen.
     */
    private static boolean ranksBefore(float v, int row, float other, int otherRow) {
        return v > other || v == other && row < otherRow;
    }

    /** Adds rows {@code [from, to)} to what the part kept from its earlier chunks of this pass. */
    private void approx(int part, int from, int to) {
        if (allowed == null) {
            approxRun(part, from, to);
            return;
        }
        // Run by run of allowed rows: a row's int8 logit does not depend on where its range starts.
        // Runs less than JOIN_GAP rows apart go as one, the rows between computed and not bounded: rows
        // one at a time lose the kernel's four streams, and with every other row allowed the pass took
        // twice as long as over every row (README, "Constrained greedy steps").
        for (int r = nextAllowed(from, to); r < to; ) {
            int end = nextBlocked(r, to);
            int next = nextAllowed(end, to);
            while (next < to && next - end < JOIN_GAP) {
                end = nextBlocked(next, to);
                next = nextAllowed(end, to);
            }
            approxRun(part, r, end);
            r = next;
        }
    }

    /** The first allowed row in {@code [r, to)}, or {@code to}. */
    private int nextAllowed(int r, int to) {
        return nextRow(r, to, 0);
    }

    /** The first row in {@code [r, to)} that is not allowed, or {@code to}. */
    private int nextBlocked(int r, int to) {
        return nextRow(r, to, -1);
    }

    /** The first row in {@code [r, to)} whose mask bit, flipped by {@code flip} (0 or -1), is set; a word at a time. */
    private int nextRow(int r, int to, int flip) {
        while (r < to) {
            int bits = (allowed.getAtIndex(ValueLayout.JAVA_INT, r >>> 5) ^ flip) >>> (r & 31);
            if (bits != 0) {
                return Math.min(to, r + Integer.numberOfTrailingZeros(bits));
            }
            r = (r | 31) + 1;
        }
        return to;
    }

    private boolean isAllowed(int r) {
        return (allowed.getAtIndex(ValueLayout.JAVA_INT, r >>> 5) >>> (r & 31) & 1) != 0;
    }

    private void approxRun(int part, int from, int to) {
        if (partBad[part * PAD]) {
            return; // the call falls back to every row whatever the rest holds
        }
        OutputProjectionKernel.int8Rows(codes, scales, d, xq, 1, logits, vocab, from, to);
        boolean bad = false;
        double best = partLower[part * PAD];
        double[] list = lists ? lowerLists[part] : null;
        int size = lowerSizes[part * PAD];
        boolean any = partAny[part * PAD];
        for (int r = from; r < to; r++) {
            if (allowed != null && !isAllowed(r)) {
                continue;
            }
            any = true;
            double a = logits.getAtIndex(ValueLayout.JAVA_FLOAT, r);
            double b = LogitScreen.margin(norm, bounds.getAtIndex(ValueLayout.JAVA_FLOAT, r));
            double lower = a - b;
            if (!Double.isFinite(lower) || b > MAX_BOUND) {
                bad = true;
                break;
            }
            if (list == null) {
                best = Math.max(best, lower);
            } else if (size < k || lower > list[k - 1]) {
                // The part's k best lower bounds, sorted descending.
                int pos = size < k ? size++ : k - 1;
                while (pos > 0 && list[pos - 1] < lower) {
                    list[pos] = list[pos - 1];
                    pos--;
                }
                list[pos] = lower;
            }
        }
        partBad[part * PAD] = bad;
        partAny[part * PAD] = any;
        partLower[part * PAD] = best;
        lowerSizes[part * PAD] = size;
    }

    /** Adds rows {@code [from, to)} to what the part kept from its earlier chunks of this pass. */
    private void refine(int part, int from, int to) {
        if (partBad[part * PAD]) {
            return;
        }
        int rows = partRows[part * PAD];
        int best = partBest[part * PAD];
        float bestValue = partBestValue[part * PAD];
        float[] vals = lists ? topValues[part] : null;
        int[] ids = lists ? topIndices[part] : null;
        boolean bad = false;
        int size = topSizes[part * PAD];
        for (int r = from; r < to; r++) {
            if (allowed != null && !isAllowed(r)) {
                continue;
            }
            double a = logits.getAtIndex(ValueLayout.JAVA_FLOAT, r);
            double b = LogitScreen.margin(norm, bounds.getAtIndex(ValueLayout.JAVA_FLOAT, r));
            if (a + b < threshold) {
                continue;
            }
            rows++;
            if (bf16) {
                OutputProjectionKernel.bf16Rows(table, d, xp, 1, logits, vocab, r, r + 1);
            } else {
                OutputProjectionKernel.f32Rows(table, d, xp, 1, logits, vocab, r, r + 1);
            }
            float v = logits.getAtIndex(ValueLayout.JAVA_FLOAT, r);
            if (Float.isNaN(v)) {
                bad = true; // the full selection's NaN rules apply: let CpuOps compute every row
                break;
            }
            if (vals == null) {
                if (best < 0 || ranksBefore(v, r, bestValue, best)) {
                    best = r;
                    bestValue = v;
                }
            } else if (size < k || ranksBefore(v, r, vals[k - 1], ids[k - 1])) {
                int pos = size < k ? size++ : k - 1;
                while (pos > 0 && ranksBefore(v, r, vals[pos - 1], ids[pos - 1])) {
                    vals[pos] = vals[pos - 1];
                    ids[pos] = ids[pos - 1];
                    pos--;
                }
                vals[pos] = v;
                ids[pos] = r;
            }
        }
        partBad[part * PAD] = bad;
        partRows[part * PAD] = rows;
        partBest[part * PAD] = best;
        partBestValue[part * PAD] = bestValue;
        topSizes[part * PAD] = size;
    }
}
