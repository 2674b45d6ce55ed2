package io.bitnettt.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

import io.bitnettt.cpu.kernel.ScalarKernels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An independent check of the golden {@link ScalarKernels} themselves (not of the vector kernels):
 * attention and the ternary linear re-derived here in plain float64 from the spec (§2) and
 * compared within float32 tolerance. Random inputs; the seed is printed and in every message
 * ({@code -Dbitnet.test.seed} fixes it).
 *
 * <p>The ternary reference follows the spec in quantizing in fp32 ({@code s = 127/max(...)} and the
 * product {@code x·s} are fp32 there; doing them in double would move near-.5 products across a
 * rounding boundary and change q by one), then accumulates in long and dequantizes in double.
 */
class ScalarKernelsFloat64Test {
    static final long SEED = Long.getLong("bitnet.test.seed", System.nanoTime());
    /** ~8 float ulps at 1.0: the reference rounds its double result to float once. */
    static final double F32_REL = 1e-6;

    @BeforeAll
    static void logSeed() {
        System.out.println("ScalarKernelsFloat64Test: seed=" + SEED + " (rerun with -Dbitnet.test.seed=" + SEED + ")");
    }

    static String ctx(String what) {
        return "seed=" + SEED + " " + what;
    }

    // ---- plain float64 references ------------------------------------------------------------

    static double[] attention64(float[] q, int tokens, float[] k, float[] v, int start, int heads, int kvHeads, int dim) {
        double[] out = new double[tokens * heads * dim];
        int kvWidth = kvHeads * dim;
        double scale = 1.0 / Math.sqrt(dim);
        for (int t = 0; t < tokens; t++) {
            int visible = start + t + 1;                       // causal: rows 0 .. start+t
            for (int h = 0; h < heads; h++) {
                int kvh = h / (heads / kvHeads);               // GQA
                double[] p = new double[visible];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < visible; j++) {
                    double dot = 0;
                    for (int i = 0; i < dim; i++) {
                        dot += (double) q[t * heads * dim + h * dim + i] * (double) k[j * kvWidth + kvh * dim + i];
                    }
                    p[j] = dot * scale;
                    max = Math.max(max, p[j]);
                }
                double z = 0;
                for (int j = 0; j < visible; j++) {
                    p[j] = Math.exp(p[j] - max);
                    z += p[j];
                }
                for (int i = 0; i < dim; i++) {
                    double acc = 0;
                    for (int j = 0; j < visible; j++) {
                        acc += p[j] * v[j * kvWidth + kvh * dim + i];
                    }
                    out[t * heads * dim + h * dim + i] = acc / z;
                }
            }
        }
        return out;
    }

    static double[] ternaryLinear64(float[] x, int tokens, int in, byte[] w, int out, float scale) {
        double[] y = new double[tokens * out];
        for (int t = 0; t < tokens; t++) {
            float max = 1e-5f;
            for (int k = 0; k < in; k++) {
                max = Math.max(max, Math.abs(x[t * in + k]));
            }
            float s = 127f / max;                              // fp32, as the spec says
            long[] q = new long[in];
            for (int k = 0; k < in; k++) {
                float prod = x[t * in + k] * s;                // fp32 product
                q[k] = Math.max(-128, Math.min(127, Math.round(Math.rint(prod))));
            }
            for (int j = 0; j < out; j++) {
                long acc = 0;
                for (int k = 0; k < in; k++) {
                    acc += q[k] * w[j * in + k];
                }
                y[t * out + j] = acc / (double) s * scale;
            }
        }
        return y;
    }

    // ---- tests -----------------------------------------------------------------------------

    @Test
    void scalarAttentionAgreesWithFloat64() {
        int[][] configs = {{1, 1, 4, 1, 0}, {4, 2, 63, 5, 3}, {8, 2, 128, 9, 20}, {2, 1, 65, 1, 100}, {3, 3, 7, 40, 0}};
        for (int[] c : configs) {
            int heads = c[0], kvHeads = c[1], dim = c[2], tokens = c[3], start = c[4];
            Random r = new Random(SEED + java.util.Arrays.hashCode(c));
            int maxSeq = start + tokens + 2;
            float[] k = Host.gaussian(r, maxSeq * kvHeads * dim, 1f);
            float[] v = Host.gaussian(r, maxSeq * kvHeads * dim, 1f);
            float[] q = Host.gaussian(r, tokens * heads * dim, 1.5f);
            assertClose(attention64(q, tokens, k, v, start, heads, kvHeads, dim),
                    ScalarKernels.attention(q, tokens, k, v, start, heads, kvHeads, dim),
                    ctx("attention " + java.util.Arrays.toString(c) + " {H, Hkv, D, T, start}"));
        }
    }

    @Test
    void scalarTernaryLinearAgreesWithFloat64() {
        int[][] shapes = {{1, 4, 1}, {63, 12, 3}, {65, 8, 2}, {2560, 16, 3}, {6912, 4, 1}};
        for (int[] sh : shapes) {
            int in = sh[0], out = sh[1], tokens = sh[2];
            Random r = new Random(SEED + java.util.Arrays.hashCode(sh));
            float[] x = Host.gaussian(r, tokens * in, (float) Math.exp(r.nextGaussian() * 2));
            if (tokens > 1) {
                for (int k = 0; k < in; k++) {                 // a row of exact .5 ties (s = 0.5)
                    x[in + k] = r.nextInt(509) - 254;
                }
                x[in] = 254;
            }
            byte[] w = Host.randomTernary(r, out * in);
            float scale = (float) Math.exp(r.nextGaussian());
            assertClose(ternaryLinear64(x, tokens, in, w, out, scale),
                    ScalarKernels.ternaryLinear(x, tokens, in, w, out, scale),
                    ctx("ternaryLinear in=" + in + " out=" + out + " T=" + tokens));
        }
    }

    static void assertClose(double[] expected, float[] actual, String what) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), 1.0);
            if (!(err <= F32_REL)) {
                fail(what + ": index " + i + " expected " + expected[i] + " but was " + actual[i] + " (relative error "
                        + err + ")");
            }
        }
    }
}
