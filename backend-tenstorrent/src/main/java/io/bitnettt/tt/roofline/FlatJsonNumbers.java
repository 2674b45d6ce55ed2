package io.bitnettt.tt.roofline;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the top-level numeric members of a JSON object (a counts file, or a Hugging Face
 * config.json). Other members (strings, booleans, null, arrays, objects) are parsed and skipped.
 */
final class FlatJsonNumbers {

    private final String text;
    private final String source;
    private int pos;

    private FlatJsonNumbers(String text, String source) {
        this.text = text;
        this.source = source;
    }

    static Map<String, Double> parse(String text, String source) {
        FlatJsonNumbers p = new FlatJsonNumbers(text, source);
        Map<String, Double> out = new LinkedHashMap<>();
        p.skipSpace();
        p.expect('{');
        p.skipSpace();
        if (p.peek() == '}') {
            p.pos++;
        } else {
            while (true) {
                p.skipSpace();
                String key = p.string();
                p.skipSpace();
                p.expect(':');
                p.skipSpace();
                char c = p.peek();
                if (c == '-' || (c >= '0' && c <= '9')) {
                    out.put(key, p.number());
                } else {
                    p.skipValue();
                }
                p.skipSpace();
                if (p.peek() == ',') {
                    p.pos++;
                    continue;
                }
                p.expect('}');
                break;
            }
        }
        p.skipSpace();
        if (p.pos != text.length()) throw p.error("trailing content");
        return out;
    }

    private void skipValue() {
        char c = peek();
        if (c == '"') {
            string();
        } else if (c == '{' || c == '[') {
            char open = c, close = c == '{' ? '}' : ']';
            int depth = 0;
            do {
                char d = peek();
                if (d == '"') {
                    string();
                    continue;
                }
                if (d == open) depth++;
                if (d == close) depth--;
                pos++;
            } while (depth > 0);
        } else if (text.startsWith("true", pos)) {
            pos += 4;
        } else if (text.startsWith("false", pos)) {
            pos += 5;
        } else if (text.startsWith("null", pos)) {
            pos += 4;
        } else {
            throw error("unexpected '" + c + "'");
        }
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = peek();
            pos++;
            if (c == '"') return b.toString();
            if (c == '\\') {
                b.append(peek());
                pos++;
            } else {
                b.append(c);
            }
        }
    }

    private double number() {
        int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) pos++;
        try {
            return Double.parseDouble(text.substring(start, pos));
        } catch (NumberFormatException e) {
            throw error("bad number '" + text.substring(start, pos) + "'");
        }
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) pos++;
    }

    private char peek() {
        if (pos >= text.length()) throw error("unexpected end");
        return text.charAt(pos);
    }

    private void expect(char c) {
        if (peek() != c) throw error("expected '" + c + "', got '" + peek() + "'");
        pos++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(source + ": JSON " + what + " at offset " + pos);
    }
}
