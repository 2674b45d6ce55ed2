package io.bitnettt.cpu;

import static io.bitnettt.cpu.Host.f32;
import static io.bitnettt.cpu.Host.floats;
import static io.bitnettt.cpu.Host.u32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import io.bitnettt.cpu.kernel.ScalarKernels;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import org.junit.jupiter.api.Test;

class FloatOpsTest extends SharedDeviceTest {

    @Test
    void rmsNormOfThreeFour() {
        // mean(x²) = 12.5, 1/sqrt(12.5) = 0.28284271; weights 1 and 2
        try (Tensor x = f32(device, new float[] {3, 4}, 1, 2);
             Tensor w = f32(device, new float[] {1, 2}, 2)) {
            ops.rmsNorm(x, w, 0f, x);
            assertArrayEquals(new float[] {0.84852814f, 2.2627418f}, floats(x), 1e-6f);
        }
    }

    @Test
    void rmsNormMatchesReferenceWithBf16Weights() {
        Random r = new Random(2);
        int n = 2560 + 3;
        float[] x = Host.gaussian(r, 3 * n, 2f);
        float[] w = Host.roundBf16(Host.gaussian(r, n, 1f));
        try (Tensor xt = f32(device, x, 3, n);
             Tensor wt = Host.bf16(device, w, n);
             Tensor out = device.allocate(TensorSpec.f32(3, n))) {
            ops.rmsNorm(xt, wt, 1e-5f, out);
            assertArrayEquals(ScalarKernels.rmsNorm(x, 3, n, w, 1e-5f), floats(out), 1e-5f);
        }
    }

    @Test
    void ropeAtPositionZeroIsIdentityAndNinetyDegreesRotates() {
        // D = 4: pairs (0,2) and (1,3). Row 0: angle 0. Row 1: angle 90° for both frequencies.
        float[] cos = {1, 1, 1, 1, 0, 0, 0, 0};
        float[] sin = {0, 0, 0, 0, 1, 1, 1, 1};
        float[] x = {1, 2, 3, 4};
        try (Tensor c = f32(device, cos, 2, 4);
             Tensor s = f32(device, sin, 2, 4);
             Tensor xt = f32(device, x, 1, 4);
             Tensor pos = u32(device, 1)) {
            ops.rotaryPrefill(xt, 1, c, s, 0);
            assertArrayEquals(x, floats(xt));
            // out = x·cos + rotate_half(x)·sin = rotate_half(x) = [-3, -4, 1, 2]
            ops.rotaryDecode(xt, 1, c, s, pos);
            assertArrayEquals(new float[] {-3, -4, 1, 2}, floats(xt));
        }
    }

    @Test
    void ropeMatchesReference() {
        Random r = new Random(3);
        int heads = 5;
        int dim = 128;
        int maxPos = 64;
        float[] cos = new float[maxPos * dim];
        float[] sin = new float[maxPos * dim];
        for (int p = 0; p < maxPos; p++) {
            for (int i = 0; i < dim; i++) {
                double angle = p * Math.pow(500000.0, -2.0 * (i % (dim / 2)) / dim);
                cos[p * dim + i] = (float) Math.cos(angle);
                sin[p * dim + i] = (float) Math.sin(angle);
            }
        }
        float[] x = Host.gaussian(r, 6 * heads * dim, 1f);
        try (Tensor c = f32(device, cos, maxPos, dim);
             Tensor s = f32(device, sin, maxPos, dim);
             Tensor xt = f32(device, x, 6, heads * dim)) {
            ops.rotaryPrefill(xt, heads, c, s, 9);
            assertArrayEquals(ScalarKernels.rope(x, 6, heads, dim, cos, sin, 9), floats(xt), 1e-6f);
        }
    }

    @Test
    void attentionWithOneKeyPassesTheValueThrough() {
        float[] v = {5, -6, 7, 8};
        try (Tensor q = f32(device, new float[] {100, -3, 2, 9}, 1, 4);
             Tensor k = f32(device, new float[] {1, 2, 3, 4, 0, 0, 0, 0}, 2, 4);
             Tensor vc = f32(device, new float[] {5, -6, 7, 8, 0, 0, 0, 0}, 2, 4);
             Tensor out = device.allocate(TensorSpec.f32(1, 4))) {
            ops.attentionPrefill(q, k, vc, 0, 1, 1, out);
            assertArrayEquals(v, floats(out));
        }
    }

