package io.bitnettt.model.checkpoint;

import io.bitnettt.safetensors.SafetensorsDType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AbsmeanQuantizerTest {

    /**
     * W (4×2, F32) = [[0.4, −0.1], [−0.9, 0.2], [0.05, −0.35], [0.3, 0.0]].
     * mean|W| = (0.4+0.1+0.9+0.2+0.05+0.35+0.3+0)/8 = 2.3/8 = 0.2875, s_w = 1/0.2875 ≈ 3.478.
     * W·s_w = [[1.391, −0.348], [−3.130, 0.696], [0.174, −1.217], [1.043, 0]]
     * → T = [[1, 0], [−1, 1], [0, −1], [1, 0]], scale 0.2875.
     */
    @Test
    void handComputedCase() {
        float[] w = {0.4f, -0.1f, -0.9f, 0.2f, 0.05f, -0.35f, 0.3f, 0.0f};
        int[][] expected = {{1, 0}, {-1, 1}, {0, -1}, {1, 0}};
        try (Arena arena = Arena.ofShared()) {
            HostTensor t = new HostTensor("w", SafetensorsDType.F32, new long[]{4, 2}, MemorySegment.ofArray(w));
            assertEquals(0.2875f, AbsmeanQuantizer.meanAbs(t), 1e-7f);
            PackedTernary q = AbsmeanQuantizer.quantize(t, 4, 2, arena);
            assertEquals(0.2875f, q.scale(), 1e-7f);
            int[][] got = Fixtures.decode(q);
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 2; c++) {
                    assertEquals(expected[r][c], got[r][c], "[" + r + "," + c + "]");
                }
            }
        }
    }

    /** Round half to even: with mean|W| = 1 exactly, ±0.5 goes to 0 and ±1.5 to ±2 then clamps to ±1. */
    @Test
    void roundsHalfToEvenAndClamps() {
        assertEquals(0, AbsmeanQuantizer.ternary(0.5f, 1f));
        assertEquals(0, AbsmeanQuantizer.ternary(-0.5f, 1f));
        assertEquals(1, AbsmeanQuantizer.ternary(1.5f, 1f));
        assertEquals(-1, AbsmeanQuantizer.ternary(-7f, 1f));
        assertEquals(1, AbsmeanQuantizer.ternary(0.51f, 1f));
    }

    /** An all-zero tensor uses the 1e-5 floor instead of dividing by zero. */
    @Test
    void zeroTensorUsesTheFloor() {
        try (Arena arena = Arena.ofShared()) {
            HostTensor t = new HostTensor("z", SafetensorsDType.F32, new long[]{4, 1}, MemorySegment.ofArray(new float[4]));
            PackedTernary q = AbsmeanQuantizer.quantize(t, 4, 1, arena);
            assertEquals(1e-5f, q.scale(), 1e-12f);
            for (int r = 0; r < 4; r++) {
                assertEquals(0, q.value(r, 0));
            }
        }
    }
}
