package io.bitnettt.gguf;

import io.bitnettt.model.CheckpointException;
import io.bitnettt.model.gguf.GgufFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GGUF container: a file made by bitnet.cpp, the writer's round trip, and each structural check. */
class GgufFileTest {

    /** Figures from the fixture README's listing (gguf_dump.txt of the files as the tools wrote them). */
    @Test
    void readsTheI2sFixtureAsTheToolsListIt() {
        try (GgufFile f = GgufFile.open(GgufFixture.gguf("i2_s"))) {
            assertEquals(3, f.version());
            assertEquals(23, f.metadata().keys().size());
            assertEquals(24, f.tensors().size());
            assertEquals(32, f.alignment());
            assertEquals(13248, f.dataStart());
            GgufTensorInfo q = f.tensor("blk.0.attn_q.weight");
            assertEquals(GgmlType.I2_S, q.type());
            assertArrayEquals(new long[] {256, 256}, q.ne());
            assertEquals(267264, q.offset());
            assertEquals(16416, q.byteSize());
            // The scale sits right after the 256·256/4 bytes of codes.
            assertEquals(0.04052734375f, f.data(q).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 256 * 256 / 4));
            assertEquals("bitnet", f.metadata().requireString("general.architecture"));
            assertEquals(500000.0, f.metadata().requireReal("bitnet.rope.freq_base"));
            assertEquals((double) 1e-5f, f.metadata().requireReal("bitnet.attention.layer_norm_rms_epsilon"));
            assertEquals(40, f.metadata().requireInteger("general.file_type", 0, 1000));
            int[] types = f.metadata().integers("tokenizer.ggml.token_type", 0, 10).orElseThrow();
            assertEquals(512, types.length);
            assertEquals(3, types[510]);
            assertEquals(1, types[0]);
            assertEquals("Ġ t", f.metadata().requireStrings("tokenizer.ggml.merges").getFirst());
            assertEquals(true, f.metadata().bool("tokenizer.ggml.add_bos_token").orElseThrow());
        }
    }

    @Test
    void writerRoundTripsEveryValueTypeAndAlignsTensors(@TempDir Path dir) throws IOException {
        byte[] q = new byte[64 * 4 / 4 + 32];
        for (int i = 0; i < q.length; i++) {
            q[i] = (byte) (i * 37);
        }
        GgufWriter w = new GgufWriter(64)
                .putString("general.architecture", "bitnet").putUint32("a.u32", 4_000_000_000L).putInt32("a.i32", -5)
                .putFloat32("a.f32", 0.1f).putBool("a.bool", true)
                .put("a.u64", new GgufValue(GgufValueType.UINT64, -1L))
                .put("a.f64", new GgufValue(GgufValueType.FLOAT64, Math.PI))
                .put("a.i8", new GgufValue(GgufValueType.INT8, -3L))
                .put("a.u16", new GgufValue(GgufValueType.UINT16, 65535L))
                .putStrings("a.strings", List.of("x", "", "ü y")).putInt32s("a.ints", new int[] {1, -2, 3})
                .tensor("norm", GgmlType.F32, new long[] {3}, out -> out.write(new byte[12]))
                .tensor("q", GgmlType.I2_S, new long[] {64, 4}, out -> out.write(q));
        Path file = dir.resolve("w.gguf");
        w.write(file);
        try (GgufFile f = GgufFile.open(file)) {
            GgufMetadata m = f.metadata();
            assertEquals(64, f.alignment());
            assertEquals(0, f.dataStart() % 64);
            assertEquals(4_000_000_000L, m.requireInteger("a.u32", 0, Long.MAX_VALUE));
            assertEquals(-5, m.requireInteger("a.i32", -10, 0));
            assertEquals(0.1f, (float) m.requireReal("a.f32"));
            assertEquals(Math.PI, m.requireReal("a.f64"));
            assertEquals(-3, m.requireInteger("a.i8", -3, -3));
            assertEquals(65535, m.requireInteger("a.u16", 0, 65535));
            assertTrue(m.get("a.u64").unsigned64());
            assertThrows(CheckpointException.class, () -> m.requireInteger("a.u64", 0, Long.MAX_VALUE));
            assertEquals(List.of("x", "", "ü y"), m.requireStrings("a.strings"));
            assertArrayEquals(new int[] {1, -2, 3}, m.integers("a.ints", -2, 3).orElseThrow());
            assertEquals(0, f.tensor("q").offset() % 64);
            assertArrayEquals(q, f.data(f.tensor("q")).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(12, f.data(f.tensor("norm")).byteSize());
        }
    }

    @Test
    void typedReadsNameTheKeyAndWhatWasFound() {
        byte[] bytes = RawGguf.header(3, 0, 2).kvString("k.s", "text").kvU32("k.n", 7).toBytes();
        try (GgufFile f = read(bytes)) {
            GgufMetadata m = f.metadata();
            expect(() -> m.requireInteger("k.s", 0, 10), "k.s", "expected an integer in [0, 10]", "found string \"text\"");
            expect(() -> m.requireString("k.n"), "k.n", "expected a string, found u32 7");
            expect(() -> m.requireInteger("k.n", 8, 10), "k.n", "expected an integer in [8, 10], found u32 7");
            expect(() -> m.requireReal("k.n"), "k.n", "expected an f32 or f64 number");
            expect(() -> m.requireString("k.absent"), "k.absent", "missing");
        }
    }

    @Test
    void structuralProblemsAreNamed() {
        bad(new byte[] {'G', 'G', 'U', 'X', 3, 0, 0, 0}, "magic", "not a GGUF file");
        bad(RawGguf.header(1, 0, 0).toBytes(), "version", "GGUF v1");
        bad(RawGguf.header(0x03000000L, 0, 0).toBytes(), "version", "big-endian");
        bad(RawGguf.header(3, 0, 1).str("k").u32(13).u32(0).toBytes(), "k", "unknown value type id 13");
        bad(RawGguf.header(3, 0, 1).str("k").u32(9).u32(9).u64(0).toBytes(), "k", "nested arrays");
        bad(RawGguf.header(3, 0, 1).str("k").u32(9).u32(5).u64(1L << 40).toBytes(), "k", "array declares 1099511627776");
        bad(RawGguf.header(3, 0, 1).str("k").u32(7).u8(2).toBytes(), "k", "expected a bool");
        bad(RawGguf.header(3, 0, 1).str("k").u32(8).u64(2).bytes(new byte[] {(byte) 0xC3, 0x28}).toBytes(), "k",
                "not valid UTF-8");
        bad(RawGguf.header(3, 0, 1).str("k").u32(8).u64(100).toBytes(), "k", "declares 100 bytes");
        bad(RawGguf.header(3, 0, 2).kvU32("k", 1).kvU32("k", 2).toBytes(), "k", "duplicate metadata key");
        bad(RawGguf.header(3, 1L << 50, 0).toBytes(), "tensor_count", "declares 1125899906842624 entries");
        bad(RawGguf.header(3, 0, -1).toBytes(), "metadata_kv_count", "declares 18446744073709551615");
        bad(RawGguf.header(3, 0, 1).kvU32("general.alignment", 24).toBytes(), "general.alignment", "power of two");
        bad(RawGguf.header(3, 0, 1).kvU32("k", 1).toBytes().length - 1, RawGguf.header(3, 0, 1).kvU32("k", 1).toBytes(),
                "k", "truncated file");
    }

    @Test
    void tensorTableProblemsAreNamed() {
        bad(oneTensor(new long[] {4}, 37, 0, 32), "t", "unknown ggml tensor type id 37");
        bad(oneTensor(new long[] {}, 0, 0, 32), "t", "expected 1 to 4 dimensions, found 0");
        bad(oneTensor(new long[] {1, 1, 1, 1, 1}, 0, 0, 32), "t", "expected 1 to 4 dimensions, found 5");
        bad(oneTensor(new long[] {0}, 0, 0, 32), "t", "dimension 0 is 0");
        bad(oneTensor(new long[] {1L << 40, 1L << 40}, 0, 0, 32), "t", "overflow");
        bad(oneTensor(new long[] {100}, GgmlType.TQ2_0.id(), 0, 128), "t", "not a multiple of 256, the block size of TQ2_0");
        bad(oneTensor(new long[] {4}, 0, 16, 64), "t", "not a multiple of the alignment 32");
        bad(oneTensor(new long[] {8}, 0, 0, 16), "t", "lies past its end");
        bad(oneTensor(new long[] {4}, 0, 1L << 62, 32), "t", "lies past its end");
        byte[] overlap = RawGguf.header(3, 2, 0).tensor("a", new long[] {16}, 0, 0).tensor("b", new long[] {4}, 0, 32)
                .align(32).zeros(96).toBytes();
        bad(overlap, "b", "overlaps a");
        byte[] twice = RawGguf.header(3, 2, 0).tensor("a", new long[] {4}, 0, 0).tensor("a", new long[] {4}, 0, 32)
                .align(32).zeros(64).toBytes();
        bad(twice, "a", "duplicate tensor name");
        String longName = "x".repeat(64);
        byte[] named = RawGguf.header(3, 1, 0).tensor(longName, new long[] {4}, 0, 0).align(32).zeros(16).toBytes();
        bad(named, longName, "at most 63");
    }

    @Test
    void aTensorFitsExactlyUpToTheEndOfTheFile() {
        try (GgufFile f = read(oneTensor(new long[] {4}, 0, 0, 16))) {
            assertEquals(16, f.data(f.tensor("t")).byteSize());
        }
    }

    @Test
    void isGgufChecksTheMagic(@TempDir Path dir) throws IOException {
        assertTrue(GgufFile.isGguf(GgufFixture.gguf("tq1_0")));
        assertFalse(GgufFile.isGguf(Files.writeString(dir.resolve("x.gguf"), "GGU")));
        assertFalse(GgufFile.isGguf(dir));
        assertFalse(GgufFile.isGguf(dir.resolve("absent")));
    }

    private static byte[] oneTensor(long[] ne, int type, long offset, int dataBytes) {
        return RawGguf.header(3, 1, 0).tensor("t", ne, type, offset).align(32).zeros(dataBytes).toBytes();
    }

    private static GgufFile read(byte[] bytes) {
        return GgufFile.read("test.gguf", MemorySegment.ofArray(bytes));
    }

    private static void bad(byte[] bytes, String subject, String fragment) {
        bad(bytes.length, bytes, subject, fragment);
    }

    private static void bad(int length, byte[] bytes, String subject, String fragment) {
        byte[] cut = java.util.Arrays.copyOf(bytes, length);
        expect(() -> read(cut).close(), subject, fragment);
    }

    private static void expect(Runnable r, String subject, String... fragments) {
        CheckpointException e = assertThrows(CheckpointException.class, r::run);
        assertEquals("test.gguf", e.file(), e.getMessage());
        assertEquals(subject, e.subject(), e.getMessage());
        for (String f : fragments) {
            if (f != null) {
                assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
            }
        }
    }
}