    @Test
    void attentionOverTwoKeysUsesScaledSoftmax() {
        // D = 4, scale 1/2: scores 0 and ln(3) -> weights 1/4, 3/4 -> 0.25·[4,0,0,0] + 0.75·[0,4,0,0]
        float ln3 = (float) Math.log(3);
        try (Tensor q = f32(device, new float[] {2 * ln3, 0, 0, 0}, 1, 4);
             Tensor k = f32(device, new float[] {0, 0, 0, 0, 1, 0, 0, 0}, 2, 4);
             Tensor vc = f32(device, new float[] {4, 0, 0, 0, 0, 4, 0, 0}, 2, 4);
             Tensor pos = u32(device, 1);
             Tensor out = device.allocate(TensorSpec.f32(1, 4))) {
            ops.attentionDecode(q, k, vc, pos, 1, 1, out);
            assertArrayEquals(new float[] {1, 3, 0, 0}, floats(out), 1e-6f);
        }
    }

    @Test
    void gqaAttentionPrefillAndDecodeMatchReference() {
        Random r = new Random(4);
        int heads = 20;
        int kvHeads = 5;
        int dim = 128;
        int maxSeq = 48;
        int start = 7;
        int tokens = 9;
        float[] kc = Host.gaussian(r, maxSeq * kvHeads * dim, 1f);
        float[] vc = Host.gaussian(r, maxSeq * kvHeads * dim, 1f);
        float[] q = Host.gaussian(r, tokens * heads * dim, 0.3f);
        try (Tensor kt = f32(device, kc, maxSeq, kvHeads * dim);
             Tensor vt = f32(device, vc, maxSeq, kvHeads * dim);
             Tensor qt = f32(device, q, tokens, heads * dim);
             Tensor out = device.allocate(TensorSpec.f32(tokens, heads * dim))) {
            ops.attentionPrefill(qt, kt, vt, start, heads, kvHeads, out);
            assertArrayEquals(ScalarKernels.attention(q, tokens, kc, vc, start, heads, kvHeads, dim), floats(out), 1e-5f);
        }
        float[] q1 = java.util.Arrays.copyOf(q, heads * dim);
        try (Tensor kt = f32(device, kc, maxSeq, kvHeads * dim);
             Tensor vt = f32(device, vc, maxSeq, kvHeads * dim);
             Tensor qt = f32(device, q1, 1, heads * dim);
             Tensor pos = u32(device, 30);
             Tensor out = device.allocate(TensorSpec.f32(1, heads * dim))) {
            ops.attentionDecode(qt, kt, vt, pos, heads, kvHeads, out);
            assertArrayEquals(ScalarKernels.attention(q1, 1, kc, vc, 30, heads, kvHeads, dim), floats(out), 1e-5f);
        }
    }

    @Test
    void kvCacheFillAndUpdateWriteTheRightRows() {
        try (Tensor cache = f32(device, new float[8], 4, 2);
             Tensor block = f32(device, new float[] {1, 2, 3, 4}, 2, 2);
             Tensor one = f32(device, new float[] {9, 8}, 1, 2);
             Tensor pos = u32(device, 3)) {
            ops.kvCacheFill(cache, block, 1);
            ops.kvCacheUpdate(cache, one, pos);
            assertArrayEquals(new float[] {0, 0, 1, 2, 3, 4, 9, 8}, floats(cache));
        }
    }

    /** Hand-rounded: ties go to the even neighbour (1 + 2^-8 to 1, 1 + 3·2^-8 to 1 + 2^-6), the rest to nearest. */
    @Test
    void bf16KvCacheStoresRoundToNearestEven() {
        float tieDown = 1f + 0x1p-8f;
        float tieUp = 1f + 3 * 0x1p-8f;
        float below = -(1f + 0x1p-7f + 0x1p-9f);
        try (Tensor cache = device.allocate(TensorSpec.of(DType.BF16, 4, 2));
             Tensor block = f32(device, new float[] {tieDown, tieUp, below, 3f}, 2, 2);
             Tensor one = f32(device, new float[] {9, 8}, 1, 2);
             Tensor pos = u32(device, 3)) {
            ops.kvCacheFill(cache, block, 1);
            ops.kvCacheUpdate(cache, one, pos);
            short[] bits = new short[8];
            cache.download(MemorySegment.ofArray(bits));
            assertArrayEquals(new short[] {0, 0, 0x3F80, 0x3F82, (short) 0xBF81, 0x4040, 0x4110, 0x4100}, bits);
        }
    }

