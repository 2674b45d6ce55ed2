package io.bitnettt.cli;

import picocli.CommandLine.Option;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code --verbose}: the engine's informational log lines (which backend was picked and why the
 * others were skipped) go to standard error only when asked for; warnings always do.
 */
final class LoggingOptions {
    // A strong reference: java.util.logging forgets the level of a logger nobody holds.
    private static final Logger ENGINE = Logger.getLogger("io.bitnettt");

    static {
        ENGINE.setLevel(Level.WARNING);
    }

    /** Back to the default, so one in-process run does not leak its level into the next. */
    static void reset() {
        ENGINE.setLevel(Level.WARNING);
    }

    @Option(names = "--verbose", description = "also print the engine's informational messages (backend choice, ...)")
    void verbose(boolean on) {
        ENGINE.setLevel(on ? Level.INFO : Level.WARNING);
    }
}
