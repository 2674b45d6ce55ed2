package io.bitnettt.generate;

/**
 * Applies the repetition, frequency and presence penalties of {@link SamplingParameters} to logits in place.
 *
 * <p>Counting uses a vocabulary-sized scratch array that is zeroed again after each call, so the cost per
 * token is proportional to the penalty window, not to the vocabulary. Not thread-safe.
 */
public final class LogitPenalties {

    private final double repetitionPenalty;
    private final double frequencyPenalty;
    private final double presencePenalty;
    private final int lastN;
    private final boolean active;
    private final int[] counts;

    public LogitPenalties(SamplingParameters params, int vocabSize) {
        if (vocabSize < 1) {
            throw new IllegalArgumentException("vocabSize must be >= 1, was " + vocabSize);
        }
        this.repetitionPenalty = params.repetitionPenalty();
        this.frequencyPenalty = params.frequencyPenalty();
        this.presencePenalty = params.presencePenalty();
        this.lastN = params.penaltyLastN();
        this.active = params.hasPenalties();
        // Skip the scratch array entirely when penalties are off: most requests never need it.
        this.counts = active ? new int[vocabSize] : null;
    }

    /**
     * Penalises {@code logits} for tokens among the last {@code penaltyLastN} entries of
     * {@code history[0, historyLength)}.
     *
     * @throws IllegalArgumentException if a token in the window is outside the vocabulary
     */
    public void apply(float[] logits, int[] history, int historyLength) {
        if (!active || historyLength == 0) {
            return;
        }
        if (historyLength < 0 || historyLength > history.length) {
            throw new IllegalArgumentException(
                    "historyLength must be in [0, " + history.length + "], was " + historyLength);
        }
        int vocab = Math.min(logits.length, counts.length);
        int start = lastN < 0 ? 0 : Math.max(0, historyLength - lastN);
        // Validate before counting so a bad token cannot leave stale counts behind for the next call.
        for (int i = start; i < historyLength; i++) {
            int t = history[i];
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException(
                        "history token " + t + " at position " + i + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        for (int i = start; i < historyLength; i++) {
            counts[history[i]]++;
        }
        // Second walk over the window instead of a list of distinct tokens: the first visit of each token
        // applies its penalty and clears its count, so later visits see 0 and skip it.
        for (int i = start; i < historyLength; i++) {
            int t = history[i];
            int c = counts[t];
            if (c == 0) {
                continue;
            }
            counts[t] = 0;
            double l = logits[t];
            if (repetitionPenalty != 1.0) {
                l = l > 0 ? l / repetitionPenalty : l * repetitionPenalty;
            }
            l -= c * frequencyPenalty + presencePenalty;
            logits[t] = (float) l;
        }
    }
}