    /**
     * Attention over BF16 caches against the same attention over the F32 values they were rounded from,
     * within a bound derived from the rounding alone. Each stored value is {@code x(1 + δ)}, {@code |δ| <= u
     * = 2^-8} (8 significant bits, round to nearest). A score {@code s_j = scale·q·k_j} then moves by at most
     * {@code ε = u·scale·max_j Σ_i |q_i k_ji|}, so every softmax weight by a factor within {@code e^(±2ε)}
     * and {@code Σ_j |p̃_j − p_j| <= e^(2ε) − 1}; with the values' own rounding an output element moves by at
     * most {@code (e^(2ε) − 1)·max_j |ṽ_ji| + u·max_j |v_ji|}, plus the F32 arithmetic's 1e-5 of the
     * parity tests.
     */
    @Test
    void bf16CacheAttentionStaysWithinTheRoundingBound() {
        double u = 0x1p-8;
        int heads = 8;
        int kvHeads = 2;
        int dim = 64;
        int rows = 300;
        int width = kvHeads * dim;
        int group = heads / kvHeads;
        Random r = new Random(19);
        float[] k = Host.gaussian(r, rows * width, 1f);
        float[] v = Host.gaussian(r, rows * width, 1f);
        float[] q = Host.gaussian(r, heads * dim, 0.5f);
        double scale = 1 / Math.sqrt(dim);
        double worstRatio = 0;
        for (int pos : new int[] {0, 127, 128, 299}) {
            float[] exact = ScalarKernels.attention(q, 1, k, v, pos, heads, kvHeads, dim);
            float[] got;
            try (Tensor kt = Host.bf16(device, k, rows, width);
                 Tensor vt = Host.bf16(device, v, rows, width)) {
                got = decode(kt, vt, q, pos, heads, kvHeads);
            }
            float[] vRounded = Host.roundBf16(v);
            for (int h = 0; h < heads; h++) {
                int kh = h / group;
                double eps = 0;
                for (int j = 0; j <= pos; j++) {
                    double a = 0;
                    for (int i = 0; i < dim; i++) {
                        a += Math.abs((double) q[h * dim + i] * k[j * width + kh * dim + i]);
                    }
                    eps = Math.max(eps, u * scale * a);
                }
                for (int i = 0; i < dim; i++) {
                    double maxV = 0;
                    double maxVr = 0;
                    for (int j = 0; j <= pos; j++) {
                        maxV = Math.max(maxV, Math.abs(v[j * width + kh * dim + i]));
                        maxVr = Math.max(maxVr, Math.abs(vRounded[j * width + kh * dim + i]));
                    }
                    double bound = Math.expm1(2 * eps) * maxVr + u * maxV + 1e-5 * Math.max(1, maxV);
                    double err = Math.abs((double) got[h * dim + i] - exact[h * dim + i]);
                    assertTrue(err <= bound, "pos " + pos + " head " + h + " element " + i + ": |bf16 − f32| = " + err
                            + " > bound " + bound + " (ε = " + eps + ")");
                    worstRatio = Math.max(worstRatio, err / bound);
                }
            }
        }
        // The rounding shows: the outputs differ from the F32 ones, by less than the bound allows.
        assertTrue(worstRatio > 0.01, "worst error is only " + worstRatio + " of the bound");
    }

    /**
     * Hand-quantized rows of D = 2 (scale = max|x| / 127, code = rint(x / scale)): (2, -0.5) has codes
     * (127, -32) as -0.5 / (2/127) = -31.75; (0.3, 0.2) has (127, 85) as 84.67 rounds up; an all-zero row
     * has scale 0; (9, 8) has (127, 113) from 112.89, and (-4, 1) has (-127, 32) from 31.75.
     */
    @Test
    void int8KvCacheStoresEachTokensKvHeadAsCodesTimesItsScale() {
        try (Tensor cache = device.allocate(TensorSpec.of(DType.INT8_ROWS, 4, 2, 2));
             Tensor block = f32(device, new float[] {2f, -0.5f, 0.3f, 0.2f, 0f, 0f, -4f, 1f}, 2, 4);
             Tensor one = f32(device, new float[] {9, 8, -4, 1}, 1, 4);
             Tensor pos = u32(device, 3)) {
            ops.kvCacheFill(cache, block, 1);
            ops.kvCacheUpdate(cache, one, pos);
            float a = 2f / 127;
            float b = 0.3f / 127;
            float c = 4f / 127;
            float d = 9f / 127;
            assertArrayEquals(new float[] {0, 0, 0, 0, a * 127, a * -32, b * 127, b * 85, 0, 0, c * -127, c * 32,
                    d * 127, d * 113, c * -127, c * 32}, floats(cache));
        }
    }

