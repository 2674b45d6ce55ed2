package io.bitnettt.generate;

import java.util.SplittableRandom;

/**
 * Picks the next token from a logits vector, in llama.cpp's default order:
 * penalties, top-k, top-p, min-p, temperature, then a weighted random draw (or argmax at temperature 0).
 *
 * <p>One instance per generation: it owns the random stream and vocabulary-sized scratch buffers that are
 * reused for every token, so sampling allocates nothing per token. Not thread-safe.
 *
 * <p>Randomness comes from {@link SplittableRandom} seeded with {@link SamplingParameters#seed()} (or a random
 * seed, see {@link #seed()}); each sampled token consumes exactly one {@code nextDouble()}, so the same seed,
 * parameters and logits always give the same tokens, on any JVM.
 */
public final class Sampler {

    private static final int[] NO_HISTORY = new int[0];

    private final SamplingParameters params;
    private final int vocabSize;
    private final long seed;
    private final SplittableRandom random;
    private final LogitPenalties penalties;

    /** Logits after penalties; the caller's array is never modified. */
    private final float[] work;
    /** Surviving candidates encoded by {@link #key}; ascending order = best first. */
    private final long[] keys;
    /** Unnormalised sampling weights, parallel to {@link #keys}. */
    private final double[] weights;

    public Sampler(SamplingParameters params, int vocabSize) {
        if (vocabSize < 1) {
            throw new IllegalArgumentException("vocabSize must be >= 1, was " + vocabSize);
        }
        this.params = params;
        this.vocabSize = vocabSize;
        this.seed = params.seed() != null ? params.seed() : new SplittableRandom().nextLong();
        this.random = new SplittableRandom(seed);
        this.penalties = new LogitPenalties(params, vocabSize);
        this.work = new float[vocabSize];
        boolean needsCandidates = !params.isGreedy();
        int candidateCapacity = params.topK() > 0 ? Math.min(params.topK(), vocabSize) : vocabSize;
        this.keys = needsCandidates ? new long[candidateCapacity] : null;
        this.weights = needsCandidates ? new double[candidateCapacity] : null;
    }

    /** The seed in use; log it to reproduce a run that was started with a random seed. */
    public long seed() {
        return seed;
    }

    public SamplingParameters parameters() {
        return params;
    }

    /** Samples with no token history (penalties have nothing to act on). */
    public int sample(float[] logits) {
        return sample(logits, NO_HISTORY, 0);
    }

