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
        List<String> lines = out().lines().toList();
        assertTrue(lines.get(0).startsWith("[demo] no --model given"), lines.get(0));
        assertTrue(lines.get(1).startsWith("The engine reads"), lines.get(1));
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
        assertTrue(err().contains("temperature"), err());
        out.reset();
        err.reset();
        assertEquals(2, run("", "generate", "--top-k", "many", "hi"));
        assertTrue(err().contains("option --top-k expects an integer, got 'many'"), err());
        err.reset();
        assertEquals(2, run("", "generate", "--frobnicate", "1", "hi"));
        assertTrue(err().contains("unknown option --frobnicate"), err());
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

    @Test
    void aMissingModelFolderIsNamed(@TempDir Path empty) {
        assertEquals(1, run("", "generate", "--model", empty.toString(), "hi"));
        assertTrue(err().contains(empty.toString()), err());
    }
}