    /**
     * Attention over INT8_ROWS caches against the same attention over the F32 values they were quantized
     * from, within a bound derived from the quantization alone: a stored value is within {@code s/2} of the
     * value (s its row's scale). A score then moves by at most {@code ε_j = scale · Σ_i |q_i| · s_j/2} (s_j
     * key row j's scale), every softmax weight by a factor within {@code e^(±2ε)}, {@code ε = max_j ε_j}, and
     * an output element by at most {@code (e^(2ε) − 1)·max_j |ṽ_ji| + max_j s'_j/2} (s'_j value row j's
     * scale), plus the F32 arithmetic's 1e-5 of the parity tests.
     */
    @Test
    void int8CacheAttentionStaysWithinTheQuantizationBound() {
        int heads = 8;
        int kvHeads = 2;
        int dim = 64;
        int rows = 300;
        int width = kvHeads * dim;
        int group = heads / kvHeads;
        Random r = new Random(23);
        float[] k = Host.gaussian(r, rows * width, 1f);
        float[] v = Host.gaussian(r, rows * width, 1f);
        float[] q = Host.gaussian(r, heads * dim, 0.5f);
        double scale = 1 / Math.sqrt(dim);
        // float rounding of the division and of scale · code, far below half a step but not zero
        double slack = 1 + 1e-4;
        double worstRatio = 0;
        for (int pos : new int[] {0, 127, 128, 299}) {
            float[] exact = ScalarKernels.attention(q, 1, k, v, pos, heads, kvHeads, dim);
            float[] got;
            try (Tensor kt = Host.int8Rows(device, k, rows, kvHeads, dim);
                 Tensor vt = Host.int8Rows(device, v, rows, kvHeads, dim)) {
                got = decode(kt, vt, q, pos, heads, kvHeads);
            }
            float[] vHeld = Host.roundInt8Rows(v, dim);
            for (int h = 0; h < heads; h++) {
                int kh = h / group;
                double sumQ = 0;
                for (int i = 0; i < dim; i++) {
                    sumQ += Math.abs(q[h * dim + i]);
                }
                double eps = 0;
                double halfStepV = 0;
                for (int j = 0; j <= pos; j++) {
                    eps = Math.max(eps, scale * sumQ * rowMax(k, j * width + kh * dim, dim) / 127 / 2 * slack);
                    halfStepV = Math.max(halfStepV, rowMax(v, j * width + kh * dim, dim) / 127 / 2 * slack);
                }
                for (int i = 0; i < dim; i++) {
                    double maxV = 0;
                    double maxVh = 0;
                    for (int j = 0; j <= pos; j++) {
                        maxV = Math.max(maxV, Math.abs(v[j * width + kh * dim + i]));
                        maxVh = Math.max(maxVh, Math.abs(vHeld[j * width + kh * dim + i]));
                    }
                    double bound = Math.expm1(2 * eps) * maxVh + halfStepV + 1e-5 * Math.max(1, maxV);
                    double err = Math.abs((double) got[h * dim + i] - exact[h * dim + i]);
                    assertTrue(err <= bound, "pos " + pos + " head " + h + " element " + i + ": |int8 − f32| = " + err
                            + " > bound " + bound + " (ε = " + eps + ")");
                    worstRatio = Math.max(worstRatio, err / bound);
                }
            }
        }
        // The quantization shows: the outputs differ from the F32 ones, by less than the bound allows.
        assertTrue(worstRatio > 0.01, "worst error is only " + worstRatio + " of the bound");
    }

    /** One token's attention output over the caches at {@code pos}. */
    private float[] decode(Tensor kt, Tensor vt, float[] q, int pos, int heads, int kvHeads) {
        try (Tensor qt = f32(device, q, 1, q.length);
             Tensor p = u32(device, pos);
             Tensor out = device.allocate(TensorSpec.f32(1, q.length))) {
            ops.attentionDecode(qt, kt, vt, p, heads, kvHeads, out);
            return floats(out);
        }
    }

    private static double rowMax(float[] x, int from, int n) {
        double m = 0;
        for (int i = from; i < from + n; i++) {
            m = Math.max(m, Math.abs(x[i]));
        }
        return m;
    }

    @Test
    void relu2AndAdd() {
        float[] g = {-2, 0, 1.5f, 3, -1, 2, 2, 2, 2, 2, 4};
        float[] u = {7, 7, 2, -1, 5, 1, 1, 1, 1, 1, 0.5f};
        try (Tensor gt = f32(device, g, 1, 11);
             Tensor ut = f32(device, u, 1, 11)) {
            ops.relu2Gate(gt, ut, gt);
            assertArrayEquals(new float[] {0, 0, 4.5f, -9, 0, 4, 4, 4, 4, 4, 8}, floats(gt));
            ops.add(gt, ut, gt);
            assertArrayEquals(new float[] {7, 7, 6.5f, -10, 5, 5, 5, 5, 5, 5, 8.5f}, floats(gt));
        }
    }

