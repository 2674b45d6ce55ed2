package io.bitnettt.tokenizer;

/**
 * Jinja's {@code trim} filter is Python's {@code str.strip()}, whose whitespace set differs from
 * Java's {@link String#strip()}: Python also strips NBSP (U+00A0), U+2007 and U+202F (Java's
 * isWhitespace excludes non-breaking spaces), so the set is spelled out here.
 */
final class PythonStrings {
    private PythonStrings() {
    }

    static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isPythonSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isPythonSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    /** Python's str.isspace() for one char (all such chars are in the BMP). */
    static boolean isPythonSpace(char c) {
        return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
    }
}
