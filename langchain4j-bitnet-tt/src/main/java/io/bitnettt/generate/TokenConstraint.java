package io.bitnettt.generate;

/**
 * Restricts which tokens a generation may produce, e.g. to JSON following a schema. The session
 * asks it to mask the full logits before each sampled token while it is {@link #active()}, and
 * tells it every token chosen. One instance per request; used on the generating thread only.
 */
public interface TokenConstraint {
    /** No restriction: the session keeps its on-device argmax and top-k shortcuts. */
    TokenConstraint NONE = new TokenConstraint() {
        @Override
        public boolean active() {
            return false;
        }

        @Override
        public void mask(float[] logits, int remaining) {
        }

        @Override
        public void accept(int token) {
        }
    };

    /**
     * Whether the next token is restricted. While it is, the session computes the full logits
     * (a device's argmax or top-k would pick among tokens the mask forbids).
     */
    boolean active();

    /**
     * Sets every token that may not come next to -Infinity; at least one stays finite. Which tokens
     * depends on the constraint's state only, not on the values in {@code logits}: a greedy step may
     * mask a row of zeros to learn the allowed tokens before the logits exist, once per step.
     *
     * @param remaining how many tokens the request may still generate, this one included, so a
     *                  document can be closed before the budget or the context runs out
     */
    void mask(float[] logits, int remaining);

    /** The token the sampler chose (also called while inactive, and for the final stop token). */
    void accept(int token);
}
