package io.bitnettt.cli;

/**
 * Ctrl-C as the command line sees it. While a handler is registered, Ctrl-C runs it instead of
 * ending the process, so a command can stop the current answer and carry on.
 */
interface Interrupts {
    /** No Ctrl-C ever arrives (tests, embedded use). */
    Interrupts NONE = onInterrupt -> () -> { };

    /** Until the returned registration is closed, Ctrl-C calls {@code onInterrupt} (on another thread). */
    Registration handle(Runnable onInterrupt);

    /** Closing it restores what Ctrl-C did before. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
