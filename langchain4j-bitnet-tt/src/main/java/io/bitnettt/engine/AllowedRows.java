package io.bitnettt.engine;

import java.util.Arrays;

import io.bitnettt.generate.TokenConstraint;

/**
 * The tokens a {@link TokenConstraint} lets through next, as the one-bit-a-row mask of
 * {@link BitNetForward#decodeArgmaxAllowed}: the constraint masks a row of zeros, and every entry it
 * leaves finite is allowed. So the rows come from the same {@link TokenConstraint#mask} call that
 * would mask the full logits (a mask depends on the state, not on the values it masks), and a
 * constrained greedy step can choose before any logit exists. Kept per session; a call allocates nothing.
 */
final class AllowedRows {
    private final float[] probe;
    private final int[] words;

    AllowedRows(int vocab) {
        this.probe = new float[vocab];
        this.words = new int[(vocab + 31) / 32];
    }

    /** The mask for the next token, valid until the next call. */
    int[] of(TokenConstraint constraint, int remaining) {
        Arrays.fill(probe, 0f);
        constraint.mask(probe, remaining);
        Arrays.fill(words, 0);
        for (int t = 0; t < probe.length; t++) {
            if (probe[t] != Float.NEGATIVE_INFINITY) {
                words[t >>> 5] |= 1 << (t & 31);
            }
        }
        return words;
    }

    /** Sets the logits of the tokens the last {@link #of} left out to -Infinity: that call's mask, without a second one. */
    void mask(float[] logits) {
        for (int t = 0; t < logits.length; t++) {
            if ((words[t >>> 5] >>> (t & 31) & 1) == 0) {
                logits[t] = Float.NEGATIVE_INFINITY;
            }
        }
    }
}
