package io.bitnettt.cpu.kernel;

/**
 * The golden reference: every operation as straight loops over Java arrays, written from the spec
 * (§2, §3) and nothing else, so tests can use it as the oracle for the vectorized kernels.
 * Row-major throughout; {@code T} tokens per call.
 */
public final class ScalarKernels {
    private ScalarKernels() {
    }

    /** Per-token scale {@code s = 127 / max(max|x|, 1e-5)}. */
    public static float quantScale(float[] x, int off, int n) {
        float max = 1e-5f;
        for (int k = 0; k < n; k++) {
            max = Math.max(max, Math.abs(x[off + k]));
        }
        return 127f / max;
    }

    /** {@code clamp(round_half_even(x·s), -128, 127)}. */
    public static int quantize(float x, float s) {
        double r = Math.rint(x * s);
        if (r > 127) {
            return 127;
        }
        if (r < -128) {
            return -128;
        }
        return (int) r;
    }

    /**
     * BitLinear: {@code y[t, j] = acc / s_t · scale}, {@code acc = Σ_k q[t, k] · w[j, k]} in exact int.
     *
     * @param w row-major ternary {@code [out, in]}
     */
    public static float[] ternaryLinear(float[] x, int tokens, int in, byte[] w, int out, float scale) {
        float[] y = new float[tokens * out];
        int[] q = new int[in];
        for (int t = 0; t < tokens; t++) {
            float s = quantScale(x, t * in, in);
            for (int k = 0; k < in; k++) {
                q[k] = quantize(x[t * in + k], s);
            }
            for (int j = 0; j < out; j++) {
                int acc = 0;
                for (int k = 0; k < in; k++) {
                    acc += q[k] * w[j * in + k];
                }
                y[t * out + j] = (float) acc / s * scale;
            }
        }
        return y;
    }

    public static float[] rmsNorm(float[] x, int tokens, int n, float[] w, float eps) {
        float[] y = new float[tokens * n];
        for (int t = 0; t < tokens; t++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += (double) x[t * n + i] * x[t * n + i];
            }
            float inv = (float) (1.0 / Math.sqrt((float) (sum / n) + eps));
            for (int i = 0; i < n; i++) {
                y[t * n + i] = w[i] * (x[t * n + i] * inv);
            }
        }
        return y;
    }

    /** {@code out = x·cos + rotate_half(x)·sin}, rotate_half(x) = cat(-x[D/2:], x[:D/2]), per head. */
    public static float[] rope(float[] x, int tokens, int heads, int dim, float[] cos, float[] sin, int startPos) {
        float[] y = new float[x.length];
        int width = heads * dim;
        int half = dim / 2;
        for (int t = 0; t < tokens; t++) {
            int pos = startPos + t;
            for (int h = 0; h < heads; h++) {
                int base = t * width + h * dim;
                for (int i = 0; i < dim; i++) {
                    float rotated = i < half ? -x[base + i + half] : x[base + i - half];
                    y[base + i] = x[base + i] * cos[pos * dim + i] + rotated * sin[pos * dim + i];
                }
            }
        }
        return y;
    }

    /**
     * Causal GQA over caches {@code [maxSeq, Hkv·D]}: token t at position startPos+t sees rows
     * 0..startPos+t; head h uses kv head h / (H/Hkv).
     */
    public static float[] attention(float[] q, int tokens, float[] kCache, float[] vCache, int startPos, int heads,
                                    int kvHeads, int dim) {
        float[] out = new float[tokens * heads * dim];
        int group = heads / kvHeads;
        int kvWidth = kvHeads * dim;
        float scale = (float) (1.0 / Math.sqrt(dim));
        for (int t = 0; t < tokens; t++) {
            int last = startPos + t;
            for (int h = 0; h < heads; h++) {
                int kh = h / group;
                double[] score = new double[last + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= last; j++) {
                    double dot = 0;
                    for (int i = 0; i < dim; i++) {
                        dot += (double) q[(t * heads + h) * dim + i] * kCache[j * kvWidth + kh * dim + i];
                    }
                    score[j] = dot * scale;
                    max = Math.max(max, score[j]);
                }
                double sum = 0;
                for (int j = 0; j <= last; j++) {
                    score[j] = Math.exp(score[j] - max);
                    sum += score[j];
                }
                for (int i = 0; i < dim; i++) {
                    double acc = 0;
                    for (int j = 0; j <= last; j++) {
                        acc += score[j] / sum * vCache[j * kvWidth + kh * dim + i];
                    }
                    out[(t * heads + h) * dim + i] = (float) acc;
                }
            }
        }
        return out;
    }

    public static float[] relu2Gate(float[] gate, float[] up) {
        float[] y = new float[gate.length];
        for (int i = 0; i < y.length; i++) {
            float r = Math.max(gate[i], 0f);
            y[i] = r * r * up[i];
        }
        return y;
    }

    public static float[] add(float[] a, float[] b) {
        float[] y = new float[a.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = a[i] + b[i];
        }
        return y;
    }

    public static float[] embedding(float[] table, int dim, int[] ids) {
        float[] y = new float[ids.length * dim];
        for (int t = 0; t < ids.length; t++) {
            System.arraycopy(table, ids[t] * dim, y, t * dim, dim);
        }
        return y;
    }

    /** {@code logits[t, v] = Σ_k x[t, k] · table[v, k]}, accumulated in double. */
    public static float[] outputProjection(float[] x, int tokens, int dim, float[] table, int vocab) {
        float[] y = new float[tokens * vocab];
        for (int t = 0; t < tokens; t++) {
            for (int v = 0; v < vocab; v++) {
                double acc = 0;
                for (int k = 0; k < dim; k++) {
                    acc += (double) x[t * dim + k] * table[v * dim + k];
                }
                y[t * vocab + v] = (float) acc;
            }
        }
        return y;
    }

    /**
     * {@code logits[t, v] = scale[v] · Σ_k x[t, k] · q[v, k]} against an int8 per-row quantized
     * table ({@code io.bitnettt.spi.RowQuantization}); the sum is accumulated in double.
     */
    public static float[] outputProjectionInt8(float[] x, int tokens, int dim, byte[] q, float[] scale, int vocab) {
        float[] y = new float[tokens * vocab];
        for (int t = 0; t < tokens; t++) {
            for (int v = 0; v < vocab; v++) {
                double acc = 0;
                for (int k = 0; k < dim; k++) {
                    acc += (double) x[t * dim + k] * q[v * dim + k];
                }
                y[t * vocab + v] = (float) (acc * scale[v]);
            }
        }
        return y;
    }

    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] > x[off + best]) {
                best = i;
            }
        }
        return best;
    }

    /** Indices of the k largest values, descending, lower index first on ties (selection by repeated argmax). */
    public static int[] topK(float[] x, int k) {
        int[] idx = new int[k];
        boolean[] taken = new boolean[x.length];
        for (int r = 0; r < k; r++) {
            int best = -1;
            for (int i = 0; i < x.length; i++) {
                if (!taken[i] && (best < 0 || x[i] > x[best])) {
                    best = i;
                }
            }
            taken[best] = true;
            idx[r] = best;
        }
        return idx;
    }
}
