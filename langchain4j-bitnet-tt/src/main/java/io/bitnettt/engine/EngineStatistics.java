package io.bitnettt.engine;

import io.bitnettt.generate.GenerationStats;

/**
 * Totals over every request a {@link BitNetModel} has served since it was loaded, e.g. to see how
 * much prompt work the KV prefix cache saved.
 *
 * @param requests           requests that ran to an end (finished, stopped or cancelled; not failed)
 * @param promptTokens       prompt tokens of those requests, reused ones included
 * @param reusedPrefixTokens prompt tokens whose KV entries came from the cache instead of prefill
 * @param generatedTokens    tokens sampled, final stop tokens included
 */
public record EngineStatistics(long requests, long promptTokens, long reusedPrefixTokens, long generatedTokens) {
    public static final EngineStatistics NONE = new EngineStatistics(0, 0, 0, 0);

    EngineStatistics plus(GenerationStats s) {
        return new EngineStatistics(requests + 1, promptTokens + s.promptTokens(),
                reusedPrefixTokens + s.reusedPrefixTokens(), generatedTokens + s.generatedTokens());
    }

    /** Prompt tokens that went through prefill. */
    public long prefilledTokens() {
        return promptTokens - reusedPrefixTokens;
    }
}
