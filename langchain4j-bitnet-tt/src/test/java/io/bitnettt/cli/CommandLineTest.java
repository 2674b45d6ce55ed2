package io.bitnettt.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The command line end to end on the built-in demo model and the CPU backend. */
class CommandLineTest {
    @TempDir
    static Path cache;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String stdin, String... args) {
        String[] all = Stream.concat(Stream.of(args), Stream.of("--demo-cache", cache.toString()))
                .toArray(String[]::new);
        if (args.length > 0 && args[0].equals("download")) {
            all = args;
        }
        return Main.run(all, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @BeforeAll
    static void writeDemoOnce() {
        io.bitnettt.demo.DemoModel.ensure(cache);
    }

    @Test
    void generateOnTheDemoModelSaysSoFirstAndEchoesThePrompt() {
        assertEquals(0, run("", "generate", "--greedy", "--max-tokens", "5", "--stats", "--threads", "2",
                "The engine reads"));
        // Standard output holds the text only; the demo banner goes to standard error.
        List<String> lines = out().lines().toList();
        assertEquals(1, lines.size(), out());
        assertTrue(lines.get(0).startsWith("The engine reads"), lines.get(0));
        assertTrue(err().contains("[demo] no --model given"), err());
        Matcher m = Pattern.compile("\\[cpu] finish=(\\w+) prompt=(\\d+) \\(reused 0\\) generated=(\\d+)").matcher(err());
        assertTrue(m.find(), err());
        int generated = Integer.parseInt(m.group(3));
        assertTrue(generated >= 1 && generated <= 5, err());
        assertTrue(m.group(1).equals("LENGTH") ? generated == 5 : m.group(1).equals("STOP_TOKEN"), err());
    }

    @Test
    void greedyGenerationIsReproducible() {
        assertEquals(0, run("", "generate", "--greedy", "--max-tokens", "6", "hello"));
        String first = out();
        out.reset();
        assertEquals(0, run("", "generate", "--greedy", "--max-tokens", "6", "hello"));
        assertEquals(first, out());
    }

    @Test
    void chatReusesTheConversationPrefixOnTheSecondTurn() {
        assertEquals(0, run("first question\nsecond question\n/exit\n", "chat", "--greedy", "--max-tokens", "4",
                "--stats", "--system", "Be brief."));
        Matcher m = Pattern.compile("prompt=(\\d+) \\(reused (\\d+)\\)").matcher(err());
        assertTrue(m.find(), err());
        int firstPrompt = Integer.parseInt(m.group(1));
        assertEquals(0, Integer.parseInt(m.group(2)));
        assertTrue(m.find(), err());
        int secondPrompt = Integer.parseInt(m.group(1));
        int reused = Integer.parseInt(m.group(2));
        // Everything the first turn computed (its whole prompt at least) is reused, nothing after the new message.
        assertTrue(reused >= firstPrompt && reused < secondPrompt, err());
    }

    @Test
    void aPromptLongerThanTheContextFailsWithBothLengths() {
        assertEquals(1, run("", "generate", "--ctx", "8", "one two three four five six seven eight nine ten"));
        assertTrue(err().matches("(?s).*the prompt has \\d+ tokens but the context holds only 8 tokens.*"), err());
    }

    @Test
    void invalidSamplingParametersAreUsageErrorsNamingTheParameter() {
        assertEquals(2, run("", "generate", "--temperature", "-1", "hi"));
        assertTrue(err().contains("bitnet generate: --temperature must be in [0, +inf) (0 = greedy), was -1.0"), err());
        err.reset();
        // The option as typed, never the engine's Java name (topP, maxNewTokens, repetitionPenalty).
        assertEquals(2, run("", "generate", "--top-p", "1.5", "hi"));
        assertTrue(err().contains("--top-p must be in (0, 1] (1 = disabled), was 1.5"), err());
        err.reset();
        assertEquals(2, run("", "chat", "--max-tokens", "0"));
        assertTrue(err().contains("bitnet chat: --max-tokens must be in [1, +inf), was 0"), err());
        err.reset();
        assertEquals(2, run("", "generate", "--repeat-penalty", "0", "hi"));
        assertTrue(err().contains("--repeat-penalty must be in (0, +inf) (1 = disabled), was 0.0"), err());
        err.reset();
        assertEquals(2, run("", "generate", "--top-k", "many", "hi"));
        assertTrue(err().contains("Invalid value for option '--top-k': 'many' is not an int"), err());
        err.reset();
        assertEquals(2, run("", "generate", "--frobnicate", "1", "hi"));
        assertTrue(err().contains("Unknown option: '--frobnicate'"), err());
        assertTrue(err().contains("Run 'bitnet generate --help' for its options."), err());
        assertEquals("", out());
    }

    @Test
    void anUnavailableBackendIsNamedWithItsReasonAndTheAlternatives() {
        assertEquals(1, run("", "generate", "--backend", "tenstorrent", "hi"));
        assertTrue(err().contains("backend 'tenstorrent' is unavailable") && err().contains("available backends: [cpu, tenstorrent-emulator]"),
                err());
    }

    @Test
    void int8OutputGeneratesTheSameGreedyTextOnTheDemoModel() {
        assertEquals(0, run("", "generate", "--greedy", "--max-tokens", "8", "hello"));
        String bf16 = out();
        out.reset();
        assertEquals(0, run("", "generate", "--greedy", "--max-tokens", "8", "--int8-output", "hello"), err());
        assertEquals(bf16, out());
    }

    @Test
    void int8OutputOnABackendWithoutItIsRefusedByName() {
        assertEquals(1, run("", "generate", "--backend", "tenstorrent-emulator", "--int8-output", "hi"));
        assertTrue(err().contains("int8 output projection was requested but backend tenstorrent-emulator does not "
                + "support it"), err());
    }

    /** The demo model's random weights leave near-ties, so bf16 rounding may change its text: it has to run. */
    @Test
    void aBf16KvCacheGeneratesOnTheDemoModel() {
        assertEquals(0, run("", "generate", "--greedy", "--max-tokens", "8", "--kv-cache", "bf16", "hello"), err());
        assertTrue(out().startsWith("hello"), out());
    }

    @Test
    void aKvCacheTypeIsCheckedAndRefusedByNameWhereTheBackendLacksIt() {
        assertEquals(2, run("", "generate", "--kv-cache", "f16", "hi"));
        assertTrue(err().contains("--kv-cache: KV cache type 'f16' is not one of f32, bf16, int8"), err());
        err.reset();
        assertEquals(1, run("", "generate", "--backend", "tenstorrent-emulator", "--kv-cache", "bf16", "hi"));
        assertTrue(err().contains("KV cache type BF16 is not supported by the tenstorrent-emulator backend"), err());
    }

    @Test
    void aMissingModelFolderIsNamed(@TempDir Path empty) {
        assertEquals(1, run("", "generate", "--model", empty.toString(), "hi"));
        assertTrue(err().contains(empty.toString()), err());
    }

    @Test
    void aModelPathThatDoesNotExistOrIsAFileIsSaidSo(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nonexistent");
        assertEquals(1, run("", "generate", "--model", missing.toString(), "hi"));
        assertTrue(err().contains("bitnet generate: model path " + missing + " does not exist"), err());
        err.reset();
        Path file = java.nio.file.Files.writeString(dir.resolve("notes.txt"), "x");
        assertEquals(1, run("", "generate", "--model", file.toString(), "hi"));
        assertTrue(err().contains("model path " + file + " is a file"), err());
    }

    @Test
    void anOverflowingContextLengthIsNamedWithItsSource(@TempDir Path dir) throws Exception {
        Path model = cache.resolve("demo-model-v1");
        for (String f : new String[] {"model.safetensors", "tokenizer.json", "tokenizer_config.json"}) {
            java.nio.file.Files.copy(model.resolve(f), dir.resolve(f));
        }
        java.nio.file.Files.writeString(dir.resolve("config.json"), java.nio.file.Files.readString(
                model.resolve("config.json")).replaceAll("\"max_position_embeddings\" : \\d+",
                "\"max_position_embeddings\" : 2000000000"));
        assertEquals(1, run("", "generate", "--model", dir.toString(), "hi"));
        assertTrue(err().contains("a context of 2000000000 tokens (max_position_embeddings of " + dir.resolve(
                "config.json") + ") is too long"), err());
        assertTrue(err().contains("--ctx"), err());
        err.reset();
        // A shorter context given on the command line makes the same model usable.
        assertEquals(0, run("", "generate", "--model", dir.toString(), "--ctx", "64", "--max-tokens", "2", "hi"), err());
    }

    @Test
    void moreThreadsThanProcessorsAreCappedWithAWarning() {
        int processors = Runtime.getRuntime().availableProcessors();
        assertEquals(0, run("", "generate", "--threads", "1000", "--greedy", "--max-tokens", "2", "hi"));
        assertTrue(err().contains("warning: --threads 1000 is more than the " + processors
                + " processors of this machine; using " + processors), err());
    }

    @Test
    void everyCommandPrintsItsOwnHelpAndSucceeds() {
        for (String command : new String[] {"generate", "chat", "download", "backends", "tt-estimate"}) {
            out.reset();
            assertEquals(0, Main.run(new String[] {command, "--help"}, new ByteArrayInputStream(new byte[0]),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)),
                    command);
            assertTrue(out().startsWith("Usage: bitnet " + command), out());
        }
        out.reset();
        assertEquals(0, Main.run(new String[] {"help", "chat"}, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(out().startsWith("Usage: bitnet chat") && out().contains("--system=TEXT"), out());
        assertEquals("", err());
    }
}
