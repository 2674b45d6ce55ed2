package io.bitnettt.tt;

import io.bitnettt.cpu.kernel.ScalarKernels;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static io.bitnettt.tt.Host.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Regressions for the run-time blockers of the shim found against tt-metal 622c6fb9 (issue 17). The
 * old shim passed Q to SDPA decode in L1 interleaved with a FLOAT32 KV cache, and gathered cos/sin rows
 * from the FLOAT32 tables; the host double refuses both as TT-NN does (sdpa_decode.q_placement,
 * sdpa_decode.dtype, embedding.table_dtype), so these calls fail on the old shim code. The third
 * blocker, the calls that did not compile against 622c6fb9, is checked by the build: make's compat
 * step compiles ttnn_compat.hpp against both API levels and requires the old calls to fail.
 */
class ShimBlockersTest {

    @Test
    void decodeAttentionOverAFloat32CacheRunsAsSdpaDecodeWithBf16QAndCache() {
        int heads = 4, kvHeads = 2, dim = 32, rows = 40, pos = 29;
        SplittableRandom r = new SplittableRandom(171);
        float[] k = gaussian(r, rows * kvHeads * dim, 1.0), v = gaussian(r, rows * kvHeads * dim, 1.0);
        float[] q = gaussian(r, heads * dim, 1.0);
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor kc = f32(d, k, rows, (long) kvHeads * dim);
            Tensor vc = f32(d, v, rows, (long) kvHeads * dim);
            Tensor out = d.allocate(TensorSpec.f32(1, (long) heads * dim));
            d.resetCounters();
            d.ops().attentionDecode(f32(d, q, 1, (long) heads * dim), kc, vc, u32(d, pos), heads, kvHeads, out);
            float[] got = floats(out);
            Map<String, Long> stats = d.opStats();
            assertEquals(1L, stats.get("op:ttnn::transformer::scaled_dot_product_attention_decode"), stats.toString());
            assertTrue(pearson(ScalarKernels.attention(q, 1, k, v, pos, heads, kvHeads, dim), got) >= 0.999);
            // The cache now lives in SDPA decode's form, BFLOAT8_B in the performance mode: its values come
            // back rounded as a BFP8_B tensor of the same rows rounds them (16-value groups within each head).
            float[] asBfp8 = floats(blockFloat(d, io.bitnettt.spi.DType.BFP8_B, k, rows, (long) kvHeads * dim));
            assertArrayEquals(asBfp8, floats(kc), "K cache as the device holds it");
            assertFalse(java.util.Arrays.equals(bf16Round(k), asBfp8), "bfloat8_b keeps fewer bits than bf16");
        }
    }

    @Test
    void decodeRotaryOverFloat32TablesGathersTheirRowsFromBf16Copies() {
        int heads = 4, dim = 32, rows = 64, pos = 37;
        float[][] table = OpsAgainstGoldenTest.ropeTable(rows, dim, 10000.0);
        float[] x = gaussian(new SplittableRandom(172), heads * dim, 1.0);
        try (TenstorrentDevice d = Emulator.open()) {
            Tensor cos = f32(d, table[0], rows, dim);
            Tensor sin = f32(d, table[1], rows, dim);
            Tensor tx = f32(d, x, 1, (long) heads * dim);
            d.ops().rotaryDecode(tx, heads, cos, sin, u32(d, pos)); // makes the copies, outside any capture
            d.resetCounters();
            tx.upload(java.lang.foreign.MemorySegment.ofArray(x.clone()));
            d.ops().rotaryDecode(tx, heads, cos, sin, u32(d, pos));
            float[] got = floats(tx);
            Map<String, Long> stats = d.opStats();
            assertEquals(2L, stats.get("op:ttnn::embedding"), "cos and sin rows by the position: " + stats);
            assertEquals(0L, d.counters().layoutConversions(), "tilized embedding path for D = 32: " + stats);
            // Worked out as the device computes it: bf16 cos/sin rows; rotate_half(x) from the matrix
            // engine, whose source registers hold x in TF32; FP32 multiplies and add on the SFPU.
            float[] c = bf16Round(table[0]), s = bf16Round(table[1]);
            float[] expected = new float[x.length];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < dim; i++) {
                    int at = h * dim + i;
                    float rotated = i < dim / 2 ? -x[at + dim / 2] : x[at - dim / 2];
                    expected[at] = x[at] * c[pos * dim + i] + tf32(rotated) * s[pos * dim + i];
                }
            }
            assertArrayEquals(expected, got, "rotary at " + pos);
            assertTrue(pearson(ScalarKernels.rope(x, 1, heads, dim, table[0], table[1], pos), got) >= 0.999);
        }
    }

    /** Round to nearest even at 10 mantissa bits (TF32). */
    private static float tf32(float f) {
        int bits = Float.floatToRawIntBits(f);
        bits += 0xFFF + ((bits >>> 13) & 1);
        return Float.intBitsToFloat(bits & 0xFFFFE000);
    }
}
