package io.bitnettt.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns generated ids into text as they arrive. A token may end in the middle of a multi-byte UTF-8
 * character (emoji and CJK are often split over 2-4 byte tokens), so the trailing bytes of an
 * incomplete character are held back until the next token completes it. Concatenating every
 * {@link #push} result and the final {@link #flush} gives exactly {@link BpeTokenizer#decode}.
 * Not thread-safe: one instance per generation.
 */
public final class StreamingDecoder {
    private final BpeTokenizer tokenizer;
    private final boolean skipSpecial;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    StreamingDecoder(BpeTokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
    }

    /** Adds one id; returns the text that became complete (possibly empty). */
    public String push(int id) {
        byte[] bytes = tokenizer.tokenBytes(id);
        if (skipSpecial && tokenizer.isSpecial(id)) {
            return "";
        }
        pending.writeBytes(bytes);
        byte[] all = pending.toByteArray();
        int cut = completePrefixLength(all);
        pending.reset();
        pending.write(all, cut, all.length - cut);
        return new String(all, 0, cut, StandardCharsets.UTF_8);
    }

    /** Emits whatever is held back; an unfinished character becomes U+FFFD, as decode would do. */
    public String flush() {
        String rest = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return rest;
    }

    /**
     * Length of the longest prefix that does not end inside a character that could still be
     * completed. Only a valid-so-far incomplete sequence at the very end is held back; invalid bytes
     * are released at once (they decode to U+FFFD whatever follows).
     */
    static int completePrefixLength(byte[] b) {
        int n = b.length;
        // A UTF-8 character is at most 4 bytes, so its lead byte is within the last 3 positions.
        for (int back = 1; back <= Math.min(3, n); back++) {
            int lead = b[n - back] & 0xFF;
            if ((lead & 0xC0) == 0x80) {
                continue;
            }
            int need = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 1;
            if (lead >= 0xF5) {
                need = 1;
            }
            if (back < need && validSoFar(b, n - back, back)) {
                return n - back;
            }
            return n;
        }
        return n;
    }

    /** Whether the bytes from {@code start} are a proper beginning of a well-formed UTF-8 character. */
    private static boolean validSoFar(byte[] b, int start, int len) {
        int lead = b[start] & 0xFF;
        if (len >= 2) {
            int second = b[start + 1] & 0xFF;
            // The second byte's range is narrowed for E0, ED, F0 and F4 (no overlongs, surrogates or > U+10FFFF).
            int lo = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
            int hi = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
            if (second < lo || second > hi) {
                return false;
            }
        }
        for (int i = 2; i < len; i++) {
            if ((b[start + i] & 0xC0) != 0x80) {
                return false;
            }
        }
        return true;
    }
}
