package io.bitnettt.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link TernaryMatmul#gemm} on sub-ranges of tokens and row groups, as the tiled, multithreaded
 * caller uses it: rows and tokens inside the range must equal the scalar reference bit for bit
 * (across several flush chunks, with an odd token left over) and everything outside must be untouched.
 */
class PrefillGemmTest {
    @ParameterizedTest(name = "[{0}x{1}] tokens {2}..{3}, groups {4}..{5}")
    @CsvSource({"16,1000,1,6,1,3", "8,2560,0,5,0,2", "12,6912,2,3,2,3", "20,129,3,11,0,5", "8,896,0,32,1,2"})
    void rangeMatchesScalarReferenceAndLeavesTheRestAlone(int out, int in, int t0, int t1, int g0, int g1) {
        int tokens = t1 + 1;
        Random r = new Random(out * 131L + in + t0 * 7L + g1);
        float[] x = new float[tokens * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 2);
        }
        byte[] w = new byte[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) (r.nextInt(3) - 1);
        }
        float scale = 0.021f;
        float[] expected = ScalarKernels.ternaryLinear(x, tokens, in, w, out, scale);

        TernaryLayout layout = new TernaryLayout(out, in);
        MemorySegment packed = Arena.ofAuto().allocate(layout.byteSize(), 64);
        layout.pack(w, packed);
        int stride = layout.paddedIn();
        short[] q = new short[tokens * stride];
        int[] sums = new int[tokens];
        float[] s = new float[tokens];
        MemorySegment xs = MemorySegment.ofArray(x);
        for (int t = 0; t < tokens; t++) {
            s[t] = ActivationQuantizer.quantize(xs, 4L * t * in, in, q, t * stride, stride);
            sums[t] = TernaryLayout.telescope(q, t * stride, layout.blocks());
        }
        float sentinel = -12345.5f;
        float[] y = new float[tokens * out];
        java.util.Arrays.fill(y, sentinel);
        MemorySegment ys = Arena.ofAuto().allocate(4L * y.length, 4);
        MemorySegment.copy(y, 0, ys, ValueLayout.JAVA_FLOAT, 0, y.length);
        TernaryMatmul.gemm(packed, layout, q, stride, sums, s, t0, t1, scale, ys, 4L * out, g0, g1);

        float[] want = new float[y.length];
        for (int t = 0; t < tokens; t++) {
            for (int row = 0; row < out; row++) {
                boolean inside = t >= t0 && t < t1 && row >= g0 * 4 && row < g1 * 4;
                want[t * out + row] = inside ? expected[t * out + row] : sentinel;
            }
        }
        assertArrayEquals(want, ys.toArray(ValueLayout.JAVA_FLOAT));
    }
}
