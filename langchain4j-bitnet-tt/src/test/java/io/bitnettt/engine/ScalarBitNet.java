package io.bitnettt.engine;

/**
 * An independent forward pass in plain loops over {@link TinyModel}'s arrays, straight from the
 * spec (bitnet.md §2): the oracle the engine is checked against. Keeps its own KV cache.
 */
final class ScalarBitNet {
    private final TinyModel m;
    private final ModelDims d;
    private final float[][][] kCache, vCache; // [layer][pos][kvDim]

    ScalarBitNet(TinyModel m) {
        this.m = m;
        this.d = m.dims;
        kCache = new float[d.layers()][d.contextLength()][];
        vCache = new float[d.layers()][d.contextLength()][];
    }

    /** Logits for the token at {@code pos}, after all earlier positions went through this method. */
    float[] forward(int token, int pos) {
        float[] h = m.embedding[token].clone();
        for (int l = 0; l < d.layers(); l++) {
            TinyModel.Layer L = m.layers[l];
            float[] a = rms(h, L.inputNorm);
            float[] q = bitLinear(a, L.q, L.qs);
            float[] k = bitLinear(a, L.k, L.ks);
            float[] v = bitLinear(a, L.v, L.vs);
            rope(q, d.heads(), pos);
            rope(k, d.kvHeads(), pos);
            kCache[l][pos] = k;
            vCache[l][pos] = v;
            float[] o = attention(q, l, pos);
            float[] oo = bitLinear(rms(o, L.attnSubNorm), L.o, L.os);
            for (int i = 0; i < h.length; i++) h[i] += oo[i];
            float[] mm = rms(h, L.postNorm);
            float[] g = bitLinear(mm, L.gate, L.gs);
            float[] u = bitLinear(mm, L.up, L.us);
            for (int i = 0; i < g.length; i++) {
                float r = Math.max(g[i], 0f);
                g[i] = r * r * u[i];
            }
            float[] down = bitLinear(rms(g, L.ffnSubNorm), L.down, L.ds);
            for (int i = 0; i < h.length; i++) h[i] += down[i];
        }
        float[] f = rms(h, m.finalNorm);
        float[] logits = new float[d.vocabSize()];
        for (int t = 0; t < logits.length; t++) {
            double s = 0;
            for (int i = 0; i < f.length; i++) s += (double) f[i] * m.embedding[t][i];
            logits[t] = (float) s;
        }
        return logits;
    }

    private float[] rms(float[] x, float[] w) {
        double ss = 0;
        for (float v : x) ss += (double) v * v;
        float inv = (float) (1.0 / Math.sqrt(ss / x.length + d.rmsNormEps()));
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = w[i] * (x[i] * inv);
        return y;
    }

    private static float[] bitLinear(float[] x, byte[][] w, float scale) {
        float max = 1e-5f;
        for (float v : x) max = Math.max(max, Math.abs(v));
        float s = 127f / max;
        int[] q = new int[x.length];
        for (int i = 0; i < x.length; i++) q[i] = (int) Math.max(-128, Math.min(127, Math.rint(x[i] * s)));
        float[] y = new float[w.length];
        for (int j = 0; j < w.length; j++) {
            int acc = 0;
            for (int i = 0; i < x.length; i++) acc += q[i] * w[j][i];
            y[j] = acc / s * scale;
        }
        return y;
    }

    private void rope(float[] x, int heads, int pos) {
        int hd = d.headDim(), half = hd / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                double freq = Math.pow(d.ropeTheta(), -2.0 * i / hd);
                double c = Math.cos(pos * freq), s = Math.sin(pos * freq);
                int a = h * hd + i, b = a + half;
                float x1 = x[a], x2 = x[b];
                x[a] = (float) (x1 * c - x2 * s);
                x[b] = (float) (x2 * c + x1 * s);
            }
        }
    }

    private float[] attention(float[] q, int l, int pos) {
        int hd = d.headDim(), group = d.heads() / d.kvHeads();
        float[] out = new float[q.length];
        for (int h = 0; h < d.heads(); h++) {
            int kvOff = (h / group) * hd;
            double[] score = new double[pos + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t <= pos; t++) {
                double s = 0;
                for (int i = 0; i < hd; i++) s += (double) q[h * hd + i] * kCache[l][t][kvOff + i];
                score[t] = s / Math.sqrt(hd);
                max = Math.max(max, score[t]);
            }
            double sum = 0;
            for (int t = 0; t <= pos; t++) sum += score[t] = Math.exp(score[t] - max);
            for (int i = 0; i < hd; i++) {
                double acc = 0;
                for (int t = 0; t <= pos; t++) acc += score[t] / sum * vCache[l][t][kvOff + i];
                out[h * hd + i] = (float) acc;
            }
        }
        return out;
    }
}
