package io.bitnettt.engine;

import io.bitnettt.generate.SamplingParameters;
import io.bitnettt.gguf.GgmlType;
import io.bitnettt.model.CheckpointException;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.Checkpoint;
import io.bitnettt.model.checkpoint.CheckpointWriter;
import io.bitnettt.model.checkpoint.HostWeights;
import io.bitnettt.model.checkpoint.RandomWeights;
import io.bitnettt.model.checkpoint.WeightForm;
import io.bitnettt.model.gguf.GgufCheckpoint;
import io.bitnettt.model.gguf.GgufFixture;
import io.bitnettt.model.gguf.GgufModelWriter;
import io.bitnettt.spi.BackendSelector;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.tokenizer.BpeTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A model whose bf16 table the device reads in place from the memory-mapped file
 * ({@code WeightUploader.Options.borrowHost}, what {@link BitNetModel#load} asks for) computes the same
 * bits as one with a copied table; the model keeps its files mapped exactly as long as it reads
 * from them (closed with the model, and by a load that fails), and frees what was converted at open.
 * Mappings are seen in {@code /proc/self/maps} (Linux; elsewhere those checks are skipped).
 */
class BorrowedWeightsTest {
    private static final int CONTEXT = 64;
    private static final int PREFILL_BLOCK = 3;
    private static final int[] TOKENS = {1, 17, 99, 250, 3, 3, 42, 301, 7, 128, 64, 5, 200, 11};
    private static final int PREFILLED = 5;

    private static Device cpu() {
        return BackendSelector.fromServiceLoader().select("cpu").open(DeviceOptions.defaults().withThreads(2));
    }

    /**
     * Logits at every step after a prefill of {@link #PREFILLED} tokens (prefill blocks, then decode
     * steps), each step's argmax appended as the last element.
     */
    private static float[][] teacherForced(HostWeights host, ModelConfig config, boolean borrow) {
        int vocab = config.vocabSize();
        int[] tokens = Arrays.stream(TOKENS).map(t -> t % vocab).toArray();
        float[][] out = new float[tokens.length - PREFILLED][];
        WeightUploader.Options options = WeightUploader.Options.defaults().withBorrowHost(borrow);
        try (Device device = cpu();
             DeviceWeights weights = WeightUploader.upload(host, device, options);
             BitNetForward forward = new BitNetForward(device, ModelDims.of(config, CONTEXT), weights, PREFILL_BLOCK)) {
            forward.prefill(tokens, 0, PREFILLED);
            for (int s = PREFILLED; s < tokens.length; s++) {
                float[] logits = Arrays.copyOf(forward.decode(tokens[s], s, new float[vocab]), vocab + 1);
                logits[vocab] = forward.decodeArgmax(tokens[s], s);
                out[s - PREFILLED] = logits;
            }
        }
        return out;
    }

    private static void assertBorrowingChangesNoBit(HostWeights host, ModelConfig config, String what) {
        float[][] copied = teacherForced(host, config, false);
        float[][] borrowed = teacherForced(host, config, true);
        for (int s = 0; s < copied.length; s++) {
            assertArrayEquals(copied[s], borrowed[s], what + " step " + s);
        }
    }

    @Test
    void theHuggingFaceFolderGivesTheSameLogitsWithItsTableReadInPlace() {
        try (Checkpoint hf = Checkpoint.open(GgufFixture.hf())) {
            assertTrue(WeightUploader.borrowsHost(hf, WeightUploader.Options.defaults().withBorrowHost(true)),
                    "the fixture's table is bf16, so it is read in place");
            assertBorrowingChangesNoBit(hf, hf.config(), "hf folder");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aBf16GgufGivesTheSameLogitsWithItsTablesReadInPlace(boolean tied, @TempDir Path dir) throws IOException {
        ModelConfig config = ModelConfig.tiny(320, 2, 4, 2, 64, 512, tied);
        Path file = dir.resolve("m.gguf");
        new GgufModelWriter(config).tables(GgmlType.BF16).write(file, new RandomWeights(config, 5));
        try (GgufCheckpoint gguf = GgufCheckpoint.open(file)) {
            assertTrue(WeightUploader.borrowsHost(gguf, WeightUploader.Options.defaults().withBorrowHost(true)));
            assertBorrowingChangesNoBit(gguf, config, "bf16 gguf, tied " + tied);
        }
    }

    @Test
    void anF16GgufTableIsConvertedAndCopiedWithTheSameLogits() {
        try (GgufCheckpoint gguf = GgufCheckpoint.open(GgufFixture.gguf("i2_s"))) {
            assertFalse(WeightUploader.borrowsHost(gguf, WeightUploader.Options.defaults().withBorrowHost(true)),
                    "an f16 table has to be converted to the device's bf16");
            assertBorrowingChangesNoBit(gguf, gguf.config(), "i2_s gguf");
        }
    }

    @Test
    void releasingConvertedWeightsKeepsTheMappedTablesReadable(@TempDir Path dir) throws IOException {
        ModelConfig config = ModelConfig.tiny(320, 2, 4, 2, 64, 512, true);
        Path file = dir.resolve("m.gguf");
        new GgufModelWriter(config).tables(GgmlType.BF16).write(file, new RandomWeights(config, 6));
        try (GgufCheckpoint gguf = GgufCheckpoint.open(file)) {
            float before = gguf.embedding().get(123);
            gguf.releaseConverted();
            gguf.releaseConverted();
            assertEquals(before, gguf.embedding().get(123));
            assertFalse(gguf.isClosed());
            var decoded = gguf.layers().getFirst().q().hfPacked();
            assertThrows(IllegalStateException.class, () -> decoded.get(ValueLayout.JAVA_BYTE, 0));
            gguf.close();
            assertTrue(gguf.isClosed());
            assertThrows(IllegalStateException.class, () -> gguf.embedding().get(0));
        }
    }

    @Test
    void aMasterCheckpointFreesItsQuantizedWeightsButKeepsItsTable(@TempDir Path dir) throws IOException {
        ModelConfig config = ModelConfig.tiny(320, 2, 4, 2, 64, 512, true);
        new CheckpointWriter(config).form(WeightForm.MASTER).writeRandom(dir, 7);
        try (Checkpoint master = Checkpoint.open(dir)) {
            assertTrue(master.quantizedAtLoad());
            float before = master.embedding().get(5);
            master.releaseConverted();
            assertEquals(before, master.embedding().get(5));
            var quantized = master.layer(0).up().hfPacked();
            assertThrows(IllegalStateException.class, () -> quantized.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    // --- the model's lifetime and its files ---------------------------------------------------

    private static BitNetOptions options(Path path) {
        return BitNetOptions.of(path).withBackend("cpu").withThreads(2).withContextLength(CONTEXT);
    }

    /** A copy of the fixture's folder under {@code dir}, so no other test's mapping of it is seen. */
    private static Path hfCopy(Path dir) throws IOException {
        Path copy = Files.createDirectories(dir.resolve("hf"));
        try (Stream<Path> files = Files.list(GgufFixture.hf())) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        return copy;
    }

    private static boolean mapped(Path file) throws IOException {
        String name = file.toRealPath().toString();
        try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
            return maps.anyMatch(l -> l.endsWith(" " + name));
        }
    }

    private static void assumeProcMaps() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs /proc/self/maps (Linux)");
    }

    @Test
    void aModelKeepsItsSafetensorsMappedWhileOpenAndUnmapsThemOnClose(@TempDir Path dir) throws IOException {
        assumeProcMaps();
        Path folder = hfCopy(dir);
        Path weights = folder.resolve("model.safetensors");
        BitNetModel model = BitNetModel.load(options(folder));
        try {
            assertTrue(mapped(weights), "the device reads the bf16 table from the mapping");
            model.complete("The engine", SamplingParameters.greedy().toBuilder().maxNewTokens(4).build(),
                    s -> { }, () -> false);
        } finally {
            model.close();
        }
        assertFalse(mapped(weights), "closing the model unmaps its files");
        model.close();
    }

    @Test
    void aGgufWhoseTableIsCopiedIsUnmappedOnceLoaded(@TempDir Path dir) throws IOException {
        assumeProcMaps();
        Path file = Files.copy(GgufFixture.gguf("i2_s"), dir.resolve("m.gguf"));
        try (BitNetModel model = BitNetModel.load(options(file))) {
            assertFalse(mapped(file), "an f16 table is converted and copied, so nothing is read from the file");
            assertFalse(model.isClosed());
        }
    }

    @Test
    void aLoadThatFailsAfterOpeningTheFilesUnmapsThem(@TempDir Path dir) throws IOException {
        assumeProcMaps();
        Path folder = hfCopy(dir);
        Path weights = folder.resolve("model.safetensors");
        var context = assertThrows(IllegalArgumentException.class,
                () -> BitNetModel.load(options(folder).withContextLength(1 << 20)));
        assertTrue(context.getMessage().contains("max_position_embeddings"), context.getMessage());
        assertFalse(mapped(weights), "after a refused context length");
        var backend = assertThrows(RuntimeException.class, () -> BitNetModel.load(options(folder).withBackend("no-such")));
        assertTrue(backend.getMessage().contains("no-such"), backend.getMessage());
        assertFalse(mapped(weights), "after an unknown backend");
    }

    @Test
    void aTruncatedSafetensorsFileIsRefusedByNameAndLeftUnmapped(@TempDir Path dir) throws IOException {
        Path folder = hfCopy(dir);
        Path weights = folder.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length - 1000));
        var e = assertThrows(CheckpointException.class, () -> BitNetModel.load(options(folder)));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        if (Files.isReadable(Path.of("/proc/self/maps"))) {
            assertFalse(mapped(weights));
        }
    }

    /**
     * Greedy tokens of the loaded model (table read in place) equal those of the same schedule
     * (prefill blocks over all but the last prompt token, then argmax decode steps) run on a copy
     * of every weight.
     */
    @Test
    void greedyTokensEqualThoseOfTheCopiedWeights() {
        int steps = 12;
        SamplingParameters greedy = SamplingParameters.greedy().toBuilder().maxNewTokens(steps).build();
        String prompt = "The engine reads the model";
        BitNetOptions options = options(GgufFixture.hf());
        int[] generated;
        int[] ids;
        Set<Integer> stops;
        try (BitNetModel model = BitNetModel.load(options)) {
            BpeTokenizer t = model.tokenizer();
            ids = t.addBos() ? t.encodeWithBos(prompt, false) : t.encode(prompt, false);
            generated = model.complete(prompt, greedy, s -> { }, () -> false).tokens();
            stops = new java.util.HashSet<>(model.config().eosTokenIds());
            for (int id : t.stopTokenIds()) {
                stops.add(id);
            }
        }
        int[] expected = new int[steps];
        int count = 0;
        try (Checkpoint hf = Checkpoint.open(GgufFixture.hf());
             Device device = cpu();
             DeviceWeights weights = WeightUploader.upload(hf, device, WeightUploader.Options.defaults());
             BitNetForward forward = new BitNetForward(device, ModelDims.of(hf.config(), CONTEXT), weights,
                     options.prefillBlock())) {
            int n = ids.length;
            for (int from = 0; from < n - 1; from += options.prefillBlock()) {
                forward.prefill(ids, from, Math.min(n - 1, from + options.prefillBlock()));
            }
            int token = ids[n - 1];
            for (int pos = n - 1; count < steps; pos++) {
                token = forward.decodeArgmax(token, pos);
                expected[count++] = token;
                if (stops.contains(token)) {
                    break;
                }
            }
        }
        assertArrayEquals(Arrays.copyOf(expected, count), generated);
    }
}
