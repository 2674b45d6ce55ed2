package io.bitnettt.model.checkpoint;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TernaryCodesTest {

    /** spec §3.2: P=2, column 0 bytes 0b10100001, 0b10010000 give rows 0..7 = [0,−1,−1,−1,1,0,1,1]. */
    @Test
    void specExample() {
        byte[] packed = {(byte) 0b10100001, (byte) 0b10010000};
        int[][] w = Fixtures.decode(packed, 8, 1);
        int[] column0 = new int[8];
        for (int r = 0; r < 8; r++) {
            column0[r] = w[r][0];
        }
        assertArrayEquals(new int[]{0, -1, -1, -1, 1, 0, 1, 1}, column0);

        PackedTernary t = new PackedTernary(8, 1, MemorySegment.ofArray(packed), 1f);
        for (int r = 0; r < 8; r++) {
            assertEquals(column0[r], t.value(r, 0), "row " + r);
        }

        // And the packer produces exactly those bytes from those rows.
        byte[][] rows = new byte[4][1];
        byte[] out = new byte[1];
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < 4; i++) {
                rows[i][0] = (byte) column0[i * 2 + r];
            }
            TernaryCodes.packRow(rows, out);
            assertEquals(packed[r], out[0]);
        }
    }

    @Test
    void packThenDecodeRandom() {
        SplittableRandom rnd = new SplittableRandom(7);
        int out = 12, in = 5, p = out / 4;
        int[][] w = new int[out][in];
        for (int[] row : w) {
            for (int c = 0; c < in; c++) {
                row[c] = rnd.nextInt(3) - 1;
            }
        }
        byte[] packed = new byte[p * in];
        byte[][] four = new byte[4][in];
        byte[] row = new byte[in];
        for (int r = 0; r < p; r++) {
            for (int i = 0; i < 4; i++) {
                for (int c = 0; c < in; c++) {
                    four[i][c] = (byte) w[i * p + r][c];
                }
            }
            TernaryCodes.packRow(four, row);
            System.arraycopy(row, 0, packed, r * in, in);
        }
        assertArrayEquals(w, Fixtures.decode(packed, out, in));
    }

    @Test
    void scanFindsCodeThreeAnywhere() {
        try (Arena arena = Arena.ofConfined()) {
            for (int size : new int[]{1, 7, 8, 9, 31, 64}) {
                for (int pos = 0; pos < size; pos++) {
                    for (int field = 0; field < 4; field++) {
                        MemorySegment s = arena.allocate(size);
                        s.fill((byte) 0x55);
                        s.set(ValueLayout.JAVA_BYTE, pos, (byte) (0x55 | (3 << (2 * field))));
                        TernaryCodes.Scan scan = TernaryCodes.scan(s);
                        assertEquals(pos, scan.firstInvalidByte(), "size " + size + " pos " + pos);
                    }
                }
                MemorySegment zero = arena.allocate(size);
                zero.fill((byte) 0x55);
                assertTrue(TernaryCodes.scan(zero).allZero());
                assertTrue(TernaryCodes.scan(zero).valid());
                zero.set(ValueLayout.JAVA_BYTE, size - 1, (byte) 0x56);
                assertFalse(TernaryCodes.scan(zero).allZero());
                assertTrue(TernaryCodes.scan(zero).valid());
            }
        }
    }
}
