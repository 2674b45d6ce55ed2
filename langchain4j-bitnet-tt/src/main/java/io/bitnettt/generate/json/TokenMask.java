package io.bitnettt.generate.json;

import java.util.Arrays;

/**
 * Which tokens may come next in one automaton state, stored as whichever list is shorter: the
 * allowed ids (structural states: a handful) or the forbidden ones (inside a string: most of the
 * vocabulary is allowed). Applying it writes -Infinity into logits and allocates nothing.
 */
final class TokenMask {
    final boolean listsAllowed;
    final int[] ids;
    /** Whether the document may end here, so the end-of-turn token is allowed. */
    final boolean endAllowed;
    final int allowedCount;
    /** Fewest and most bytes still needed after an allowed ordinary token (the end token not counted). */
    final int minDistanceAfter;
    final int maxDistanceAfter;

    TokenMask(boolean listsAllowed, int[] ids, boolean endAllowed, int allowedCount, int minDistanceAfter,
              int maxDistanceAfter) {
        this.listsAllowed = listsAllowed;
        this.ids = ids;
        this.endAllowed = endAllowed;
        this.allowedCount = allowedCount;
        this.minDistanceAfter = minDistanceAfter;
        this.maxDistanceAfter = maxDistanceAfter;
    }

    /**
     * Masks {@code logits} in place.
     *
     * @param saved scratch of at least {@link #ids}.length floats when the list holds allowed ids
     */
    void apply(float[] logits, int endToken, float[] saved) {
        float end = logits[endToken];
        if (listsAllowed) {
            int[] allowed = ids;
            for (int k = 0; k < allowed.length; k++) {
                saved[k] = logits[allowed[k]];
            }
            Arrays.fill(logits, Float.NEGATIVE_INFINITY);
            for (int k = 0; k < allowed.length; k++) {
                logits[allowed[k]] = saved[k];
            }
        } else {
            for (int id : ids) {
                logits[id] = Float.NEGATIVE_INFINITY;
            }
        }
        logits[endToken] = endAllowed ? end : Float.NEGATIVE_INFINITY;
    }

    boolean allows(int token, int endToken) {
        if (token == endToken) {
            return endAllowed;
        }
        boolean listed = false;
        for (int id : ids) {
            if (id == token) {
                listed = true;
                break;
            }
        }
        return listed == listsAllowed;
    }
}
