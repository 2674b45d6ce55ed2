package io.bitnettt.generate;

/** Why a generation ended. */
public enum FinishReason {
    /** The model produced an end-of-sequence / end-of-turn token. */
    STOP_TOKEN,
    /** The decoded text contained one of the user's stop strings. */
    STOP_STRING,
    /** {@link SamplingParameters#maxNewTokens()} tokens were generated. */
    LENGTH,
    /** The model's context window is full, so no further token fits. */
    CONTEXT_FULL,
    /** The caller cancelled or the thread was interrupted. */
    CANCELLED,
    /** Generation failed with an exception. */
    ERROR
}
