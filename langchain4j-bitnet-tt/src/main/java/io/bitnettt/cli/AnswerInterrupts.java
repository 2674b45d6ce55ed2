package io.bitnettt.cli;

/**
 * What Ctrl-C means while the model answers: the first one stops the answer within a token; a
 * second one before it has stopped, or one while the command waits for input, asks to leave.
 */
final class AnswerInterrupts {
    private final ConsoleLines input;
    private boolean answering;
    private volatile boolean stop;
    private volatile boolean leave;

    /** @param input the prompt to wake when Ctrl-C comes while waiting for input; null if there is none */
    AnswerInterrupts(ConsoleLines input) {
        this.input = input;
    }

    synchronized void onInterrupt() {
        if (answering && !stop) {
            stop = true;
        } else {
            stop = true;
            leave = true;
            if (input != null && !answering) {
                input.interrupt();
            }
        }
    }

    synchronized void startAnswer() {
        answering = true;
        stop = leave;
    }

    synchronized void endAnswer() {
        answering = false;
    }

    /** Polled before every token: true once this answer should stop. */
    boolean stopRequested() {
        return stop;
    }

    /** True once the user asked to leave the command. */
    boolean leaveRequested() {
        return leave;
    }
}
