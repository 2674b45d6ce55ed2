package io.bitnettt.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link LookupMatmul#gemv} over {@link LookupLayout}, called directly so it is checked on every
 * machine, also where the backend picks the multiply-add kernels (there the 512-bit vectors run
 * in Java and slowly, hence modest shapes). Rows in the range must equal the scalar reference bit
 * for bit and every other row must be untouched; shapes cover partial row groups, four-group slabs
 * with single groups after them, ranges that start or end inside a slab, a last slab of fewer
 * groups, K that is not a multiple of nine and several int16 flushes (column chunks).
 */
class LookupMatmulTest {
    @ParameterizedTest(name = "[{0}x{1}] groups {2}..{3}")
    @CsvSource({"1,1,0,1", "3,9,0,1", "31,10,0,1", "33,63,0,2", "200,65,0,7", "200,2560,1,6", "640,2560,0,20",
        "64,6912,0,2", "130,6912,1,5", "96,251,2,3", "300,300,4,10", "300,300,3,9", "640,2560,8,12"})
    void rangeMatchesScalarReferenceAndLeavesTheRestAlone(int out, int in, int g0, int g1) {
        Token k = Token.random("gemv", out, in, 7); // a table offset, as the device's token rows have
        MemorySegment y = GemvRangeFixture.sentinelOutput(out);
        LookupMatmul.gemv(k.packed, k.layout, k.tab, 7, k.s, Token.SCALE, y, GemvRangeFixture.Y_OFF, g0, g1,
                new LookupMatmul.Work());
        GemvRangeFixture.assertRows(y, k.expected, g0 * LookupLayout.GROUP_ROWS, g1 * LookupLayout.GROUP_ROWS);
    }

    /** One random token against random weights: packed, quantized, tabled at an offset, and the scalar reference's rows. */
    private record Token(LookupLayout layout, MemorySegment packed, short[] tab, float s, float[] expected) {
        static final float SCALE = 0.037f;

        static Token random(String label, int out, int in, int tabOff) {
            long seed = System.nanoTime();
            System.out.println("LookupMatmulTest " + label + " [" + out + "x" + in + "] seed " + seed);
            Random r = new Random(seed);
            float[] x = GemvRangeFixture.activation(r, in, 3);
            byte[] w = GemvRangeFixture.ternary(r, out * in);
            float[] expected = ScalarKernels.ternaryLinear(x, 1, in, w, out, SCALE);
            LookupLayout layout = new LookupLayout(out, in);
            MemorySegment packed = Arena.ofAuto().allocate(layout.byteSize(), 64);
            layout.pack(w, packed);
            short[] q = new short[layout.paddedIn()];
            float s = ActivationQuantizer.quantize(MemorySegment.ofArray(x), 0, in, q, 0, q.length);
            short[] tab = new short[tabOff + LookupMatmul.tableSize(layout)];
            LookupMatmul.tables(q, 0, layout.words(), tab, tabOff);
            return new Token(layout, packed, tab, s, expected);
        }
    }

    /**
     * One token split by columns, as a decode call's parts split it: chunks {@code [0, cut)} into
     * one part's sums and the rest into another's, at a group offset, then folded and stored. Every
     * cut, none included, must give the scalar reference's rows bit for bit.
     */
    @ParameterizedTest(name = "[{0}x{1}]")
    @CsvSource({"1,1", "200,300", "130,6912", "96,253"})
    void columnSplitsFoldToTheScalarReference(int out, int in) {
        Token k = Token.random("columns", out, in, 0);
        LookupLayout layout = k.layout;
        int words = layout.words();
        int chunks = (words + LookupLayout.CHUNK_WORDS - 1) / LookupLayout.CHUNK_WORDS;
        int group0 = 3;
        int groups = group0 + layout.groups();
        for (int cut : new int[] {0, 1, chunks / 2, chunks - 1, chunks}) {
            LookupMatmul.Work a = new LookupMatmul.Work();
            LookupMatmul.Work b = new LookupMatmul.Work();
            a.clearSums(groups);
            b.clearSums(groups);
            int mid = Math.min(words, cut * LookupLayout.CHUNK_WORDS);
            if (mid > 0) {
                LookupMatmul.addColumnSums(k.packed, layout, k.tab, 0, 0, mid, a, group0);
            }
            if (mid < words) {
                LookupMatmul.addColumnSums(k.packed, layout, k.tab, 0, mid, words, b, group0);
            }
            LookupMatmul.foldSums(a, b, groups);
            MemorySegment y = GemvRangeFixture.sentinelOutput(out);
            LookupMatmul.storeSums(a, group0, layout, k.s, Token.SCALE, y, GemvRangeFixture.Y_OFF);
            GemvRangeFixture.assertRows(y, k.expected, 0, layout.groups() * LookupLayout.GROUP_ROWS);
        }
    }

