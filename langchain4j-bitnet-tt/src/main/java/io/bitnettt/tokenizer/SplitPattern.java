package io.bitnettt.tokenizer;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One regex split step of the pre-tokenizer ("Split" in tokenizer.json, or the built-in GPT-2 regex of
 * a ByteLevel pre-tokenizer with use_regex). Only the behaviours a byte-level BPE vocabulary is
 * published with are supported; anything else fails at load rather than tokenizing differently.
 */
final class SplitPattern {
    /** The regex a ByteLevel pre-tokenizer applies when its use_regex flag is set. */
    static final String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    enum Behavior { ISOLATED, REMOVED }

    private final Pattern pattern;
    private final Behavior behavior;

    SplitPattern(Pattern pattern, Behavior behavior) {
        this.pattern = pattern;
        this.behavior = behavior;
    }

    String regex() {
        return pattern.pattern();
    }

    /** Appends the pieces of {@code text} to {@code out}; empty pieces are dropped as the reference does. */
    void split(String text, List<String> out) {
        Matcher m = pattern.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                out.add(text.substring(last, m.start()));
            }
            if (behavior == Behavior.ISOLATED && m.end() > m.start()) {
                out.add(text.substring(m.start(), m.end()));
            }
            last = m.end();
        }
        if (last < text.length()) {
            out.add(text.substring(last));
        }
    }
}
