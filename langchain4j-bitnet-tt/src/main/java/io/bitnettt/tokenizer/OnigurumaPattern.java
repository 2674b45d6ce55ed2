package io.bitnettt.tokenizer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles a tokenizer.json regex (written for the Rust tokenizers crate, i.e. Oniguruma syntax) as a
 * java.util.regex pattern with the same meaning.
 *
 * <p>Why a translation is needed at all: without {@link Pattern#UNICODE_CHARACTER_CLASS} Java's
 * {@code \s} is ASCII-only, whereas Oniguruma's is Unicode White_Space (NBSP, U+2028, ideographic
 * space, ...); with the flag Java's {@code \s} is exactly White_Space, and {@code (?i)} also folds
 * beyond ASCII (so {@code (?i:'s)} matches {@code 'S} like Oniguruma does). A few escapes mean
 * different things in the two dialects and are rewritten: Oniguruma {@code \h} is a hex digit (Java:
 * horizontal space) and {@code \v} is the single char U+000B (Java: vertical space class).
 */
final class OnigurumaPattern {
    private static final String HEX = "0-9a-fA-F";

    private OnigurumaPattern() {
    }

    static Pattern compile(String onigurumaRegex, String where) {
        try {
            return Pattern.compile(translate(onigurumaRegex), Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new TokenizerException(where + ": regex cannot be compiled for Java: " + e.getMessage(), e);
        }
    }

    static String translate(String regex) {
        StringBuilder out = new StringBuilder(regex.length() + 16);
        int classDepth = 0;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                char e = regex.charAt(++i);
                switch (e) {
                    case 'h' -> out.append(classDepth > 0 ? HEX : "[" + HEX + "]");
                    case 'H' -> {
                        if (classDepth > 0) {
                            // A negated shorthand inside a class has no flat Java spelling.
                            throw new TokenizerException("regex uses \\H inside a character class, which is not supported: " + regex);
                        }
                        out.append("[^" + HEX + "]");
                    }
                    case 'v' -> out.append("\\x0B");
                    default -> out.append('\\').append(e);
                }
                continue;
            }
            if (c == '[') {
                classDepth++;
            } else if (c == ']' && classDepth > 0) {
                classDepth--;
            }
            out.append(c);
        }
        return out.toString();
    }
}
