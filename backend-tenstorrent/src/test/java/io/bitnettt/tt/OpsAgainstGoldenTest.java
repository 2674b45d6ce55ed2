package io.bitnettt.tt;

import io.bitnettt.cpu.kernel.ScalarKernels;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

import static io.bitnettt.tt.Host.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Every primitive through the TT-NN shim over the host double (the real FFI calls, the shim's own
 * TT-NN op sequences, TT-NN's numerics as the double models them) against the scalar golden kernels
 * of the CPU backend: exact where the path is exact (int8 x ternary accumulation, gathers, cache
 * writes, argmax), Pearson >= 0.999 where TT-NN computes in bf16 or TF32 (norms, rotary, attention,
 * logits) and >= 0.99 for block floats. Shapes are deliberately not multiples of the 32-wide tile, so
 * padding is exercised; each case names its seed so a failure can be replayed.
 */
class OpsAgainstGoldenTest {
    private static final double BF16_PEARSON = 0.999;
    private static final double BLOCK_FLOAT_PEARSON = 0.99;

    private static SplittableRandom rng(long seed, String what) {
        System.out.println(OpsAgainstGoldenTest.class.getSimpleName() + " " + what + ": seed " + seed);
        return new SplittableRandom(seed);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12})
    void ternaryLinearMatchesTheScalarKernelNearlyExactly(long seed) {
        SplittableRandom r = rng(seed, "ternaryLinear [3, 70] x [52, 70]");
        int tokens = 3, in = 70, out = 52;
        float[] x = gaussian(r, tokens * in, 1.0);
        byte[] w = ternaryValues(r, out * in);
        float scale = 0.037f;
        float[] expected = ScalarKernels.ternaryLinear(x, tokens, in, w, out, scale);
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor tx = f32(d, x, tokens, in);
            Tensor tw = ternary(d, w, out, in, scale);
            Tensor ty = d.allocate(TensorSpec.f32(tokens, out));
            assertEquals(scale, tw.quantScale());
            d.ops().ternaryLinear(tx, tw, ty);
            float[] got = floats(ty);
            // Integer accumulation of int8 x ternary is exact; only the final float scaling may round.
            assertNearlyExact(expected, got, "seed " + seed);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21, 22})
    void fusedQkvAndGateUpEqualTheirSeparateProjections(long seed) {
        SplittableRandom r = rng(seed, "ternaryLinearQkv/GateUp [2, 44]");
        int tokens = 2, in = 44;
        int[] outs = {36, 20, 20};
        float[] scales = {0.05f, 0.02f, 0.09f};
        float[] x = gaussian(r, tokens * in, 2.0);
        byte[][] w = new byte[3][];
        for (int i = 0; i < 3; i++) {
            w[i] = ternaryValues(r, outs[i] * in);
        }
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor tx = f32(d, x, tokens, in);
            Tensor[] tw = new Tensor[3];
            Tensor[] ty = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                tw[i] = ternary(d, w[i], outs[i], in, scales[i]);
                ty[i] = d.allocate(TensorSpec.f32(tokens, outs[i]));
            }
            d.ops().ternaryLinearQkv(tx, tw[0], tw[1], tw[2], ty[0], ty[1], ty[2]);
            for (int i = 0; i < 3; i++) {
                assertNearlyExact(ScalarKernels.ternaryLinear(x, tokens, in, w[i], outs[i], scales[i]), floats(ty[i]),
                        "qkv output " + i + ", seed " + seed);
            }
            d.ops().ternaryLinearGateUp(tx, tw[1], tw[2], ty[1], ty[2]);
            for (int i = 1; i < 3; i++) {
                assertNearlyExact(ScalarKernels.ternaryLinear(x, tokens, in, w[i], outs[i], scales[i]), floats(ty[i]),
                        "gate/up output " + i + ", seed " + seed);
            }
        }
    }

    @ParameterizedTest(name = "bf16 weight {0}")
    @ValueSource(booleans = {false, true})
    void rmsNormCorrelatesWithTheScalarKernel(boolean bf16Weight) {
        long seed = bf16Weight ? 31 : 32;
        SplittableRandom r = rng(seed, "rmsNorm [3, 70]");
        int tokens = 3, n = 70;
        float[] x = gaussian(r, tokens * n, 3.0);
        float[] w = bf16Round(gaussian(r, n, 0.3));
        for (int i = 0; i < n; i++) {
            w[i] += 1f;
        }
        w = bf16Round(w);
        float eps = 1e-5f;
        float[] expected = ScalarKernels.rmsNorm(x, tokens, n, w, eps);
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor tx = f32(d, x, tokens, n);
            Tensor tw = bf16Weight ? bf16(d, w, n) : f32(d, w, n);
            Tensor out = d.allocate(TensorSpec.f32(tokens, n));
            d.ops().rmsNorm(tx, tw, eps, out);
            assertCorrelates(expected, floats(out), BF16_PEARSON, "seed " + seed);
            // In place, as the engine uses it for the sub-norms.
            d.ops().rmsNorm(tx, tw, eps, tx);
            assertCorrelates(expected, floats(tx), BF16_PEARSON, "in place, seed " + seed);
        }
    }

    @Test
    void rotaryPrefillAndDecodeMatchTheScalarKernel() {
        long seed = 41;
        SplittableRandom r = rng(seed, "rotary [5, 3*18], table [40, 18]");
        int tokens = 5, heads = 3, dim = 18, maxPos = 40, start = 7;
        float[][] table = ropeTable(maxPos, dim, 10000.0);
        float[] x = gaussian(r, tokens * heads * dim, 1.0);
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor cos = f32(d, table[0], maxPos, dim);
            Tensor sin = f32(d, table[1], maxPos, dim);
            Tensor tx = f32(d, x, tokens, (long) heads * dim);
            d.ops().rotaryPrefill(tx, heads, cos, sin, start);
            assertCorrelates(ScalarKernels.rope(x, tokens, heads, dim, table[0], table[1], start), floats(tx),
                    BF16_PEARSON, "prefill, seed " + seed);

            float[] one = Arrays.copyOf(x, heads * dim);
            Tensor t1 = f32(d, one, 1, (long) heads * dim);
            Tensor pos = u32(d, 23);
            d.ops().rotaryDecode(t1, heads, cos, sin, pos);
            assertCorrelates(ScalarKernels.rope(one, 1, heads, dim, table[0], table[1], 23), floats(t1),
                    BF16_PEARSON, "decode at 23, seed " + seed);
        }
    }

    @Test
    void kvCacheFillAndUpdateWriteExactlyTheirRows() {
        long seed = 51;
        SplittableRandom r = rng(seed, "kv cache [40, 36]");
        int rows = 40, width = 36;
        float[] cache = gaussian(r, rows * width, 1.0);
        float[] block = gaussian(r, 3 * width, 1.0);
        float[] row = gaussian(r, width, 1.0);
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor c = f32(d, cache, rows, width);
            d.ops().kvCacheFill(c, f32(d, block, 3, width), 5);
            d.ops().kvCacheUpdate(c, f32(d, row, 1, width), u32(d, 33));
            float[] expected = cache.clone();
            System.arraycopy(block, 0, expected, 5 * width, 3 * width);
            System.arraycopy(row, 0, expected, 33 * width, width);
            assertArrayEquals(expected, floats(c), "F32 cache rows are copied exactly, seed " + seed);
        }
    }

    /** The shim keeps its caches in the card's format and takes F32 cache tensors: a BF16 one is refused by name. */
    @Test
    void aBf16KvCacheIsRefusedByName() {
        try (TenstorrentDevice d = Emulator.open()) {
            assertFalse(d.ops().supportsKvCache(DType.BF16));
            Tensor c = d.allocate(TensorSpec.of(DType.BF16, 8, 4));
            Tensor kv = d.allocate(TensorSpec.f32(1, 4));
            io.bitnettt.spi.BackendException e = assertThrows(io.bitnettt.spi.BackendException.class,
                    () -> d.ops().kvCacheUpdate(c, kv, u32(d, 1)));
            assertTrue(e.getMessage().contains("cache [8, 4] has dtype BF16, expected F32"), e.getMessage());
            Tensor q = d.allocate(TensorSpec.f32(1, 8));
            e = assertThrows(io.bitnettt.spi.BackendException.class,
                    () -> d.ops().attentionDecode(q, c, c, u32(d, 1), 2, 1, q));
            assertTrue(e.getMessage().contains("kCache [8, 4] has dtype BF16, expected F32"), e.getMessage());
        }
    }

    @Test
    void attentionPrefillAndDecodeMatchTheScalarKernel() {
        long seed = 61;
        SplittableRandom r = rng(seed, "attention q [5, 4*18], caches [40, 2*18]");
        int tokens = 5, heads = 4, kvHeads = 2, dim = 18, maxSeq = 40, start = 7;
        float[] k = gaussian(r, maxSeq * kvHeads * dim, 1.0);
        float[] v = gaussian(r, maxSeq * kvHeads * dim, 1.0);
        float[] q = gaussian(r, tokens * heads * dim, 1.0);
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor kc = f32(d, k, maxSeq, (long) kvHeads * dim);
            Tensor vc = f32(d, v, maxSeq, (long) kvHeads * dim);
            Tensor tq = f32(d, q, tokens, (long) heads * dim);
            Tensor out = d.allocate(TensorSpec.f32(tokens, (long) heads * dim));
            d.ops().attentionPrefill(tq, kc, vc, start, heads, kvHeads, out);
            assertCorrelates(ScalarKernels.attention(q, tokens, k, v, start, heads, kvHeads, dim), floats(out),
                    BF16_PEARSON, "prefill, seed " + seed);

            float[] q1 = Arrays.copyOf(q, heads * dim);
            Tensor tq1 = f32(d, q1, 1, (long) heads * dim);
            Tensor out1 = d.allocate(TensorSpec.f32(1, (long) heads * dim));
            d.ops().attentionDecode(tq1, kc, vc, u32(d, 29), heads, kvHeads, out1);
            assertCorrelates(ScalarKernels.attention(q1, 1, k, v, 29, heads, kvHeads, dim), floats(out1),
                    BF16_PEARSON, "decode at 29, seed " + seed);
        }
    }

    @Test
    void relu2GateAndAddMatchTheScalarKernels() {
        long seed = 71;
        SplittableRandom r = rng(seed, "element-wise [3, 70]");
        float[] a = gaussian(r, 3 * 70, 2.0);
        float[] b = gaussian(r, 3 * 70, 2.0);
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor ta = f32(d, a, 3, 70);
            Tensor tb = f32(d, b, 3, 70);
            Tensor out = d.allocate(TensorSpec.f32(3, 70));
            d.ops().relu2Gate(ta, tb, out);
            assertCorrelates(ScalarKernels.relu2Gate(a, b), floats(out), BF16_PEARSON, "relu2Gate, seed " + seed);
            d.ops().add(ta, tb, ta);
            assertCorrelates(ScalarKernels.add(a, b), floats(ta), BF16_PEARSON, "add in place, seed " + seed);
        }
    }

    @ParameterizedTest(name = "bf16 table {0}")
    @ValueSource(booleans = {false, true})
    void embeddingGathersRowsExactly(boolean bf16Table) {
        long seed = bf16Table ? 81 : 82;
        SplittableRandom r = rng(seed, "embedding [50, 70]");
        int vocab = 50, dim = 70;
        float[] table = bf16Round(gaussian(r, vocab * dim, 0.5));
        int[] ids = {49, 0, 17};
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor tt = bf16Table ? bf16(d, table, vocab, dim) : f32(d, table, vocab, dim);
            Tensor out = d.allocate(TensorSpec.f32(ids.length, dim));
            d.ops().embedding(tt, u32(d, ids), out);
            assertArrayEquals(ScalarKernels.embedding(table, dim, ids), floats(out), "seed " + seed);
        }
    }

    @Test
    void outputProjectionAgainstABf16TableCorrelates() {
        long seed = 91;
        SplittableRandom r = rng(seed, "outputProjection x [2, 70], table [50, 70]");
        int tokens = 2, dim = 70, vocab = 50;
        float[] table = bf16Round(gaussian(r, vocab * dim, 0.5));
        float[] x = gaussian(r, tokens * dim, 1.0);
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor logits = d.allocate(TensorSpec.f32(tokens, vocab));
            d.ops().outputProjection(f32(d, x, tokens, dim), bf16(d, table, vocab, dim), logits);
            assertCorrelates(ScalarKernels.outputProjection(x, tokens, dim, table, vocab), floats(logits),
                    BF16_PEARSON, "seed " + seed);
        }
    }

    @Test
    void argmaxAndTopKPickExactlyTheGoldenIndices() {
        long seed = 101;
        SplittableRandom r = rng(seed, "argmax [3, 77], topK k=5 of [1, 77]");
        int vocab = 77;
        float[] logits = gaussian(r, 3 * vocab, 4.0);
        // A tie in row 2: the first index must win.
        logits[2 * vocab + 10] = 100f;
        logits[2 * vocab + 60] = 100f;
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor best = d.allocate(TensorSpec.of(DType.UINT32, 3));
            d.ops().argmax(f32(d, logits, 3, vocab), best);
            int[] expected = new int[3];
            for (int t = 0; t < 3; t++) {
                expected[t] = ScalarKernels.argmax(logits, t * vocab, vocab);
            }
            assertEquals(10, expected[2]);
            assertArrayEquals(expected, ints(best), "seed " + seed);

            float[] row = Arrays.copyOf(logits, vocab);
            row[30] = row[ScalarKernels.argmax(row, 0, vocab)]; // a tie for first place
            Tensor values = d.allocate(TensorSpec.f32(5));
            Tensor indices = d.allocate(TensorSpec.of(DType.UINT32, 5));
            d.ops().topK(f32(d, row, 1, vocab), 5, values, indices);
            // TT-NN's topk reads BFLOAT16 (topk_device_operation.cpp): the golden selection of the
            // bf16-rounded logits, values in bf16, the lower index first among equal values.
            float[] rounded = bf16Round(row);
            int[] top = ScalarKernels.topK(rounded, 5);
            assertArrayEquals(top, ints(indices), "seed " + seed);
            float[] topValues = new float[5];
            for (int i = 0; i < 5; i++) {
                topValues[i] = rounded[top[i]];
            }
            assertArrayEquals(topValues, floats(values), "seed " + seed);
        }
    }

    @Test
    void bf16AndTernaryTensorsRoundTripExactlyInTheirHostForms() {
        long seed = 111;
        SplittableRandom r = rng(seed, "round trips");
        float[] v = bf16Round(gaussian(r, 5 * 37, 1.0));
        byte[] w = ternaryValues(r, 12 * 37);
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor t = bf16(d, v, 5, 37);
            short[] back = new short[v.length];
            t.download(MemorySegment.ofArray(back));
            for (int i = 0; i < v.length; i++) {
                assertEquals(v[i], Float.intBitsToFloat((back[i] & 0xFFFF) << 16), "element " + i);
            }
            Tensor tw = ternary(d, w, 12, 37, 0.5f);
            byte[] packed = new byte[3 * 37];
            tw.download(MemorySegment.ofArray(packed));
            assertArrayEquals(packHf(w, 12, 37), packed, "HF-packed bytes come back unchanged");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"BFP8_B", "BFP4_B"})
    void blockFloatTensorsRoundOnUploadAndCorrelate(String name) {
        DType dtype = DType.valueOf(name);
        long seed = dtype == DType.BFP8_B ? 121 : 122;
        SplittableRandom r = rng(seed, name + " [33, 45]");
        float[] v = gaussian(r, 33 * 45, 1.0);
        try (TenstorrentDevice d = Emulator.open()) {
            float[] back = floats(blockFloat(d, dtype, v, 33, 45));
            assertCorrelates(v, back, BLOCK_FLOAT_PEARSON, "seed " + seed);
            assertFalse(Arrays.equals(v, back), name + " keeps fewer mantissa bits than F32, so values must round");
        }
    }

    private static void assertCorrelates(float[] expected, float[] got, double min, String what) {
        assertEquals(expected.length, got.length, what);
        double p = pearson(expected, got);
        assertTrue(p >= min, what + ": Pearson " + p + " < " + min);
    }

    /** Equal to float rounding of the final scaling: within 1e-5 of the largest magnitude. */
    private static void assertNearlyExact(float[] expected, float[] got, String what) {
        assertEquals(expected.length, got.length, what);
        float tol = 1e-5f * maxAbs(expected);
        float diff = maxAbsDiff(expected, got);
        assertTrue(diff <= tol, what + ": max |difference| " + diff + " > " + tol);
    }

    /** cos/sin tables {@code [maxPos, D]}: {@code pos · θ^(-2(i mod D/2)/D)}, Hugging Face pairing. */
    static float[][] ropeTable(int maxPos, int dim, double theta) {
        float[] cos = new float[maxPos * dim];
        float[] sin = new float[maxPos * dim];
        for (int p = 0; p < maxPos; p++) {
            for (int i = 0; i < dim; i++) {
                double angle = p * Math.pow(theta, -2.0 * (i % (dim / 2)) / dim);
                cos[p * dim + i] = (float) Math.cos(angle);
                sin[p * dim + i] = (float) Math.sin(angle);
            }
        }
        return new float[][] {cos, sin};
    }
}
