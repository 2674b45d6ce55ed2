package io.bitnettt.cli;

import io.bitnettt.demo.DemoModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The command line as its own process: a real SIGINT, and what reaches standard output and
 * standard error. Each step waits for output, never for a time; the only clock is a generous
 * limit that turns a hang into a failure.
 */
class CommandLineProcessTest {
    @TempDir
    static Path cache;

    @BeforeAll
    static void writeDemoOnce() {
        DemoModel.ensure(cache);
    }

    /** A running {@code bitnet} with its two output streams collected as they arrive. */
    static final class Bitnet implements AutoCloseable {
        final Process process;
        private final StringBuffer out = new StringBuffer();
        private final StringBuffer err = new StringBuffer();

        Bitnet(String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                    "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), Main.class.getName()));
            command.addAll(List.of(args));
            process = new ProcessBuilder(command).start();
            collect(process.getInputStream(), out);
            collect(process.getErrorStream(), err);
        }

        private static void collect(InputStream in, StringBuffer into) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[4096];
                try {
                    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                        into.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            t.setDaemon(true);
            t.start();
        }

        String out() {
            return out.toString();
        }

        String err() {
            return err.toString();
        }

        /** Waits until standard output satisfies {@code condition}, or fails if the process ends first. */
        void awaitOut(Predicate<String> condition) throws InterruptedException {
            while (!condition.test(out())) {
                assertTrue(process.isAlive() || condition.test(out()), "exited before the expected output; out: "
                        + out() + "\nerr: " + err());
                Thread.sleep(5);   // polling, not a deadline: leaves the CPU to the process under test
            }
        }

        void type(String line) throws IOException {
            OutputStream stdin = process.getOutputStream();
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        }

        void ctrlC() throws Exception {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start();
            kill.waitFor();
        }

        int exitStatus() throws Exception {
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "still running; out: " + out() + "\nerr: " + err());
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static int prompts(String out) {
        return out.split("> ", -1).length - 1;
    }

    /**
     * A real Ctrl-C during the answer, then one at the prompt: the chat leaves with 130 and no
     * error. (If the answer had already ended when the first arrived, that one is at the prompt:
     * the outcome must be the same.)
     */
    @Test
    @EnabledOnOs(OS.LINUX)
    void ctrlCInChatNeverShowsAnInternalError() throws Exception {
        try (Bitnet chat = new Bitnet("chat", "--demo-cache", cache.toString(), "--max-tokens", "3000",
                "--temperature", "0.9", "--seed", "5")) {
            chat.awaitOut(o -> prompts(o) == 1);
            chat.type("tell me a long story");
            chat.awaitOut(o -> o.length() > 4);
            chat.ctrlC();
            chat.awaitOut(o -> prompts(o) == 2 || !chat.process.isAlive());
            if (chat.process.isAlive()) {
                chat.ctrlC();
            }
            assertEquals(130, chat.exitStatus(), chat.err());
            assertFalse(chat.err().contains("closed") || chat.err().contains("Exception"), chat.err());
        }
    }

    @Test
    void standardOutputHoldsOnlyTheTextAndLogsNeedVerbose() throws Exception {
        String quiet;
        try (Bitnet generate = new Bitnet("generate", "--demo-cache", cache.toString(), "--greedy",
                "--max-tokens", "3", "The engine")) {
            assertEquals(0, generate.exitStatus(), generate.err());
            assertTrue(generate.out().startsWith("The engine") && generate.out().lines().count() == 1,
                    generate.out());
            assertTrue(generate.err().contains("[demo]"), generate.err());
            assertFalse(generate.err().contains("selected backend"), generate.err());
            quiet = generate.out();
        }
        try (Bitnet generate = new Bitnet("generate", "--demo-cache", cache.toString(), "--greedy",
                "--max-tokens", "3", "--verbose", "The engine")) {
            assertEquals(0, generate.exitStatus(), generate.err());
            assertTrue(generate.err().contains("auto: selected backend 'cpu'"), generate.err());
            assertEquals(quiet, generate.out());
        }
    }
}
