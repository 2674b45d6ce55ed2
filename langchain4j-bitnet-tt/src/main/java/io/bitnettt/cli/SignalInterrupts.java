package io.bitnettt.cli;

import sun.misc.Signal;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Ctrl-C (SIGINT) of the real process. With no handler registered it ends the process with status
 * 130, as a shell expects; {@link #isExiting()} then tells the error printer to stay quiet, because
 * the shutdown hook closes the device under whatever the main thread was doing.
 */
final class SignalInterrupts implements Interrupts {
    static final int EXIT_STATUS = 130;
    private static volatile boolean exiting;

    private final AtomicReference<Runnable> handler = new AtomicReference<>();

    private SignalInterrupts() {
    }

    /**
     * Takes over SIGINT for this JVM. Where the JVM does not let us (the signal is reserved, e.g.
     * under {@code -Xrs}), Ctrl-C keeps its default and no handler ever runs.
     */
    static Interrupts install(PrintStream err) {
        SignalInterrupts interrupts = new SignalInterrupts();
        try {
            Signal.handle(new Signal("INT"), signal -> interrupts.deliver());
            return interrupts;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            err.println("bitnet: Ctrl-C cannot be caught in this JVM (" + e.getMessage() + "); it ends the process");
            return NONE;
        }
    }

    /** True once Ctrl-C has started ending the process. */
    static boolean isExiting() {
        return exiting;
    }

    private void deliver() {
        Runnable h = handler.get();
        if (h != null) {
            h.run();
        } else {
            exiting = true;
            System.exit(EXIT_STATUS);
        }
    }

    @Override
    public Registration handle(Runnable onInterrupt) {
        Runnable previous = handler.getAndSet(onInterrupt);
        return () -> handler.set(previous);
    }
}
