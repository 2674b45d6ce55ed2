package io.bitnettt.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.junit.jupiter.api.Test;

class HfTernaryCodecTest {

    @Test
    void decodesTheSpecExample() {
        // spec §3.2: P = 2, column 0 bytes 0b10100001, 0b10010000 -> rows 0..7 = [0,-1,-1,-1,1,0,1,1]
        byte[] packed = {(byte) 0b10100001, (byte) 0b10010000};
        byte[] rows = HfTernaryCodec.decode(MemorySegment.ofArray(packed), 8, 1);
        assertArrayEquals(new byte[] {0, -1, -1, -1, 1, 0, 1, 1}, rows);
        assertArrayEquals(packed, HfTernaryCodec.encode(rows, 8, 1));
    }

    @Test
    void rejectsCodeThreeNamingRowAndColumn() {
        // P = 1, in = 2: byte [0,1] has code 3 in bits 4..5 -> weight row 2, column 1
        byte[] packed = {0b01010101, (byte) 0b01110101};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HfTernaryCodec.decode(MemorySegment.ofArray(packed), 4, 2));
        assertTrue(e.getMessage().contains("row 2, column 1"), e.getMessage());
    }

    @Test
    void simdLayoutRoundTripsAtOddShapes() {
        Random r = new Random(1);
        for (int[] shape : new int[][] {{4, 1}, {8, 127}, {12, 129}, {16, 300}}) {
            byte[] w = new byte[shape[0] * shape[1]];
            for (int i = 0; i < w.length; i++) {
                w[i] = (byte) (r.nextInt(3) - 1);
            }
            TernaryLayout layout = new TernaryLayout(shape[0], shape[1]);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(layout.byteSize());
                layout.pack(w, seg);
                assertArrayEquals(w, layout.unpack(seg));
            }
        }
    }

    @Test
    void decodingIntoALargerUsedBufferOverwritesEveryValueOfTheMatrix() {
        Random r = new Random(2);
        byte[] buffer = new byte[64 * 40];
        java.util.Arrays.fill(buffer, (byte) 7);
        for (int[] shape : new int[][] {{64, 40}, {8, 33}, {4, 1}}) {
            byte[] w = new byte[shape[0] * shape[1]];
            for (int i = 0; i < w.length; i++) {
                w[i] = (byte) (r.nextInt(3) - 1);
            }
            MemorySegment packed = MemorySegment.ofArray(HfTernaryCodec.encode(w, shape[0], shape[1]));
            HfTernaryCodec.decodeInto(packed, shape[0], shape[1], buffer);
            assertArrayEquals(w, java.util.Arrays.copyOf(buffer, w.length), shape[0] + "x" + shape[1]);
        }
        assertThrows(IllegalArgumentException.class,
                () -> HfTernaryCodec.decodeInto(MemorySegment.ofArray(new byte[2 * 40]), 8, 40, new byte[8 * 40 - 1]));
    }
}
