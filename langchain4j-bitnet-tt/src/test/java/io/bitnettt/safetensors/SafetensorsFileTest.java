package io.bitnettt.safetensors;

import io.bitnettt.model.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsFileTest {

    @TempDir
    Path dir;

    private static final String GOOD_HEADER = """
            {"__metadata__":{"format":"pt"},
             "a":{"dtype":"U8","shape":[2,3],"data_offsets":[0,6]},
             "b":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]},
             "c":{"dtype":"F32","shape":[],"data_offsets":[10,14]},
             "d":{"dtype":"I8","shape":[0,5],"data_offsets":[14,14]},
             "e":{"dtype":"F16","shape":[1],"data_offsets":[14,16]}}""";

    private static byte[] goodData() {
        byte[] d = new byte[16];
        for (int i = 0; i < 6; i++) {
            d[i] = (byte) (i + 1);
        }
        // b = [1.0, -2.0] as bf16; c = 0.5f; e = 1.0 as f16
        d[6] = (byte) 0x80; d[7] = 0x3F; d[8] = 0x00; d[9] = (byte) 0xC0;
        d[10] = 0; d[11] = 0; d[12] = 0; d[13] = 0x3F;
        d[14] = 0x00; d[15] = 0x3C;
        return d;
    }

    @Test
    void readsAGoodFile() throws Exception {
        Path f = RawSafetensors.write(dir.resolve("m.safetensors"), GOOD_HEADER, goodData());
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals(List.of("a", "b", "c", "d", "e"), List.copyOf(st.names()));
            TensorEntry a = st.entry("a");
            assertEquals(SafetensorsDType.U8, a.dtype());
            assertArrayEquals(new long[]{2, 3}, a.shape());
            assertArrayEquals(new byte[]{1, 2, 3, 4, 5, 6}, st.data("a").toArray(ValueLayout.JAVA_BYTE));
            MemorySegment b = st.data("b");
            var le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            assertEquals(1.0f, HalfFloats.bf16ToFloat(b.get(le, 0)));
            assertEquals(-2.0f, HalfFloats.bf16ToFloat(b.get(le, 2)));
            assertEquals(0.5f, st.data("c").get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
            assertEquals(0, st.data("d").byteSize());
            assertEquals(1.0f, HalfFloats.f16ToFloat(st.data("e").get(le, 0)));
            assertNull(st.entry("zzz"));
            assertTrue(st.data("a").isMapped(), "tensor data must be a file mapping, not a heap copy");
        }
    }

    @Test
    void closeUnmaps() throws Exception {
        Path f = RawSafetensors.write(dir.resolve("m.safetensors"), GOOD_HEADER, goodData());
        SafetensorsFile st = SafetensorsFile.open(f);
        MemorySegment a = st.data("a");
        st.close();
        assertTrue(st.isClosed());
        assertThrows(IllegalStateException.class, () -> a.get(ValueLayout.JAVA_BYTE, 0));
        st.close();
    }

    @Test
    void writerRoundTrip() throws Exception {
        Path f = dir.resolve("w.safetensors");
        long bytes = SafetensorsWriter.write(f, Map.of("format", "pt"), List.of(
                new SafetensorsWriter.Planned("x", SafetensorsDType.BF16, new long[]{3}, s -> {
                    s.putBf16(1f);
                    s.putBf16(2f);
                    s.putBf16(3f);
                }),
                new SafetensorsWriter.Planned("y", SafetensorsDType.U8, new long[]{2, 2}, s -> s.put(new byte[]{9, 8, 7, 6})),
                new SafetensorsWriter.Planned("z", SafetensorsDType.U8, new long[]{3},
                        s -> s.put(MemorySegment.ofArray(new byte[]{5, 4, 3})))));
        assertEquals(13, bytes);
        long headerLen = Files.size(f) - 8 - 13;
        assertEquals(0, headerLen % 8, "data section must start 8-byte aligned");
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertArrayEquals(new byte[]{9, 8, 7, 6}, st.data("y").toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(new byte[]{5, 4, 3}, st.data("z").toArray(ValueLayout.JAVA_BYTE));
            assertEquals(2f, HalfFloats.bf16ToFloat(st.data("x").get(
                    ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2)));
        }
    }

    private CheckpointException expectBroken(Path f, String... mustContain) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(f).close());
        assertTrue(e.getMessage().startsWith(f.getFileName() + ": "), e.getMessage());
        for (String s : mustContain) {
            assertTrue(e.getMessage().contains(s), "message should contain '" + s + "': " + e.getMessage());
        }
        return e;
    }

    @Test
    void truncatedFile() throws Exception {
        Path good = RawSafetensors.write(dir.resolve("good.safetensors"), GOOD_HEADER, goodData());
        byte[] all = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(all, all.length - 3));
        expectBroken(cut, "e", "past the end");
        Files.write(cut, Arrays.copyOf(all, 5));
        expectBroken(cut, "header length", "truncated");
        Files.write(cut, Arrays.copyOf(all, 40));
        expectBroken(cut, "header length", "truncated");
    }

    @Test
    void headerLengthBeyondFile() throws Exception {
        byte[] h = GOOD_HEADER.getBytes(StandardCharsets.UTF_8);
        expectBroken(RawSafetensors.write(dir.resolve("long.safetensors"), h.length + 1000, h, goodData()),
                "header length", "truncated");
    }

    @Test
    void absurdHeaderLength() throws Exception {
        byte[] h = GOOD_HEADER.getBytes(StandardCharsets.UTF_8);
        expectBroken(RawSafetensors.write(dir.resolve("huge.safetensors"), 1L << 40, h, goodData()),
                "header length", "limit");
        expectBroken(RawSafetensors.write(dir.resolve("neg.safetensors"), -5, h, goodData()),
                "header length", "limit");
    }

    @Test
    void headerNotJson() throws Exception {
        expectBroken(RawSafetensors.write(dir.resolve("nj.safetensors"), "{\"a\": nope}", new byte[0]), "header", "JSON");
        expectBroken(RawSafetensors.write(dir.resolve("arr.safetensors"), "[1,2,3]", new byte[0]), "header", "object");
        expectBroken(RawSafetensors.write(dir.resolve("dup.safetensors"),
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                        + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]), "header");
    }

    @Test
    void offsetsPastData() throws Exception {
        expectBroken(RawSafetensors.write(dir.resolve("past.safetensors"),
                "{\"w\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", new byte[4]), "w", "past the end");
    }

    @Test
    void overlappingTensors() throws Exception {
        expectBroken(RawSafetensors.write(dir.resolve("ov.safetensors"),
                "{\"p\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                        + "\"q\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}", new byte[6]), "q", "overlap");
    }

    @Test
    void holesAndTrailingBytes() throws Exception {
        expectBroken(RawSafetensors.write(dir.resolve("hole.safetensors"),
                "{\"p\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", new byte[4]), "p", "hole");
        expectBroken(RawSafetensors.write(dir.resolve("trail.safetensors"),
                "{\"p\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[4]), "p", "trailing");
    }

    @Test
    void sizeDisagreesWithDtypeAndShape() throws Exception {
        expectBroken(RawSafetensors.write(dir.resolve("sz.safetensors"),
                "{\"p\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,4]}}", new byte[4]), "p", "needs 6 bytes");
    }

    @Test
    void unknownDtype() throws Exception {
        expectBroken(RawSafetensors.write(dir.resolve("dt.safetensors"),
                "{\"p\":{\"dtype\":\"Q4_K\",\"shape\":[4],\"data_offsets\":[0,4]}}", new byte[4]), "p", "Q4_K");
    }

    @Test
    void badDimensions() throws Exception {
        expectBroken(RawSafetensors.write(dir.resolve("neg.safetensors"),
                "{\"p\":{\"dtype\":\"U8\",\"shape\":[-4],\"data_offsets\":[0,4]}}", new byte[4]), "p", "shape");
        expectBroken(RawSafetensors.write(dir.resolve("ovf.safetensors"),
                "{\"p\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", new byte[4]),
                "p", "more elements");
        expectBroken(RawSafetensors.write(dir.resolve("big.safetensors"),
                "{\"p\":{\"dtype\":\"U8\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}", new byte[4]),
                "p", "shape");
        expectBroken(RawSafetensors.write(dir.resolve("frac.safetensors"),
                "{\"p\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[4]), "p", "shape");
    }

    @Test
    void malformedEntries() throws Exception {
        expectBroken(RawSafetensors.write(dir.resolve("m1.safetensors"), "{\"p\":3}", new byte[0]), "p");
        expectBroken(RawSafetensors.write(dir.resolve("m2.safetensors"),
                "{\"p\":{\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]), "p", "dtype");
        expectBroken(RawSafetensors.write(dir.resolve("m3.safetensors"),
                "{\"p\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1]}}", new byte[1]), "p", "data_offsets");
        expectBroken(RawSafetensors.write(dir.resolve("m4.safetensors"),
                "{\"p\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,0]}}", new byte[1]), "p", "reversed");
        expectBroken(RawSafetensors.write(dir.resolve("m5.safetensors"),
                "{\"__metadata__\":{\"k\":1}}", new byte[0]), "__metadata__.k");
    }

    @Test
    void emptyFileAndMissingFile() throws Exception {
        Path empty = Files.write(dir.resolve("empty.safetensors"), new byte[0]);
        expectBroken(empty, "too short");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> SafetensorsFile.open(dir.resolve("absent.safetensors")));
        assertTrue(e.getMessage().startsWith("absent.safetensors: "), e.getMessage());
    }

    @Test
    void writerRejectsAWrongByteCount() {
        assertThrows(IllegalStateException.class, () -> SafetensorsWriter.write(dir.resolve("bad.safetensors"), Map.of(),
                List.of(new SafetensorsWriter.Planned("x", SafetensorsDType.F32, new long[]{2}, s -> s.putFloat(1f)))));
    }

    @Test
    void emptyHeaderAndNoData() throws Exception {
        try (SafetensorsFile st = SafetensorsFile.open(RawSafetensors.write(dir.resolve("none.safetensors"), "{}", new byte[0]))) {
            assertTrue(st.names().isEmpty());
        }
        try (SafetensorsFile st = SafetensorsFile.open(RawSafetensors.write(dir.resolve("pad.safetensors"), "{}      ", new byte[0]))) {
            assertTrue(st.metadata().isEmpty());
        }
    }

    @Test
    void dtypeTable() {
        assertEquals(2, SafetensorsDType.BF16.byteSize());
        assertEquals(8, SafetensorsDType.I64.byteSize());
        assertNull(SafetensorsDType.fromHeaderName("bf16"));
        assertFalse(SafetensorsDType.U8.isFloat16or32());
    }

    @Test
    void bf16RoundingIsNearestEven() {
        assertEquals((short) 0x3F80, HalfFloats.floatToBf16(1.0f));
        // 1 + 2^-8 is exactly halfway between two bf16 values: ties to the even one (1.0).
        assertEquals((short) 0x3F80, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F808000)));
        assertEquals((short) 0x3F82, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F818000)));
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
    }
}