    /**
     * {@link LookupMatmul#gemm}: four tokens' tables side by side at a stride, outputs at a row
     * stride; ranges with an odd number of groups end in the per-token GEMV.
     */
    @ParameterizedTest(name = "[{0}x{1}] groups {2}..{3}")
    @CsvSource({"1,1,0,1", "64,9,0,2", "200,65,1,7", "130,2560,0,5", "96,6912,0,3", "640,251,3,20",
        "300,300,4,10", "300,300,1,8"})
    void fourTokensMatchScalarReferenceAndLeaveTheRestAlone(int out, int in, int g0, int g1) {
        int tokens = LookupMatmul.TOKENS;
        long seed = System.nanoTime();
        System.out.println("LookupMatmulTest gemm [" + out + "x" + in + "] seed " + seed);
        Random r = new Random(seed);
        float[] x = new float[tokens * in];
        for (int i = 0; i < x.length; i++) {
            // token 2 saturates: every |q| = 127 with the weight's sign, the largest sums there are
            x[i] = i / in == 2 ? 1f : (float) (r.nextGaussian() * 3);
        }
        byte[] w = new byte[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) ((i / in) % 5 == 1 ? 1 : r.nextInt(3) - 1);
        }
        float scale = 0.037f;
        float[] expected = ScalarKernels.ternaryLinear(x, tokens, in, w, out, scale);

