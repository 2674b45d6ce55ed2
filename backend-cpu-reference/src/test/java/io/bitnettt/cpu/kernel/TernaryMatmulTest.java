package io.bitnettt.cpu.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
        float[] x = GemvRangeFixture.activation(r, in, 3);
        byte[] w = GemvRangeFixture.ternary(r, out * in);
        float scale = 0.041f;
        float[] expected = ScalarKernels.ternaryLinear(x, 1, in, w, out, scale);

        TernaryLayout layout = new TernaryLayout(out, in);
        MemorySegment packed = Arena.ofAuto().allocate(layout.byteSize(), 64);
        layout.pack(w, packed);
        int qOff = 5; // an offset, as the device's token rows have
        short[] q = new short[qOff + layout.paddedIn()];
        float s = ActivationQuantizer.quantize(MemorySegment.ofArray(x), 0, in, q, qOff, layout.paddedIn());
        int qSum = TernaryLayout.telescope(q, qOff, layout.blocks());

        MemorySegment y = GemvRangeFixture.sentinelOutput(out);
        TernaryMatmul.gemv(packed, layout, q, qOff, qSum, s, scale, y, GemvRangeFixture.Y_OFF, g0, g1);
        GemvRangeFixture.assertRows(y, expected, g0 * TernaryLayout.GROUP_ROWS, g1 * TernaryLayout.GROUP_ROWS);
    }
}
