package io.bitnettt.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingDeque;

/**
 * Lines of standard input, read by a daemon thread so that waiting for the next line can be ended
 * by Ctrl-C: a blocked read of a terminal cannot be interrupted in Java.
 */
final class ConsoleLines {
    /** What {@link #next()} returns after {@link #interrupt()}. */
    static final String INTERRUPTED = new String("<interrupted>");
    private static final String END = new String("<end of input>");

    private final LinkedBlockingDeque<String> lines = new LinkedBlockingDeque<>();
    private volatile IOException failure;

    ConsoleLines(InputStream in) {
        Thread reader = new Thread(() -> readAll(in), "bitnet-stdin");
        reader.setDaemon(true);
        reader.start();
    }

    private void readAll(InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lines.add(line);
            }
        } catch (IOException e) {
            failure = e;
        } finally {
            lines.add(END);
        }
    }

    /**
     * The next line; null at the end of input; {@link #INTERRUPTED} (compare by identity) once
     * {@link #interrupt()} was called, ahead of lines typed before it.
     */
    String next() {
        String line;
        try {
            line = lines.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return INTERRUPTED;
        }
        if (line == END) {
            lines.addFirst(END);
            if (failure != null) {
                throw new UncheckedIOException("cannot read standard input", failure);
            }
            return null;
        }
        return line;
    }

    void interrupt() {
        lines.addFirst(INTERRUPTED);
    }
}
