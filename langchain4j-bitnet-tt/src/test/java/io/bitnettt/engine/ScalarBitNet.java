package io.bitnettt.engine;

/**
 * An independent float64 forward pass in plain loops over {@link TinyModel}'s arrays, written from
 * the spec (bitnet.md §2) and sharing no code with the engine or its kernels: the oracle the engine
 * is checked against. Keeps its own KV cache.
 */
final class ScalarBitNet {
    private final TinyModel m;
    private final ModelDims d;
    private final double[][][] kCache, vCache; // [layer][pos][kvDim]
    private final KvCacheType cache;

    ScalarBitNet(TinyModel m) {
        this(m, KvCacheType.F32);
    }

    /**
     * Keys and values stored as a cache of {@code cache} holds them: BF16 as float, then bfloat16; INT8 as
     * each kv head's codes times its scale, worked out here from the rule (max|x| / 127, round half even).
     */
    ScalarBitNet(TinyModel m, KvCacheType cache) {
        this.m = m;
        this.cache = cache;
        this.d = m.dims;
        kCache = new double[d.layers()][d.contextLength()][];
        vCache = new double[d.layers()][d.contextLength()][];
    }

    /** Logits for the token at {@code pos}, after all earlier positions went through this method. */
    double[] forward(int token, int pos) {
        double[] h = toDouble(m.embedding[token]);
        for (int l = 0; l < d.layers(); l++) {
            TinyModel.Layer L = m.layers[l];
            double[] a = rms(h, L.inputNorm);
            double[] q = bitLinear(a, L.q, L.qs);
            double[] k = bitLinear(a, L.k, L.ks);
            double[] v = bitLinear(a, L.v, L.vs);
            rope(q, d.heads(), pos);
            rope(k, d.kvHeads(), pos);
            kCache[l][pos] = held(k);
            vCache[l][pos] = held(v);
            double[] o = bitLinear(rms(attention(q, l, pos), L.attnSubNorm), L.o, L.os);
            for (int i = 0; i < h.length; i++) h[i] += o[i];
            double[] mm = rms(h, L.postNorm);
            double[] g = bitLinear(mm, L.gate, L.gs);
            double[] u = bitLinear(mm, L.up, L.us);
            for (int i = 0; i < g.length; i++) {
                double r = Math.max(g[i], 0);
                g[i] = r * r * u[i];
            }
            double[] down = bitLinear(rms(g, L.ffnSubNorm), L.down, L.ds);
            for (int i = 0; i < h.length; i++) h[i] += down[i];
        }
        double[] f = rms(h, m.finalNorm);
        double[] logits = new double[d.vocabSize()];
        for (int t = 0; t < logits.length; t++) {
            double s = 0;
            for (int i = 0; i < f.length; i++) s += f[i] * m.embedding[t][i];
            logits[t] = s;
        }
        return logits;
    }

    private static double[] toDouble(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i];
        return y;
    }

    private double[] rms(double[] x, float[] w) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double inv = 1.0 / Math.sqrt(ss / x.length + d.rmsNormEps());
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = w[i] * (x[i] * inv);
        return y;
    }

    /** W1.58A8: per-token absmax int8 activations, exact integer dot products, then both scales. */
    private static double[] bitLinear(double[] x, byte[][] w, float scale) {
        double max = 1e-5;
        for (double v : x) max = Math.max(max, Math.abs(v));
        double s = 127.0 / max;
        long[] q = new long[x.length];
        for (int i = 0; i < x.length; i++) q[i] = (long) Math.max(-128, Math.min(127, Math.rint(x[i] * s)));
        double[] y = new double[w.length];
        for (int j = 0; j < w.length; j++) {
            long acc = 0;
            for (int i = 0; i < x.length; i++) acc += q[i] * w[j][i];
            y[j] = acc / s * scale;
        }
        return y;
    }

    /** rotate_half: dims i and i + D/2 rotate together by pos · θ^(-2i/D). */
    private void rope(double[] x, int heads, int pos) {
        int hd = d.headDim(), half = hd / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                double angle = pos * Math.pow(d.ropeTheta(), -2.0 * i / hd);
                double c = Math.cos(angle), s = Math.sin(angle);
                int a = h * hd + i, b = a + half;
                double x1 = x[a], x2 = x[b];
                x[a] = x1 * c - x2 * s;
                x[b] = x2 * c + x1 * s;
            }
        }
    }

    /** Causal grouped-query attention over the cache, query head h reading KV head h / (H / Hkv). */
    private double[] attention(double[] q, int l, int pos) {
        int hd = d.headDim(), group = d.heads() / d.kvHeads();
        double[] out = new double[q.length];
        for (int h = 0; h < d.heads(); h++) {
            int kvOff = (h / group) * hd;
            double[] score = new double[pos + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t <= pos; t++) {
                double s = 0;
                for (int i = 0; i < hd; i++) s += q[h * hd + i] * kCache[l][t][kvOff + i];
                score[t] = s / Math.sqrt(hd);
                max = Math.max(max, score[t]);
            }
            double sum = 0;
            for (int t = 0; t <= pos; t++) sum += score[t] = Math.exp(score[t] - max);
            for (int i = 0; i < hd; i++) {
                double acc = 0;
                for (int t = 0; t <= pos; t++) acc += score[t] / sum * vCache[l][t][kvOff + i];
                out[h * hd + i] = acc;
            }
        }
        return out;
    }

    private double[] held(double[] x) {
        return switch (cache) {
            case F32 -> x;
            case BF16 -> bf16(x);
            case INT8 -> int8Heads(x, d.headDim());
        };
    }

    /** Per run of {@code dim} values: {@code s = max|x| / 127}, each x to {@code s · rint(x / s)}. */
    static double[] int8Heads(double[] x, int dim) {
        double[] y = new double[x.length];
        for (int h = 0; h < x.length; h += dim) {
            double max = 0;
            for (int i = h; i < h + dim; i++) {
                max = Math.max(max, Math.abs(x[i]));
            }
            double s = max / 127;
            for (int i = h; i < h + dim; i++) {
                y[i] = s == 0 ? 0 : s * Math.rint(x[i] / s);
            }
        }
        return y;
    }

    /**
     * Each value to float, then to the nearer of the two bfloat16 values around it (the float with its low
     * 16 bits cleared, and the next one away from zero), the one with an even last bit on a tie.
     */
    static double[] bf16(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            float f = (float) x[i];
            int bits = Float.floatToRawIntBits(f);
            float toward = Float.intBitsToFloat(bits & 0xFFFF0000);
            float away = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000);
            double dt = Math.abs((double) f - toward);
            double da = Math.abs((double) away - f);
            boolean evenToward = ((bits >>> 16) & 1) == 0;
            y[i] = dt < da || (dt == da && evenToward) ? toward : away;
        }
        return y;
    }
}
