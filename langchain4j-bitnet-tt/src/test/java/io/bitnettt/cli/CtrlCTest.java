package io.bitnettt.cli;

import io.bitnettt.demo.DemoModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Ctrl-C in the command line, delivered at fixed points of the output (no clock): it stops an
 * answer and returns to the prompt; at the prompt, or twice in one answer, it ends the command
 * with status 130; it never shows an internal error.
 */
class CtrlCTest {
    @TempDir
    static Path cache;

    @BeforeAll
    static void writeDemoOnce() {
        DemoModel.ensure(cache);
    }

    /** Ctrl-C that the test fires itself. */
    static final class ManualInterrupts implements Interrupts {
        private Runnable handler;

        @Override
        public synchronized Registration handle(Runnable onInterrupt) {
            Runnable previous = handler;
            handler = onInterrupt;
            return () -> {
                synchronized (this) {
                    handler = previous;
                }
            };
        }

        synchronized void fire() {
            assertNotNull(handler, "Ctrl-C came while no command listened");
            handler.run();
        }
    }

    /** Standard output that lets the test react to what has been printed so far, on the printing thread. */
    static final class WatchedOutput extends ByteArrayOutputStream {
        private final Consumer<String> onWrite;

        WatchedOutput(Consumer<String> onWrite) {
            this.onWrite = onWrite;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            super.write(b, off, len);
            onWrite.accept(toString(StandardCharsets.UTF_8));
        }

        @Override
        public synchronized void write(int b) {
            super.write(b);
            onWrite.accept(toString(StandardCharsets.UTF_8));
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static final String QUESTION = "tell me a long story";

    @Test
    void inChatCtrlCStopsTheAnswerThenCtrlCAtThePromptLeaves() throws Exception {
        ManualInterrupts ctrlC = new ManualInterrupts();
        PipedInputStream stdin = new PipedInputStream();
        PipedOutputStream typing = new PipedOutputStream(stdin);
        int[] stage = {0};
        WatchedOutput out = new WatchedOutput(text -> {
            if (stage[0] == 0 && text.equals("> ")) {
                stage[0] = 1;
                type(typing, QUESTION + "\n");
            } else if (stage[0] == 1 && text.length() > 6) {
                stage[0] = 2;
                ctrlC.fire();                       // during the answer
            } else if (stage[0] == 2 && text.endsWith("\n> ")) {
                stage[0] = 3;
                ctrlC.fire();                       // at the next prompt
            }
        });
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"chat", "--demo-cache", cache.toString(), "--max-tokens", "900",
                "--temperature", "0.8", "--seed", "3", "--stats"},
                new Console(stdin, new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8), ctrlC));
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(130, status, e);
        assertEquals(3, stage[0]);
        assertTrue(e.contains("finish=CANCELLED"), e);
        assertFalse(e.contains("closed") || e.contains("Exception"), e);
        assertEquals(2, count(out.toString(StandardCharsets.UTF_8), "> "));
    }

    @Test
    void aSecondCtrlCBeforeTheAnswerStopsLeavesTheChat() throws Exception {
        ManualInterrupts ctrlC = new ManualInterrupts();
        boolean[] fired = {false};
        WatchedOutput out = new WatchedOutput(text -> {
            if (!fired[0] && text.length() > 6) {
                fired[0] = true;
                ctrlC.fire();
                ctrlC.fire();
            }
        });
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"chat", "--demo-cache", cache.toString(), "--max-tokens", "900",
                "--greedy"}, new Console(new ByteArrayInputStream((QUESTION + "\nsecond question\n")
                .getBytes(StandardCharsets.UTF_8)), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), ctrlC));
        assertEquals(130, status, err.toString(StandardCharsets.UTF_8));
        assertEquals(1, count(out.toString(StandardCharsets.UTF_8), "> "), "the second question is never asked");
        assertEquals("", err.toString(StandardCharsets.UTF_8).replaceAll("(?m)^\\[demo].*\\R", ""));
    }

    @Test
    void inGenerateCtrlCStopsQuietlyWithStatus130() {
        ManualInterrupts ctrlC = new ManualInterrupts();
        boolean[] fired = {false};
        WatchedOutput out = new WatchedOutput(text -> {
            if (!fired[0] && text.length() > QUESTION.length() + 2) {
                fired[0] = true;
                ctrlC.fire();
            }
        });
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"generate", "--demo-cache", cache.toString(), "--max-tokens", "900",
                "--greedy", "--stats", QUESTION}, new Console(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                ctrlC));
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(130, status, e);
        assertTrue(e.contains("finish=CANCELLED"), e);
        assertFalse(e.contains("closed") || e.contains("Exception"), e);
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith(QUESTION) && out.toString(StandardCharsets.UTF_8)
                .endsWith("\n"));
    }

    private static void type(PipedOutputStream typing, String text) {
        try {
            typing.write(text.getBytes(StandardCharsets.UTF_8));
            typing.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
