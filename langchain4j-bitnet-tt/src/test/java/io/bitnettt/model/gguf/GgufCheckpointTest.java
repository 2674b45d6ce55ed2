package io.bitnettt.model.gguf;

import io.bitnettt.gguf.GgmlType;
import io.bitnettt.gguf.GgufFile;
import io.bitnettt.gguf.GgufValue;
import io.bitnettt.gguf.GgufValueType;
import io.bitnettt.model.CheckpointException;
import io.bitnettt.model.checkpoint.PackedTernary;
import io.bitnettt.model.checkpoint.Projection;
import io.bitnettt.tokenizer.BpeTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the loader does with GGUF files the fixture does not cover directly, made by editing the
 * fixture: the architecture names of Microsoft's uploads, an untied output, quantized tables,
 * per-block scales that differ, and tensors missing or extra.
 */
class GgufCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void theFixtureFilesAreTheSharedOnesByteForByte() throws Exception {
        var sums = GgufFixture.expected().path("files_sha256");
        int checked = 0;
        for (var e : sums.properties()) {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(GgufFixture.dir().resolve(e.getKey())));
            assertEquals(e.getValue().asText(), HexFormat.of().formatHex(digest), e.getKey());
            checked++;
        }
        assertEquals(8, checked);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bitnet-25", "bitnet-b1.58"})
    void microsoftsArchitectureNamesLoadTheSameModel(String arch) {
        Path renamed = GgufEdit.of(GgufFixture.gguf("i2_s")).architecture("bitnet", arch).write(dir.resolve(arch + ".gguf"));
        try (GgufCheckpoint a = GgufCheckpoint.open(GgufFixture.gguf("i2_s")); GgufCheckpoint b = GgufCheckpoint.open(renamed)) {
            assertEquals(arch, b.architecture());
            GgufFixtureWeightsTest.assertSameConfig(a.config(), b.config());
            assertArrayEquals(bytes(a.layers().get(1).down()), bytes(b.layers().get(1).down()));
        }
    }

    @Test
    void anotherArchitectureIsRefusedByName() {
        Path llama = GgufEdit.of(GgufFixture.gguf("i2_s")).architecture("bitnet", "llama").write(dir.resolve("l.gguf"));
        expect(llama, "general.architecture", "\"bitnet\", \"bitnet-25\", \"bitnet-b1.58\"", "found \"llama\"");
    }

    @Test
    void anOutputTensorUntiesTheLogitsFromTheEmbedding() {
        GgufEdit e = GgufEdit.of(GgufFixture.gguf("tq1_0"));
        byte[] table = e.tensor(GgufTensorNames.EMBEDDING).data().clone();
        table[0] ^= 0x01;
        e.add(new GgufEdit.Tensor(GgufTensorNames.OUTPUT, GgmlType.F16, new long[] {256, 512}, table));
        try (GgufCheckpoint c = GgufCheckpoint.open(e.write(dir.resolve("untied.gguf")))) {
            assertFalse(c.outputTied());
            assertFalse(c.config().tieWordEmbeddings());
            assertArrayEquals(table, c.outputWeight().data().toArray(ValueLayout.JAVA_BYTE));
            assertEquals(GgufTensorNames.EMBEDDING, c.embedding().name());
        }
    }

    @Test
    void aQuantizedEmbeddingIsRefusedByItsType() {
        GgufEdit e = GgufEdit.of(GgufFixture.gguf("i2_s"));
        e.replace(new GgufEdit.Tensor(GgufTensorNames.EMBEDDING, GgmlType.Q8_0, new long[] {256, 512},
                new byte[512 * 256 / 32 * 34]));
        expect(e.write(dir.resolve("q8.gguf")), GgufTensorNames.EMBEDDING, "type Q8_0", "--token-embedding-type f16");
    }

    @Test
    void tq2BlocksWithDifferentScalesAreRefusedAndZeroScaleBlocksReadAsZeros() {
        String name = GgufTensorNames.weight(0, Projection.UP);
        GgufEdit e = GgufEdit.of(GgufFixture.gguf("tq2_0"));
        byte[] data = e.tensor(name).data().clone();
        // Row 3, block 0 (66 bytes a block, one block a row of 256): d is its last two bytes.
        int d = 3 * 66 + 64;
        ByteBuffer le = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        short original = le.getShort(d);
        le.putShort(d, Float.floatToFloat16(Float.float16ToFloat(original) * 2));
        e.replace(new GgufEdit.Tensor(name, GgmlType.TQ2_0, new long[] {256, 512}, data));
        expect(e.write(dir.resolve("scales.gguf")), name, "in the nonzero blocks of row 3 differs from d = 0.046", "one scale per tensor");

        String down = GgufTensorNames.weight(1, Projection.DOWN);
        GgufEdit within = GgufEdit.of(GgufFixture.gguf("tq2_0"));
        byte[] downData = within.tensor(down).data().clone();
        // ffn_down rows hold 512 weights: two blocks, whose d must agree within the row too.
        ByteBuffer dle = ByteBuffer.wrap(downData).order(ByteOrder.LITTLE_ENDIAN);
        dle.putShort(66 + 64, Float.floatToFloat16(Float.float16ToFloat(dle.getShort(66 + 64)) / 2));
        within.replace(new GgufEdit.Tensor(down, GgmlType.TQ2_0, new long[] {512, 256}, downData));
        expect(within.write(dir.resolve("within.gguf")), down, "in block 1 of row 0 differs", "in block 0 of that row");

        le.putShort(d, (short) 0);
        e.replace(new GgufEdit.Tensor(name, GgmlType.TQ2_0, new long[] {256, 512}, data));
        try (GgufCheckpoint zero = GgufCheckpoint.open(e.write(dir.resolve("zero.gguf")));
             GgufCheckpoint ref = GgufCheckpoint.open(GgufFixture.gguf("tq2_0"))) {
            PackedTernary z = zero.layers().get(0).up();
            PackedTernary r = ref.layers().get(0).up();
            assertEquals(r.scale(), z.scale());
            boolean rowHadWeights = false;
            for (int c = 0; c < 256; c++) {
                assertEquals(0, z.value(3, c));
                rowHadWeights |= r.value(3, c) != 0;
                assertEquals(r.value(4, c), z.value(4, c));
            }
            assertTrue(rowHadWeights);
        }
    }

    @Test
    void invalidTernaryCodesAndScalesAreRefusedWithTheirPosition() {
        String name = GgufTensorNames.weight(1, Projection.K);
        GgufEdit e = GgufEdit.of(GgufFixture.gguf("i2_s"));
        byte[] data = e.tensor(name).data().clone();
        // Row 2 starts at byte 2·256/4; byte 5 of its first group holds element 32·1 + 5 in bits 5..4.
        data[2 * 64 + 5] |= 0b0011_0000;
        e.replace(new GgufEdit.Tensor(name, GgmlType.I2_S, new long[] {256, 128}, data));
        expect(e.write(dir.resolve("code.gguf")), name, "invalid I2_S code 3", "weight [2, 37]");

        byte[] scaled = e.tensor(name).data().clone();
        scaled[2 * 64 + 5] &= (byte) 0b1100_1111;
        ByteBuffer.wrap(scaled).order(ByteOrder.LITTLE_ENDIAN).putFloat(256 * 128 / 4, Float.NaN);
        e.replace(new GgufEdit.Tensor(name, GgmlType.I2_S, new long[] {256, 128}, scaled));
        expect(e.write(dir.resolve("scale.gguf")), name, "I2_S scale NaN");
    }

    @Test
    void anF16WeightThatIsNotTernaryIsQuantizedWithAbsmean() {
        String name = GgufTensorNames.weight(0, Projection.Q);
        GgufEdit e = GgufEdit.of(GgufFixture.gguf("f16"));
        byte[] data = e.tensor(name).data().clone();
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putShort(0, Float.floatToFloat16(0.001f));
        e.replace(new GgufEdit.Tensor(name, GgmlType.F16, new long[] {256, 256}, data));
        try (GgufCheckpoint c = GgufCheckpoint.open(e.write(dir.resolve("master.gguf")))) {
            assertTrue(c.quantizedAtLoad());
        }
    }

    @Test
    void missingAndExtraTensorsAreListed() {
        GgufEdit missing = GgufEdit.of(GgufFixture.gguf("tq1_0")).remove("blk.1.ffn_up.weight").remove("output_norm.weight");
        expect(missing.write(dir.resolve("m.gguf")), "missing tensors", "2 required", "output_norm.weight",
                "blk.1.ffn_up.weight");
        GgufEdit extra = GgufEdit.of(GgufFixture.gguf("tq1_0"))
                .add(new GgufEdit.Tensor("blk.0.attn_q.bias", GgmlType.F32, new long[] {256}, new byte[1024]));
        expect(extra.write(dir.resolve("x.gguf")), "unexpected tensors", "blk.0.attn_q.bias");
    }

    @Test
    void metadataThatWouldChangeTheModelIsRequiredOrChecked() {
        GgufEdit blocks = GgufEdit.of(GgufFixture.gguf("i2_s"));
        blocks.metadata.put("bitnet.block_count", new GgufValue(GgufValueType.UINT32, 1_000_000L));
        expect(blocks.write(dir.resolve("b.gguf")), "bitnet.block_count", "holds tensors for 2 block(s)");

        GgufEdit theta = GgufEdit.of(GgufFixture.gguf("i2_s"));
        theta.metadata.remove("bitnet.rope.freq_base");
        expect(theta.write(dir.resolve("t.gguf")), "bitnet.rope.freq_base", "missing");

        GgufEdit rope = GgufEdit.of(GgufFixture.gguf("i2_s"));
        rope.metadata.put("bitnet.rope.dimension_count", new GgufValue(GgufValueType.UINT32, 32L));
        expect(rope.write(dir.resolve("r.gguf")), "bitnet.rope.dimension_count", "partial rotary");

        GgufEdit heads = GgufEdit.of(GgufFixture.gguf("i2_s"));
        heads.metadata.put("bitnet.attention.head_count_kv", new GgufValue(GgufValueType.UINT32, 3L));
        expect(heads.write(dir.resolve("h.gguf")), "bitnet.attention.head_count_kv", "divisor");

        GgufEdit shape = GgufEdit.of(GgufFixture.gguf("i2_s"));
        shape.metadata.put("bitnet.feed_forward_length", new GgufValue(GgufValueType.UINT32, 256L));
        expect(shape.write(dir.resolve("s.gguf")), "blk.0.ffn_gate.weight", "expected [256, 256]");
    }

    @Test
    void theTokenizerNeedsNoPreTokenizerKeyAndToleratesScores() throws IOException {
        GgufEdit e = GgufEdit.of(GgufFixture.gguf("i2_s"));
        e.metadata.remove("tokenizer.ggml.pre");
        e.metadata.put("tokenizer.ggml.scores", new GgufValue(GgufValueType.ARRAY, new io.bitnettt.gguf.GgufArray(
                GgufValueType.FLOAT32, 512, java.lang.foreign.MemorySegment.ofArray(new byte[512 * 4]), null)));
        e.metadata.put("tokenizer.ggml.eot_token_id", new GgufValue(GgufValueType.UINT32, 511L));
        try (GgufFile f = GgufFile.open(e.write(dir.resolve("ms.gguf")))) {
            BpeTokenizer t = GgufTokenizer.read(f);
            assertEquals(511, t.eotId());
            assertArrayEquals(GgufFixture.ints(GgufFixture.expected().path("prompts").get(1)),
                    t.encodeWithBos("The engine reads the model", false));
        }
        e.metadata.put("tokenizer.ggml.pre", new GgufValue(GgufValueType.STRING, "qwen2"));
        expectTokenizer(e.write(dir.resolve("qwen.gguf")), "tokenizer.ggml.pre is 'qwen2'");
        e.metadata.put("tokenizer.ggml.pre", new GgufValue(GgufValueType.STRING, "llama-bpe"));
        e.metadata.put("tokenizer.ggml.model", new GgufValue(GgufValueType.STRING, "llama"));
        expectTokenizer(e.write(dir.resolve("spm.gguf")), "only 'gpt2'");
    }

    private static byte[] bytes(PackedTernary t) {
        return t.hfPacked().toArray(ValueLayout.JAVA_BYTE);
    }

    private static void expect(Path file, String subject, String... fragments) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> GgufCheckpoint.open(file).close());
        assertEquals(file.getFileName().toString(), e.file(), e.getMessage());
        assertEquals(subject, e.subject(), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        }
    }

    private static void expectTokenizer(Path file, String fragment) {
        try (GgufFile f = GgufFile.open(file)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> GgufTokenizer.read(f));
            assertEquals("tokenizer", e.subject(), e.getMessage());
            assertTrue(e.getMessage().contains(fragment), e.getMessage());
        }
    }
}
