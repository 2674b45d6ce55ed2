package io.bitnettt.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

/**
 * What the GEMV range tests share: random operands, and an output of {@code out} rows at float
 * index 3 (byte 12), filled with a sentinel, so a test can check that rows of its range hold the
 * scalar reference and every other byte is untouched.
 */
final class GemvRangeFixture {
    static final float SENTINEL = -12345.5f;
    /** Byte offset of row 0 in {@link #sentinelOutput}. */
    static final long Y_OFF = 12;

    private GemvRangeFixture() {
    }

    /** {@code n} activations, normal with standard deviation {@code sd}. */
    static float[] activation(Random r, int n, double sd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * sd);
        }
        return x;
    }

    /** {@code n} ternary weights drawn uniformly from -1, 0, 1. */
    static byte[] ternary(Random r, int n) {
        byte[] w = new byte[n];
        for (int i = 0; i < n; i++) {
            w[i] = (byte) (r.nextInt(3) - 1);
        }
        return w;
    }

    /** Three zero floats, then {@code out} sentinel rows. */
    static MemorySegment sentinelOutput(int out) {
        MemorySegment y = Arena.ofAuto().allocate(4L * (out + 3), 4);
        y.fill((byte) 0);
        for (int i = 0; i < out; i++) {
            y.setAtIndex(ValueLayout.JAVA_FLOAT, 3 + i, SENTINEL);
        }
        return y;
    }

    /** Rows {@code [row0, row1)} equal {@code expected}, every other row still holds the sentinel. */
    static void assertRows(MemorySegment y, float[] expected, int row0, int row1) {
        int out = expected.length;
        float[] want = new float[out];
        for (int row = 0; row < out; row++) {
            want[row] = row >= row0 && row < row1 ? expected[row] : SENTINEL;
        }
        assertArrayEquals(want, Arrays.copyOfRange(y.toArray(ValueLayout.JAVA_FLOAT), 3, 3 + out));
        assertEquals(0f, y.getAtIndex(ValueLayout.JAVA_FLOAT, 0), "bytes before the output are untouched");
    }
}
