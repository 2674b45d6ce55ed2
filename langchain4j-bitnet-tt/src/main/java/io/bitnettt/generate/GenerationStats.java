package io.bitnettt.generate;

/**
 * Timing and token counts of one generation.
 *
 * @param promptTokens           tokens in the prompt, including any reused from the cache
 * @param reusedPrefixTokens     prompt tokens whose KV cache entries were reused rather than recomputed
 * @param generatedTokens        tokens sampled (including a final stop token, if any)
 * @param timeToFirstTokenNanos  from the start of the request until the first token was sampled
 * @param decodeTokensPerSecond  tokens per second after the first one; 0 when fewer than two were generated
 */
public record GenerationStats(
        int promptTokens,
        int reusedPrefixTokens,
        int generatedTokens,
        long timeToFirstTokenNanos,
        double decodeTokensPerSecond) {

    public GenerationStats {
        if (promptTokens < 0 || reusedPrefixTokens < 0 || generatedTokens < 0 || timeToFirstTokenNanos < 0) {
            throw new IllegalArgumentException("counts and times must be >= 0: promptTokens=" + promptTokens
                    + ", reusedPrefixTokens=" + reusedPrefixTokens + ", generatedTokens=" + generatedTokens
                    + ", timeToFirstTokenNanos=" + timeToFirstTokenNanos);
        }
        if (reusedPrefixTokens > promptTokens) {
            throw new IllegalArgumentException("reusedPrefixTokens " + reusedPrefixTokens
                    + " exceeds promptTokens " + promptTokens);
        }
    }

    /**
     * Derives the rates from {@link System#nanoTime()} stamps. The first token is excluded from the decode rate
     * because it comes out of prefill, which would otherwise skew short answers.
     *
     * @param startNanos      when the request started
     * @param firstTokenNanos when the first token was sampled (ignored if none was)
     * @param endNanos        when the last token was sampled
     */
    public static GenerationStats of(int promptTokens, int reusedPrefixTokens, int generatedTokens,
                                     long startNanos, long firstTokenNanos, long endNanos) {
        long ttft = generatedTokens > 0 ? Math.max(0, firstTokenNanos - startNanos) : 0;
        long decodeNanos = endNanos - firstTokenNanos;
        double rate = generatedTokens > 1 && decodeNanos > 0 ? (generatedTokens - 1) * 1e9 / decodeNanos : 0;
        return new GenerationStats(promptTokens, reusedPrefixTokens, generatedTokens, ttft, rate);
    }

    /** Tokens that had to be run through prefill. */
    public int prefilledTokens() {
        return promptTokens - reusedPrefixTokens;
    }
}