    @Test
    void embeddingGathersBf16Rows() {
        float[] table = {1, 2, 3, 0.5f, -1, 256};
        try (Tensor t = Host.bf16(device, table, 3, 2);
             Tensor ids = u32(device, 2, 0, 2);
             Tensor out = device.allocate(TensorSpec.f32(3, 2))) {
            ops.embedding(t, ids, out);
            assertArrayEquals(new float[] {-1, 256, 1, 2, -1, 256}, floats(out));
        }
    }

    @Test
    void outputProjectionMatchesReference() {
        Random r = new Random(6);
        for (int d : new int[] {2560, 37}) {
            int vocab = 1003;
            int tokens = 2;
            float[] x = Host.gaussian(r, tokens * d, 1f);
            float[] table = Host.roundBf16(Host.gaussian(r, vocab * d, 0.05f));
            float[] expected = ScalarKernels.outputProjection(x, tokens, d, table, vocab);
            try (Tensor xt = f32(device, x, tokens, d);
                 Tensor bt = Host.bf16(device, table, vocab, d);
                 Tensor ft = f32(device, table, vocab, d);
                 Tensor logits = device.allocate(TensorSpec.f32(tokens, vocab))) {
                ops.outputProjection(xt, bt, logits);
                assertArrayEquals(expected, floats(logits), 2e-4f);
                ops.outputProjection(xt, ft, logits);
                assertArrayEquals(expected, floats(logits), 2e-4f);
            }
        }
    }

    @Test
    void outputProjectionHandComputed() {
        // logits[v] = x · table[v]: [1,2]·[1,1] = 3, [1,2]·[0.5,-1] = -1.5
        try (Tensor x = f32(device, new float[] {1, 2}, 1, 2);
             Tensor t = Host.bf16(device, new float[] {1, 1, 0.5f, -1}, 2, 2);
             Tensor logits = device.allocate(TensorSpec.f32(1, 2))) {
            ops.outputProjection(x, t, logits);
            assertArrayEquals(new float[] {3, -1.5f}, floats(logits));
        }
    }

    @Test
    void argmaxAndTopKPreferTheLowerIndexOnTies() {
        float[] logits = {1, 5, 3, 5, -2, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 9};
        try (Tensor l = f32(device, logits, 1, logits.length);
             Tensor best = device.allocate(TensorSpec.of(io.bitnettt.spi.DType.UINT32, 1));
             Tensor values = device.allocate(TensorSpec.f32(4));
             Tensor idx = device.allocate(TensorSpec.of(io.bitnettt.spi.DType.UINT32, 4))) {
            ops.argmax(l, best);
            assertEquals(17, Host.ints(best)[0]);
            ops.topK(l, 4, values, idx);
            assertArrayEquals(new float[] {9, 9, 5, 5}, floats(values));
            assertArrayEquals(new int[] {17, 18, 1, 3}, Host.ints(idx));
        }
    }

    @Test
    void argmaxAndTopKMatchReferenceOnRandomLogits() {
        Random r = new Random(8);
        int vocab = 128256;
        float[] logits = Host.gaussian(r, 2 * vocab, 4f);
        float[] row0 = java.util.Arrays.copyOf(logits, vocab);
        try (Tensor l = f32(device, logits, 2, vocab);
             Tensor l0 = f32(device, row0, 1, vocab);
             Tensor best = device.allocate(TensorSpec.of(io.bitnettt.spi.DType.UINT32, 2));
             Tensor values = device.allocate(TensorSpec.f32(40));
             Tensor idx = device.allocate(TensorSpec.of(io.bitnettt.spi.DType.UINT32, 40))) {
            ops.argmax(l, best);
            assertArrayEquals(new int[] {ScalarKernels.argmax(logits, 0, vocab), ScalarKernels.argmax(logits, vocab, vocab)},
                    Host.ints(best));
            ops.topK(l0, 40, values, idx);
            int[] expected = ScalarKernels.topK(row0, 40);
            assertArrayEquals(expected, Host.ints(idx));
            float[] v = floats(values);
            for (int i = 0; i < 40; i++) {
                assertEquals(row0[expected[i]], v[i]);
            }
        }
    }
}
