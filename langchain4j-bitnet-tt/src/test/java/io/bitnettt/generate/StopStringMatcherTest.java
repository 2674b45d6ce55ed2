package io.bitnettt.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringMatcherTest {

    /** Feeds chunks and returns everything emitted, with "|STOP:x" appended if a stop string was hit. */
    private static String run(List<String> stops, String... chunks) {
        StopStringMatcher m = new StopStringMatcher(stops);
        StringBuilder out = new StringBuilder();
        for (String c : chunks) {
            StopStringMatcher.Result r = m.accept(c);
            out.append(r.text());
            if (r.stopped()) {
                return out.append("|STOP:").append(r.stopString()).toString();
            }
        }
        return out.append(m.flush()).toString();
    }

    @Test
    void stopSplitAcrossChunks() {
        StopStringMatcher m = new StopStringMatcher(List.of("o W"));
        StopStringMatcher.Result r1 = m.accept("Hel");
        assertEquals("Hel", r1.text());
        assertFalse(r1.stopped());
        StopStringMatcher.Result r2 = m.accept("lo Wo");
        assertEquals("l", r2.text());
        assertTrue(r2.stopped());
        assertEquals("o W", r2.stopString());
        assertEquals("", m.accept("rld").text());
        assertEquals("", m.flush());
    }

    @Test
    void withholdsPossiblePrefixUntilDisproved() {
        StopStringMatcher m = new StopStringMatcher(List.of("o W"));
        assertEquals("Hell", m.accept("Hello").text());
        assertEquals("", m.accept(" ").text());
        // "o " is still a possible start of "o W"; a different letter releases it.
        assertEquals("o x", m.accept("x").text());
        assertNull(m.accept("y").stopString());
    }

    @Test
    void overlappingPrefix() {
        assertEquals("a|STOP:ab", run(List.of("ab"), "aab"));
        assertEquals("a|STOP:ab", run(List.of("ab"), "a", "a", "b"));
        assertEquals("aa|STOP:aab", run(List.of("aab"), "a", "a", "a", "a", "b"));
        assertEquals("aaaa", run(List.of("aab"), "a", "a", "a", "a"));
    }

    @Test
    void stopStringSpanningManySingleCharChunks() {
        assertEquals("x|STOP:</s>", run(List.of("</s>"), "x", "<", "/", "s", ">", "tail"));
    }

    @Test
    void multipleStopStringsEarliestWins() {
        assertEquals("one |STOP:two", run(List.of("three", "two"), "one two three"));
        assertEquals("a|STOP:bcd", run(List.of("bcd", "cx"), "ab", "cd"));
        // "bc" withheld as possible "bcd", then "cx" completes inside the withheld text.
        assertEquals("ab|STOP:cx", run(List.of("bcd", "cx"), "abc", "x"));
    }

    @Test
    void flushReleasesWithheldText() {
        StopStringMatcher m = new StopStringMatcher(List.of("END"));
        assertEquals("the ", m.accept("the EN").text());
        assertEquals("EN", m.flush());
        assertEquals("", m.flush());
    }

    @Test
    void noStopStringsPassesThrough() {
        assertEquals("abc", run(List.of(), "a", "b", "c"));
    }

    @Test
    void emptyOrNullStopStringRejected() {
        assertThrows(IllegalArgumentException.class, () -> new StopStringMatcher(List.of("")));
        assertThrows(IllegalArgumentException.class, () -> new StopStringMatcher(java.util.Arrays.asList("a", null)));
    }

    @Test
    void acceptAfterStopEmitsNothing() {
        StopStringMatcher m = new StopStringMatcher(List.of("!"));
        assertTrue(m.accept("hi!").stopped());
        assertTrue(m.stopped());
        StopStringMatcher.Result r = m.accept("more");
        assertEquals("", r.text());
        assertTrue(r.stopped());
    }
}
