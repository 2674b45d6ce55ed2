package io.bitnettt.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link TernaryMatmul#gemv} on a range of row groups, called directly: the range is read as
 * {@link TernaryMatmul#STREAMS} interleaved parts, so ranges of 1 to 13 groups, at offsets, check
 * that every group of the range is computed once, equal to the scalar reference bit for bit, and
 * that no row outside it is written.
 */
class TernaryMatmulTest {
    @ParameterizedTest(name = "[{0}x{1}] groups {2}..{3}")
    @CsvSource({"4,1,0,1", "8,130,0,2", "12,256,0,3", "16,300,0,4", "20,128,0,5", "64,640,3,10", "64,2560,1,14",
        "200,65,7,50", "52,6912,0,13", "40,129,9,10"})
    void rangeMatchesScalarReferenceAndLeavesTheRestAlone(int out, int in, int g0, int g1) {
        long seed = System.nanoTime();
        System.out.println("TernaryMatmulTest [" + out + "x" + in + "] seed " + seed);
        Random r = new Random(seed);
        float[] x = new float[in];
        for (int i = 0; i < in; i++) {
            x[i] = (float) (r.nextGaussian() * 3);
        }
        byte[] w = new byte[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) (r.nextInt(3) - 1);
        }
        float scale = 0.041f;
        float[] expected = ScalarKernels.ternaryLinear(x, 1, in, w, out, scale);

        TernaryLayout layout = new TernaryLayout(out, in);
        MemorySegment packed = Arena.ofAuto().allocate(layout.byteSize(), 64);
        layout.pack(w, packed);
        int qOff = 5; // an offset, as the device's token rows have
        short[] q = new short[qOff + layout.paddedIn()];
        float s = ActivationQuantizer.quantize(MemorySegment.ofArray(x), 0, in, q, qOff, layout.paddedIn());
        int qSum = TernaryLayout.telescope(q, qOff, layout.blocks());

        float sentinel = -12345.5f;
        MemorySegment y = Arena.ofAuto().allocate(4L * (out + 3), 4);
        y.fill((byte) 0);
        for (int i = 0; i < out; i++) {
            y.setAtIndex(ValueLayout.JAVA_FLOAT, 3 + i, sentinel);
        }
        TernaryMatmul.gemv(packed, layout, q, qOff, qSum, s, scale, y, 12, g0, g1);
        float[] want = new float[out];
        for (int row = 0; row < out; row++) {
            boolean inside = row >= g0 * TernaryLayout.GROUP_ROWS && row < g1 * TernaryLayout.GROUP_ROWS;
            want[row] = inside ? expected[row] : sentinel;
        }
        assertArrayEquals(want, Arrays.copyOfRange(y.toArray(ValueLayout.JAVA_FLOAT), 3, 3 + out));
        assertEquals(0f, y.getAtIndex(ValueLayout.JAVA_FLOAT, 0), "bytes before the output are untouched");
    }
}
