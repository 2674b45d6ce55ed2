package io.bitnettt.spi;

/**
 * A decode step recorded once and replayed many times. Inputs that change between steps (token id,
 * position) live in device tensors that the caller rewrites in place before each {@link #replay()};
 * a backend without capture simply runs the step again. Closing releases the recorded trace.
 */
public interface CapturedStep extends AutoCloseable {

    void replay();

    /** Whether replay uses a recorded trace (true) or runs the step eagerly (false). */
    boolean isRecorded();

    @Override
    void close();

    /** The fallback for backends without capture: every replay runs the step again. */
    static CapturedStep eager(Runnable step) {
        step.run();
        return new CapturedStep() {
            @Override
            public void replay() {
                step.run();
            }

            @Override
            public boolean isRecorded() {
                return false;
            }

            @Override
            public void close() {
            }
        };
    }
}
