package io.bitnettt.tokenizer;

/** Input validation: BPE works on UTF-8 bytes, and a lone surrogate has no UTF-8 encoding. */
final class Utf16 {
    private Utf16() {
    }

    static void requireWellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                throw lone(c, i, "a high surrogate must be followed by a low surrogate (U+DC00..U+DFFF)");
            }
            if (Character.isLowSurrogate(c)) {
                throw lone(c, i, "a low surrogate must follow a high surrogate (U+D800..U+DBFF)");
            }
        }
    }

    private static TokenizerException lone(char c, int index, String rule) {
        return new TokenizerException(String.format(
                "text is not well-formed UTF-16: unpaired surrogate U+%04X at index %d; expected valid Unicode text (%s)",
                (int) c, index, rule));
    }
}