        LookupLayout layout = new LookupLayout(out, in);
        MemorySegment packed = Arena.ofAuto().allocate(layout.byteSize(), 64);
        layout.pack(w, packed);
        int size = LookupMatmul.tableSize(layout);
        int tabStride = size + 5;
        short[] tab = new short[3 + tokens * tabStride];
        short[] q = new short[layout.paddedIn()];
        float[] s = new float[tokens + 1];
        for (int t = 0; t < tokens; t++) {
            s[1 + t] = ActivationQuantizer.quantize(MemorySegment.ofArray(x), 4L * t * in, in, q, 0, q.length);
            LookupMatmul.tables(q, 0, layout.words(), tab, 3 + t * tabStride);
        }
        float sentinel = -12345.5f;
        long yStride = 4L * (out + 2);
        MemorySegment y = Arena.ofAuto().allocate(yStride * tokens, 4);
        for (long i = 0; i < y.byteSize() / 4; i++) {
            y.setAtIndex(ValueLayout.JAVA_FLOAT, i, sentinel);
        }
        LookupMatmul.gemm(packed, layout, tab, 3, tabStride, s, 1, scale, y, 0, yStride, g0, g1,
                new LookupMatmul.Work());
        for (int t = 0; t < tokens; t++) {
            float[] want = new float[out + 2];
            Arrays.fill(want, sentinel);
            for (int row = g0 * LookupLayout.GROUP_ROWS; row < Math.min(out, g1 * LookupLayout.GROUP_ROWS); row++) {
                want[row] = expected[t * out + row];
            }
            float[] got = new float[out + 2];
            MemorySegment.copy(y, ValueLayout.JAVA_FLOAT, t * yStride, got, 0, out + 2);
            assertArrayEquals(want, got, "token " + t);
        }
    }

    /**
     * Every activation at -128 against every weight at -1 over 6912 columns: the largest sum there
     * is, 128 · 6912 = 884736, far past int16 and reached through many flushes.
     */
    @Test
    void largestMagnitudeSumIsExact() {
        int out = 40;
        int in = 6912;
        LookupLayout layout = new LookupLayout(out, in);
        byte[] w = new byte[out * in];
        Arrays.fill(w, (byte) -1);
        MemorySegment packed = Arena.ofAuto().allocate(layout.byteSize(), 64);
        layout.pack(w, packed);
        short[] q = new short[layout.paddedIn()];
        Arrays.fill(q, 0, in, (short) -128);
        short[] tab = new short[LookupMatmul.tableSize(layout)];
        LookupMatmul.tables(q, 0, layout.words(), tab, 0);
        MemorySegment y = Arena.ofAuto().allocate(4L * out, 4);
        LookupMatmul.gemv(packed, layout, tab, 0, 1f, 1f, y, 0, 0, layout.groups(), new LookupMatmul.Work());
        float[] want = new float[out];
        Arrays.fill(want, 884736f);
        assertArrayEquals(want, y.toArray(ValueLayout.JAVA_FLOAT));
    }

    @ParameterizedTest(name = "[{0}x{1}]")
    @CsvSource({"1,1", "4,8", "31,9", "33,10", "64,2560", "5,6912"})
    void packThenUnpackReturnsTheWeights(int out, int in) {
        Random r = new Random(out * 31L + in);
        byte[] w = new byte[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) (r.nextInt(3) - 1);
        }
        LookupLayout layout = new LookupLayout(out, in);
        assertEquals((long) ((out + 31) / 32) * ((in + 8) / 9) * 64, layout.byteSize());
        MemorySegment packed = Arena.ofAuto().allocate(layout.byteSize(), 64);
        layout.pack(w, packed);
        assertArrayEquals(w, layout.unpack(packed));
    }

    /**
     * Offsets in a 200 × 270 layout, worked by hand: 7 groups in slabs of 4 and 3, 30 words in
     * chunks of 28 and 2. Chunk 0 holds 28 words of every group, slab 0's four groups word by word
     * (7168 bytes), then slab 1's three; chunk 1 starts at 28 · 7 · 64 = 12544.
     */
    @Test
    void wordsFollowTheGemvOrderChunkThenSlabThenWord() {
        LookupLayout layout = new LookupLayout(200, 270);
        assertEquals(0, layout.offset(0, 0));
        assertEquals(64, layout.offset(32, 0)); // group 1, word 0: next to group 0's
        assertEquals(256, layout.offset(0, 1)); // group 0, word 1: after the slab's four words 0
        assertEquals(2 + 4 * 64, layout.offset(1, 1));
        assertEquals(7168 + (2 * 3 + 1) * 64, layout.offset(160, 2)); // group 5 = slab 1 (3 groups), second
        assertEquals(12544 + 3 * 2, layout.offset(3, 28));
        assertEquals(12544 + (4 * 2 + 1 * 3 + 2) * 64 + 2, layout.offset(193, 29)); // the last word
        assertEquals(layout.byteSize(), layout.offset(193, 29) - 2 + 64);
    }

    /** Every (group, word) gets its own 64 bytes, and together they fill the layout. */
    @ParameterizedTest(name = "[{0}x{1}]")
    @CsvSource({"1,1", "33,252", "200,270", "640,2560", "2560,6912", "96,253"})
    void wordsTileTheLayoutExactly(int out, int in) {
        LookupLayout layout = new LookupLayout(out, in);
        boolean[] used = new boolean[Math.toIntExact(layout.byteSize() / LookupLayout.WORD_BYTES)];
        for (int g = 0; g < layout.groups(); g++) {
            for (int j = 0; j < layout.words(); j++) {
                long o = layout.offset(g * LookupLayout.GROUP_ROWS, j);
                assertEquals(0, o % LookupLayout.WORD_BYTES);
                int word = Math.toIntExact(o / LookupLayout.WORD_BYTES);
                assertEquals(false, used[word], "group " + g + " word " + j);
                used[word] = true;
            }
        }
    }

    /** Word 0 of row 0 for weights (t0..t8) = (1,0,-1, 0,0,0, -1,-1,1), by hand: fields 2+3+0, 13, 0+0+18. */
    @Test
    void packedWordMatchesHandEncoding() {
        byte[] w = {1, 0, -1, 0, 0, 0, -1, -1, 1};
        LookupLayout layout = new LookupLayout(1, 9);
        MemorySegment packed = Arena.ofAuto().allocate(layout.byteSize(), 64);
        layout.pack(w, packed);
        int expected = 5 | (13 << 5) | (18 << 10);
        assertEquals(expected, Short.toUnsignedInt(packed.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)));
        // padding rows hold weight 0 in every field
        int zero = 13 | (13 << 5) | (13 << 10);
        assertEquals(zero, Short.toUnsignedInt(packed.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2)));
    }
}
