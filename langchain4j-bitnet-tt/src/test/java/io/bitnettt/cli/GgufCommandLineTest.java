package io.bitnettt.cli;

import io.bitnettt.download.FakeHub;
import io.bitnettt.engine.BitNetModel;
import io.bitnettt.engine.BitNetOptions;
import io.bitnettt.generate.SamplingParameters;
import io.bitnettt.model.gguf.GgufFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line with GGUF files: --model takes one, chat says why it cannot run, download fetches one. */
class GgufCommandLineTest {
    private static final String PROMPT = "The engine reads the model";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** What the engine itself completes, for the command line to print. */
    private static String completion(Path model) {
        try (BitNetModel m = BitNetModel.load(BitNetOptions.of(model).withBackend("cpu").withThreads(2)
                .withContextLength(64))) {
            return m.complete(PROMPT, SamplingParameters.builder().temperature(0).maxNewTokens(12).build(), s -> { },
                    () -> false).text();
        }
    }

    @Test
    void generateRunsAGgufFileAndTheHuggingFaceFolderWithoutAnEndOfTurnToken() {
        for (Path model : new Path[] {GgufFixture.gguf("tq1_0"), GgufFixture.hf()}) {
            out.reset();
            assertEquals(0, run("generate", "--model", model.toString(), "--backend", "cpu", "--threads", "2",
                    "--ctx", "64", "--greedy", "--max-tokens", "12", PROMPT), err());
            assertEquals(PROMPT + completion(model), out().strip().replace("\n", "\n"), model.toString());
        }
    }

    @Test
    void chatOnAVocabularyWithoutEndOfTurnFailsBeforeThePromptSayingWhy() {
        assertEquals(1, run("chat", "--model", GgufFixture.gguf("i2_s").toString(), "--backend", "cpu", "--ctx", "64"));
        assertTrue(err().contains("<|eot_id|>") && err().contains("raw text"), err());
        assertFalse(out().contains(">"), out());
    }

    @Test
    void ttEstimateReadsTheShapesOfAGgufFile() {
        assertEquals(0, run("tt-estimate", "--model", GgufFixture.gguf("i2_s").toString(), "--context", "8",
                "--tokens", "2"), err());
        assertTrue(out().contains("Shapes: " + GgufFixture.gguf("i2_s")), out());
    }

    @Test
    void downloadFetchesTheOneGgufOfARepositoryOrTheNamedOne(@TempDir Path dir) throws Exception {
        byte[] i2s = Files.readAllBytes(GgufFixture.gguf("i2_s"));
        byte[] tq2 = Files.readAllBytes(GgufFixture.gguf("tq2_0"));
        try (FakeHub hub = new FakeHub("microsoft/bitnet-b1.58-2B-4T-gguf")
                .smallFile("README.md", "card".getBytes(StandardCharsets.UTF_8)).lfsFile("ggml-model-i2_s.gguf", i2s)) {
            assertEquals(0, run("download", "microsoft/bitnet-b1.58-2B-4T-gguf", "--endpoint", hub.baseUrl().toString(),
                    "--dir", dir.toString()), err());
            Path file = dir.resolve("ggml-model-i2_s.gguf");
            assertTrue(out().contains("downloaded microsoft/bitnet-b1.58-2B-4T-gguf to " + file), out());
            assertArrayEquals(i2s, Files.readAllBytes(file));
            assertFalse(Files.exists(dir.resolve("README.md")));

            hub.lfsFile("ggml-model-tq2_0.gguf", tq2);
            err.reset();
            assertEquals(1, run("download", "microsoft/bitnet-b1.58-2B-4T-gguf", "--endpoint", hub.baseUrl().toString(),
                    "--dir", dir.resolve("b").toString()));
            assertTrue(err().contains("choose one") && err().contains("ggml-model-tq2_0.gguf"), err());
            assertEquals(0, run("download", "microsoft/bitnet-b1.58-2B-4T-gguf", "--endpoint", hub.baseUrl().toString(),
                    "--dir", dir.resolve("b").toString(), "--file", "ggml-model-tq2_0.gguf"), err());
            assertArrayEquals(tq2, Files.readAllBytes(dir.resolve("b").resolve("ggml-model-tq2_0.gguf")));
        }
    }
}
