package io.bitnettt.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * Sums that must come out in one order whatever the JIT tier and the blocking: {@link LaneSum}
 * against the butterfly tree written out in scalar code, and the output projection's four-row
 * blocks against its single rows (a thread part's rows start and end anywhere, so the same row runs
 * in either). The pom also runs this at 256- and 128-bit vectors.
 */
class LaneSumTest {
    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();

    /** The tree of {@link LaneSum}'s comment: level h adds lane i ^ h to lane i, h = L/2, L/4, ..., 1. */
    private static float butterfly(float[] lanes, int from) {
        float[] v = java.util.Arrays.copyOfRange(lanes, from, from + LANES);
        for (int h = LANES / 2; h >= 1; h /= 2) {
            float[] next = new float[LANES];
            for (int i = 0; i < LANES; i++) {
                next[i] = v[i] + v[i ^ h];
            }
            v = next;
        }
        return v[0];
    }

    @Test
    void sumsTheLanesAsTheButterflyTreeBitForBit() {
        Random r = new Random(3);
        int vectors = 4096;
        float[] x = new float[vectors * LANES];
        for (int i = 0; i < x.length; i++) {
            // magnitudes spread over 12 decades, so any other order rounds differently somewhere
            x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(12) - 6));
        }
        int[] expected = new int[vectors];
        for (int v = 0; v < vectors; v++) {
            expected[v] = Float.floatToRawIntBits(butterfly(x, v * LANES));
        }
        // Repeated so that, whenever the JIT gets to it, the compiled method is checked too.
        for (int round = 0; round < 50; round++) {
            int[] actual = new int[vectors];
            for (int v = 0; v < vectors; v++) {
                actual[v] = Float.floatToRawIntBits(LaneSum.of(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x,
                        v * LANES)));
            }
            assertArrayEquals(expected, actual, "round " + round);
        }
    }

    @Test
    void sequentialSumWouldDiffer() {
        // Guards the test above: its data tells the tree from a lane-by-lane sum, the fallback's order.
        Random r = new Random(3);
        float[] x = new float[LANES];
        int differ = 0;
        for (int trial = 0; trial < 1000; trial++) {
            float sequential = 0;
            for (int i = 0; i < LANES; i++) {
                x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(12) - 6));
                sequential += x[i];
            }
            differ += butterfly(x, 0) != sequential ? 1 : 0;
        }
        assertTrue(LANES < 4 || differ > 100, "only " + differ + " of 1000 sums differ");
    }

    @Test
    void bf16RowsRunTogetherEqualSingleRowsBitForBit() {
        Random r = new Random(8);
        int vocab = 37;
        int tokens = 2;
        for (int d : new int[] {OutputProjectionKernel.CHUNK * 3, OutputProjectionKernel.CHUNK * 2 + 7, 5}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment table = arena.allocate(2L * vocab * d);
                for (long i = 0; i < (long) vocab * d; i++) {
                    table.setAtIndex(ValueLayout.JAVA_SHORT, i, Bf16.fromFloat((float) r.nextGaussian()));
                }
                MemorySegment x = arena.allocate(4L * tokens * d);
                for (long i = 0; i < (long) tokens * d; i++) {
                    x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (r.nextGaussian() * Math.pow(10, r.nextInt(6) - 3)));
                }
                float[] xp = new float[tokens * d];
                for (int t = 0; t < tokens; t++) {
                    OutputProjectionKernel.permute(x, 4L * t * d, d, xp, t * d);
                }
                MemorySegment blocked = arena.allocate(4L * tokens * vocab);
                OutputProjectionKernel.bf16Rows(table, d, xp, tokens, blocked, vocab, 0, vocab);
                MemorySegment single = arena.allocate(4L * tokens * vocab);
                for (int v = 0; v < vocab; v++) {
                    OutputProjectionKernel.bf16Rows(table, d, xp, tokens, single, vocab, v, v + 1);
                }
                assertArrayEquals(single.toArray(ValueLayout.JAVA_INT), blocked.toArray(ValueLayout.JAVA_INT), "d=" + d);
                // ranges as thread parts get them: [0, 5) row by row, [5, 21) and [21, 37) as eight
                // streams of two rows
                MemorySegment split = arena.allocate(4L * tokens * vocab);
                OutputProjectionKernel.bf16Rows(table, d, xp, tokens, split, vocab, 0, 5);
                OutputProjectionKernel.bf16Rows(table, d, xp, tokens, split, vocab, 5, 21);
                OutputProjectionKernel.bf16Rows(table, d, xp, tokens, split, vocab, 21, vocab);
                assertArrayEquals(single.toArray(ValueLayout.JAVA_INT), split.toArray(ValueLayout.JAVA_INT), "d=" + d);
            }
        }
    }
}
