package io.bitnettt.generate;

import java.util.List;

/**
 * Finds user stop strings in streamed text. Text that might still turn into a stop string once more chunks arrive
 * is withheld; everything before it is released. The stop string itself, and anything after it, is never
 * released.
 *
 * <p>Call {@link #accept(String)} with each decoded chunk in order and emit {@link Result#text()}; stop
 * generating once {@link Result#stopped()} is true. At the natural end of generation call {@link #flush()} and
 * emit what it returns. Not thread-safe; one instance per generation.
 */
public final class StopStringMatcher {

    /**
     * What to do with one chunk.
     *
     * @param text       safe to show the user now (possibly empty)
     * @param stopString the stop string that ended generation, or null while it has not ended
     */
    public record Result(String text, String stopString) {
        public boolean stopped() {
            return stopString != null;
        }
    }

    private final List<String> stops;
    private final int longestStop;
    /** Withheld tail of the stream: the longest suffix that is a proper prefix of some stop string. */
    private final StringBuilder pending = new StringBuilder();
    private String hit;

    /** @throws IllegalArgumentException if a stop string is null or empty (an empty one would match at once) */
    public StopStringMatcher(List<String> stopStrings) {
        for (String s : stopStrings) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException(
                        "stop strings must be non-empty, got " + (s == null ? "null" : "\"\"") + " in " + stopStrings);
            }
        }
        this.stops = List.copyOf(stopStrings);
        this.longestStop = stops.stream().mapToInt(String::length).max().orElse(0);
    }

    /** True once a stop string has been seen; later chunks are then ignored. */
    public boolean stopped() {
        return hit != null;
    }

    public Result accept(String chunk) {
        if (hit != null) {
            return new Result("", hit);
        }
        if (stops.isEmpty()) {
            return new Result(chunk, null);
        }
        pending.append(chunk);

        // Earliest occurrence wins: the user must not see text past the first place generation should have ended.
        int stopAt = -1;
        String stop = null;
        for (String s : stops) {
            int at = pending.indexOf(s);
            if (at >= 0 && (stopAt < 0 || at < stopAt)) {
                stopAt = at;
                stop = s;
            }
        }
        if (stop != null) {
            String safe = pending.substring(0, stopAt);
            pending.setLength(0);
            hit = stop;
            return new Result(safe, stop);
        }

        int keep = longestSuffixThatStartsAStop();
        String safe = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        return new Result(safe, null);
    }

    /** Releases withheld text at the end of generation; empty if a stop string was hit. */
    public String flush() {
        String rest = hit != null ? "" : pending.toString();
        pending.setLength(0);
        return rest;
    }

    private int longestSuffixThatStartsAStop() {
        // A suffix as long as a whole stop string would have been found by indexOf, so proper prefixes suffice.
        int max = Math.min(pending.length(), longestStop - 1);
        for (int len = max; len > 0; len--) {
            int from = pending.length() - len;
            for (String s : stops) {
                if (s.length() > len && regionMatches(from, s, len)) {
                    return len;
                }
            }
        }
        return 0;
    }

    private boolean regionMatches(int from, String s, int len) {
        for (int i = 0; i < len; i++) {
            if (pending.charAt(from + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