    /**
     * Returns the next token id.
     *
     * @param logits        raw model output for the last position, length == vocabulary size; not modified.
     *                      -Infinity masks a token; NaN or +Infinity are rejected as a model fault.
     * @param history       token ids generated (and, if the caller wants them penalised, prompt tokens) so far
     * @param historyLength how many leading entries of {@code history} are valid
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        if (params.isGreedy()) {
            prepareWork(logits, history, historyLength);
            return argmax(work);
        }
        return draw(filter(logits, history, historyLength));
    }

    /**
     * Samples from the {@code k = topK} best logits already selected by the device (descending, lower id first
     * on ties, as {@code TransformerOps.topK} returns them). Draws exactly what {@link #sample(float[])} would
     * draw from the full logits with the same seed, because top-p, min-p and temperature only ever look at the
     * top-k survivors. Only valid without penalties (they need the whole vocabulary).
     */
    public int sampleTopK(float[] values, int[] ids) {
        if (params.isGreedy() || params.hasPenalties() || params.topK() < 1 || params.topK() >= vocabSize) {
            throw new IllegalStateException("device top-k sampling needs 0 < topK < " + vocabSize
                    + ", a temperature above 0 and no penalties; parameters are " + params);
        }
        int k = params.topK();
        if (values.length != k || ids.length != k) {
            throw new IllegalArgumentException("expected " + k + " candidates (topK), got " + values.length
                    + " values and " + ids.length + " ids");
        }
        for (int i = 0; i < k; i++) {
            float v = values[i];
            if (Float.isNaN(v) || v == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("candidate logit " + i + " (token " + ids[i] + ") is " + v
                        + "; the model output is broken");
            }
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("candidate " + i + " is token " + ids[i]
                        + ", outside the vocabulary [0, " + vocabSize + ")");
            }
            work[ids[i]] = v;
            keys[i] = key(v, ids[i]);
        }
        sortKeys(k);
        float max = work[token(keys[0])];
        if (max == Float.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("every logit is -Infinity; there is no token to sample");
        }
        double minPThreshold = params.minP() > 0 ? max + Math.log(params.minP()) : Double.NEGATIVE_INFINITY;
        double topPNormaliser = 0;
        for (int i = 0; i < k; i++) {
            topPNormaliser += Math.exp(work[token(keys[i])] - max);
        }
        return draw(finish(k, max, topPNormaliser, minPThreshold));
    }

    /** A weighted draw among the {@code n} surviving candidates; consumes one {@code nextDouble()}. */
    private int draw(int n) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += weights[i];
        }
        double u = random.nextDouble() * total;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += weights[i];
            if (u < acc) {
                return token(keys[i]);
            }
        }
        // Rounding can leave u == total; the last candidate with non-zero weight owns that edge.
        for (int i = n - 1; i > 0; i--) {
            if (weights[i] > 0) {
                return token(keys[i]);
            }
        }
        return token(keys[0]);
    }

    /**
     * The full sampling distribution for these inputs (index = token id), without drawing from it.
     * Allocates a vocabulary-sized array, so it is meant for tests and diagnostics, not the decode loop.
     */
    double[] distribution(float[] logits, int[] history, int historyLength) {
        double[] p = new double[vocabSize];
        if (params.isGreedy()) {
            prepareWork(logits, history, historyLength);
            p[argmax(work)] = 1;
            return p;
        }
        int n = filter(logits, history, historyLength);
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += weights[i];
        }
        for (int i = 0; i < n; i++) {
            p[token(keys[i])] = weights[i] / total;
        }
        return p;
    }

    /** Copies logits into {@link #work}, rejects faulty values and applies penalties; returns the max logit. */
    private float prepareWork(float[] logits, int[] history, int historyLength) {
        if (logits.length != vocabSize) {
            throw new IllegalArgumentException(
                    "logits length must equal the vocabulary size " + vocabSize + ", was " + logits.length);
        }
        for (int i = 0; i < vocabSize; i++) {
            float v = logits[i];
            if (Float.isNaN(v) || v == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("logit " + i + " is " + v + "; the model output is broken");
            }
        }
        System.arraycopy(logits, 0, work, 0, vocabSize);
        penalties.apply(work, history, historyLength);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocabSize; i++) {
            max = Math.max(max, work[i]);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("every logit is -Infinity; there is no token to sample");
        }
        return max;
    }

    /** First index of the largest value, so ties resolve to the lowest token id. */
    static int argmax(float[] values) {
        int best = 0;
        float bestValue = values[0];
        for (int i = 1; i < values.length; i++) {
            if (values[i] > bestValue) {
                bestValue = values[i];
                best = i;
            }
        }
        return best;
    }

    /**
     * Runs penalties, top-k, top-p, min-p and temperature; leaves the survivors in {@code keys[0, n)} with their
     * unnormalised weights in {@code weights[0, n)} and returns {@code n} (always at least 1).
     */
    private int filter(float[] logits, int[] history, int historyLength) {
        float max = prepareWork(logits, history, historyLength);
        int topK = params.topK();
        double topP = params.topP();
        double minP = params.minP();
        // Min-p keeps logits >= max + ln(minP): the ratio to the best probability does not depend on the
        // normaliser, so the threshold is the same before or after top-p renormalises.
        double minPThreshold = minP > 0 ? max + Math.log(minP) : Double.NEGATIVE_INFINITY;

        int n;
        double topPNormaliser = 0;
        if (topK > 0 && topK < vocabSize) {
            n = selectTopK(topK);
            sortHeap(n); // selectTopK left keys[0, n) a max-heap
            for (int i = 0; i < n; i++) {
                topPNormaliser += Math.exp(work[token(keys[i])] - max);
            }
        } else {
            // No top-k: only tokens that survive min-p and can lie inside the top-p nucleus are collected,
            // so the sort (if top-p is on) usually touches a few hundred tokens instead of the vocabulary.
            double floor = minPThreshold;
            if (topP < 1) {
                for (int i = 0; i < vocabSize; i++) {
                    topPNormaliser += Math.exp(work[i] - max);
                }
                floor = Math.max(floor, nucleusFloor(max, topP * topPNormaliser, minPThreshold));
            }
            n = 0;
            for (int i = 0; i < vocabSize; i++) {
                float l = work[i];
                if (l >= floor && l != Float.NEGATIVE_INFINITY) {
                    keys[n++] = key(l, i);
                }
            }
            if (topP < 1) {
                sortKeys(n);
            }
        }

        return finish(n, max, topPNormaliser, minPThreshold);
    }

    /**
     * Top-p, min-p and temperature over the sorted candidates {@code keys[0, n)} (logits in {@link #work});
     * leaves their unnormalised weights in {@code weights[0, n)} and returns the surviving count.
     */
    private int finish(int n, float max, double topPNormaliser, double minPThreshold) {
        double topP = params.topP();
        double minP = params.minP();
        if (topP < 1) {
            // Smallest prefix whose probability mass reaches topP; if min-p already dropped part of it the
            // loop runs out first and min-p's shorter prefix wins, which is what applying both in order gives.
            double target = topP * topPNormaliser;
            double cumulative = 0;
            for (int i = 0; i < n; i++) {
                cumulative += Math.exp(work[token(keys[i])] - max);
                if (cumulative >= target) {
                    n = i + 1;
                    break;
                }
            }
        }

        if (minP > 0) {
            int kept = 0;
            for (int i = 0; i < n; i++) {
                if (work[token(keys[i])] >= minPThreshold) {
                    keys[kept++] = keys[i];
                }
            }
            n = kept;
        }
        double invTemperature = 1.0 / params.temperature();
        for (int i = 0; i < n; i++) {
            weights[i] = Math.exp((work[token(keys[i])] - max) * invTemperature);
        }
        return n;
    }

    /**
     * A logit cutoff such that the tokens at or above it already hold {@code targetMass}: the top-p nucleus is
     * then a prefix of them and nothing below needs sorting. Tries cutoffs ever further below the max; LLM
     * distributions are peaked, so the first try (e^-8 of the top probability) almost always suffices.
     * Summation order differs from the final walk, so a nucleus whose edge sits within rounding error of
     * {@code topP} may keep one token fewer than an exact sort would.
     */
    private double nucleusFloor(float max, double targetMass, double lowestUseful) {
        for (double gap = 8; gap <= 256; gap *= 2) {
            double cutoff = max - gap;
            if (cutoff <= lowestUseful) {
                break;
            }
            double mass = 0;
            for (int i = 0; i < vocabSize; i++) {
                float l = work[i];
                if (l >= cutoff) {
                    mass += Math.exp(l - max);
                }
            }
            if (mass >= targetMass) {
                return cutoff;
            }
        }
        return Double.NEGATIVE_INFINITY;
    }

    /**
     * Partial selection of the k best tokens with a bounded max-heap of keys (the root is the worst kept
     * candidate): O(V log k) instead of sorting the whole vocabulary. Leaves them unsorted in keys[0, k).
     */
    private int selectTopK(int k) {
        for (int i = 0; i < k; i++) {
            keys[i] = key(work[i], i);
            siftUp(i);
        }
        for (int i = k; i < vocabSize; i++) {
            long candidate = key(work[i], i);
            if (candidate < keys[0]) {
                keys[0] = candidate;
                siftDown(0, k);
            }
        }
        return k;
    }

    private void siftUp(int i) {
        long x = keys[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] >= x) {
                break;
            }
            keys[i] = keys[parent];
            i = parent;
        }
        keys[i] = x;
    }

    /** Max-heap sift of {@code keys[i]} within {@code keys[0, size)}. */
    private void siftDown(int i, int size) {
        long x = keys[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && keys[child + 1] > keys[child]) {
                child++;
            }
            if (keys[child] <= x) {
                break;
            }
            keys[i] = keys[child];
            i = child;
        }
        keys[i] = x;
    }

    /**
     * Sorts {@code keys[0, n)} ascending by heap sort. {@code Arrays.sort(long[])} allocates working memory on
     * AVX-512 machines (about 28 KB per 100k keys on JDK 25), which would make every top-p token allocate.
     */
    private void sortKeys(int n) {
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(i, n);
        }
        sortHeap(n);
    }

    /** Sorts the max-heap {@code keys[0, n)} ascending in place. */
    private void sortHeap(int n) {
        for (int end = n - 1; end > 0; end--) {
            long top = keys[0];
            keys[0] = keys[end];
            keys[end] = top;
            siftDown(0, end);
        }
    }

    /**
     * Packs (logit, token) into one long whose natural ascending order is "higher logit first, then lower token
     * id", so candidates sort as plain longs and ties stay deterministic.
     */
    static long key(float logit, int token) {
        int bits = Float.floatToIntBits(logit + 0.0f); // + 0.0f folds -0.0 into 0.0
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // signed-int order now equals float order
        return ((long) ~ordered << 32) | (token & 0xffffffffL);
    }

    static int token(long key) {
        return (int) key;
    }
}
