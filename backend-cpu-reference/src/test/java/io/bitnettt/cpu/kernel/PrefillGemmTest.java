package io.bitnettt.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link TableGemm#run} on sub-ranges of row groups, as the multithreaded caller uses it: rows
 * inside the range must equal the scalar reference bit for bit for every token (whole and partial
 * token tiles, K not a multiple of a block, several int16 flushes) and every other row must be
 * untouched. Activations are mostly ±128-scale extremes so the int16 accumulators come close to
 * the bound the flush interval is chosen for. Token counts run from one partial tile to eight
 * tiles (250 tokens); ranges of 3200 and 4476 rows take one and two row chunks.
 */
class PrefillGemmTest {
    @ParameterizedTest(name = "[{0}x{1}] {2} tokens, groups {3}..{4}")
    @CsvSource({"16,1000,6,1,3", "8,2560,5,0,2", "12,6912,3,2,3", "20,129,11,0,5", "8,896,33,1,2", "4,1,17,0,1",
        "12,63,16,0,3", "12,65,9,1,3", "24,2560,40,2,5", "8,6912,18,0,2", "12,65,128,0,3", "8,2560,150,1,2",
        "4,63,250,0,1", "16,129,100,1,4", "3200,65,100,1,799", "4500,65,40,1,1120"})
    void rangeMatchesScalarReferenceAndLeavesTheRestAlone(int out, int in, int tokens, int g0, int g1) {
        Random r = new Random(out * 131L + in + tokens * 7L + g1);
        float[] x = new float[tokens * in];
        for (int i = 0; i < x.length; i++) {
            // a quarter of the tokens saturate: every |q| = 127 or 128 with one sign per weight sign
            x[i] = (i / in) % 4 == 1 ? (r.nextBoolean() ? 1f : -1f) : (float) (r.nextGaussian() * 2);
        }
        byte[] w = new byte[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) ((i / in) % 3 == 2 ? (x[i % in] >= 0 ? 1 : -1) : r.nextInt(3) - 1);
        }
        float scale = 0.021f;
        float[] expected = ScalarKernels.ternaryLinear(x, tokens, in, w, out, scale);

        TernaryLayout layout = new TernaryLayout(out, in);
        MemorySegment packed = Arena.ofAuto().allocate(layout.byteSize(), 64);
        layout.pack(w, packed);
        int stride = layout.paddedIn();
        short[] q = new short[tokens * stride];
        float[] s = new float[tokens];
        MemorySegment xs = MemorySegment.ofArray(x);
        for (int t = 0; t < tokens; t++) {
            s[t] = ActivationQuantizer.quantize(xs, 4L * t * in, in, q, t * stride, stride);
        }
        short[] xt = new short[TableGemm.transposedSize(tokens, stride)];
        Arrays.fill(xt, (short) 999); // transpose must overwrite every slot, padding lanes included
        TableGemm.transpose(q, stride, tokens, stride, xt);
        float sentinel = -12345.5f;
        float[] y = new float[tokens * out];
        Arrays.fill(y, sentinel);
        MemorySegment ys = Arena.ofAuto().allocate(4L * y.length, 4);
        MemorySegment.copy(y, 0, ys, ValueLayout.JAVA_FLOAT, 0, y.length);
        float[] want = want(expected, tokens, out, g0, g1, sentinel);
        try (TableGemm.Work work = new TableGemm.Work()) {
            TableGemm.run(packed, layout, xt, tokens, s, scale, ys, 4L * out, g0, g1, work);
            assertArrayEquals(want, ys.toArray(ValueLayout.JAVA_FLOAT));
            // the same work buffers serve the next call (the device reuses them per thread)
            TableGemm.run(packed, layout, xt, tokens, s, scale, ys, 4L * out, g0, g1, work);
            assertArrayEquals(want, ys.toArray(ValueLayout.JAVA_FLOAT));
        }
    }

    private static float[] want(float[] expected, int tokens, int out, int g0, int g1, float sentinel) {
        float[] want = new float[tokens * out];
        for (int t = 0; t < tokens; t++) {
            for (int row = 0; row < out; row++) {
                boolean inside = row >= g0 * 4 && row < g1 * 4;
                want[t * out + row] = inside ? expected[t * out + row] : sentinel;
            }
        }
        return want;
    }
}
