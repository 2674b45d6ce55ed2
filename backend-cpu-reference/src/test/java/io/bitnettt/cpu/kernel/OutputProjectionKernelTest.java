package io.bitnettt.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import io.bitnettt.spi.LogitScreen;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link OutputProjectionKernel#int8Rows} on a range of rows for two tokens, called directly: the
 * range is read as interleaved streams, so ranges of 1 to 13 rows, at offsets, check that every row
 * of the range gets its logit for each token, within Higham's float bound of the exact sum
 * {@code scale · Σ code·x} (computed in double), and that no other logit is written. Widths that are
 * not a multiple of the kernel's step end in its scalar tail.
 */
class OutputProjectionKernelTest {
    @ParameterizedTest(name = "[{0}x{1}] rows {2}..{3}")
    @CsvSource({"1,1,0,1", "3,64,0,3", "9,100,2,6", "16,2560,0,13", "40,129,17,30", "7,300,6,7", "30,6912,4,9"})
    void int8RangeMatchesExactSumsAndLeavesTheRestAlone(int vocab, int d, int v0, int v1) {
        long seed = System.nanoTime();
        System.out.println("OutputProjectionKernelTest [" + vocab + "x" + d + "] seed " + seed);
        int tokens = 2;
        Operands o = Operands.random(new Random(seed), vocab, d, tokens);
        float[] x = o.x();
        MemorySegment table = o.table();
        MemorySegment scales = o.scales();
        float sentinel = -12345.5f;
        MemorySegment logits = Arena.ofAuto().allocate(4L * tokens * vocab, 4);
        for (int i = 0; i < tokens * vocab; i++) {
            logits.setAtIndex(ValueLayout.JAVA_FLOAT, i, sentinel);
        }
        OutputProjectionKernel.int8Rows(table, scales, d, x, tokens, logits, vocab, v0, v1);
        for (int t = 0; t < tokens; t++) {
            for (int v = 0; v < vocab; v++) {
                float got = logits.getAtIndex(ValueLayout.JAVA_FLOAT, (long) t * vocab + v);
                if (v < v0 || v >= v1) {
                    assertEquals(sentinel, got, "token " + t + " row " + v + " is outside the range");
                    continue;
                }
                double exact = 0;
                double magnitude = 0;
                for (int k = 0; k < d; k++) {
                    double term = (double) table.get(ValueLayout.JAVA_BYTE, (long) v * d + k) * x[t * d + k];
                    exact += term;
                    magnitude += Math.abs(term);
                }
                double scale = scales.getAtIndex(ValueLayout.JAVA_FLOAT, v);
                double bound = LogitScreen.gamma(d) * scale * magnitude;
                assertTrue(Math.abs(got - scale * exact) <= bound, "token " + t + " row " + v + ": " + got
                        + " against exact " + scale * exact + ", bound " + bound);
            }
        }
    }

    /**
     * A row's logit must not depend on the rows read beside it, or results would change with the
     * thread count: each row of a 4-stream range (read four at once, with the range's remainder
     * read alone) equals, bit for bit, the same row as a range of its own.
     */
    @ParameterizedTest(name = "[{0}x{1}] rows {2}..{3}")
    @CsvSource({"16,2560,0,13", "40,129,3,30", "21,300,0,21"})
    void int8RowDoesNotDependOnItsNeighbours(int vocab, int d, int v0, int v1) {
        int tokens = 2;
        Operands o = Operands.random(new Random(vocab * 31L + d), vocab, d, tokens);
        float[] x = o.x();
        MemorySegment table = o.table();
        MemorySegment scales = o.scales();
        MemorySegment together = Arena.ofAuto().allocate(4L * tokens * vocab, 4);
        MemorySegment alone = Arena.ofAuto().allocate(4L * tokens * vocab, 4);
        OutputProjectionKernel.int8Rows(table, scales, d, x, tokens, together, vocab, v0, v1);
        for (int v = v0; v < v1; v++) {
            OutputProjectionKernel.int8Rows(table, scales, d, x, tokens, alone, vocab, v, v + 1);
        }
        for (int t = 0; t < tokens; t++) {
            for (int v = v0; v < v1; v++) {
                long i = (long) t * vocab + v;
                assertEquals(Float.floatToRawIntBits(alone.getAtIndex(ValueLayout.JAVA_FLOAT, i)),
                        Float.floatToRawIntBits(together.getAtIndex(ValueLayout.JAVA_FLOAT, i)),
                        "token " + t + " row " + v);
            }
        }
    }

    /** Random activations for {@code tokens} tokens, an int8 {@code [vocab, d]} table and its row scales. */
    private record Operands(float[] x, MemorySegment table, MemorySegment scales) {
        static Operands random(Random r, int vocab, int d, int tokens) {
            float[] x = new float[tokens * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (r.nextGaussian() * 2);
            }
            MemorySegment table = Arena.ofAuto().allocate((long) vocab * d, 64);
            MemorySegment scales = Arena.ofAuto().allocate(4L * vocab, 4);
            for (int v = 0; v < vocab; v++) {
                for (int k = 0; k < d; k++) {
                    table.set(ValueLayout.JAVA_BYTE, (long) v * d + k, (byte) (r.nextInt(255) - 127));
                }
                scales.setAtIndex(ValueLayout.JAVA_FLOAT, v, 0.001f + r.nextFloat() * 0.01f);
            }
            return new Operands(x, table, scales);
        }
    }
}
