package io.bitnettt.generate.json;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles a {@link Schema} into a {@link ByteGrammar} that spells exactly the compact JSON documents
 * the decoder may write: no whitespace, object keys in the schema's order, strings as well-formed
 * UTF-8 (escapes {@code \" \\ \/ \b \f \n \r \t \\uXXXX}, no surrogate escapes), numbers in JSON
 * syntax with bounded digit counts. Equal sub-schemas share one procedure.
 */
public final class GrammarCompiler {
    /**
     * Most digits of an integer, of a number's integer part and of its fraction (llama.cpp's JSON
     * grammar uses the same bound): every integer fits a {@code long}, and a weak model cannot fill
     * its whole budget with one number.
     */
    public static final int MAX_DIGITS = 16;
    /**
     * Most digits of an exponent: with at most {@link #MAX_DIGITS} digits before it, every number is a
     * finite double (a JSON parser turns 1e999 into infinity, and validators refuse it).
     */
    public static final int MAX_EXPONENT_DIGITS = 2;

    private final Schema schema;
    private final ByteGrammar.Builder g = new ByteGrammar.Builder();
    private final Map<SchemaNode, Integer> procedures = new HashMap<>();

    private GrammarCompiler(Schema schema) {
        this.schema = schema;
    }

    /**
     * @throws UnsupportedSchemaException when a reference has no definition or no finite document
     *                                    satisfies the schema
     */
    static ByteGrammar compile(Schema schema) {
        GrammarCompiler c = new GrammarCompiler(schema);
        int start = c.procedure(schema.root());
        ByteGrammar grammar = c.g.build(start);
        if (grammar.distanceToExit[start] >= ByteGrammar.UNREACHABLE) {
            throw new UnsupportedSchemaException("unsatisfiable schema",
                    "the schema admits no finite JSON document (a required property or reference cycle never ends)");
        }
        return grammar;
    }

    /**
     * Compiles {@code schema} only to see that it can be: what a command line checks before it loads
     * a model.
     *
     * @throws UnsupportedSchemaException as {@link JsonDecoding#automaton(Schema)} would
     */
    public static void check(Schema schema) {
        compile(schema);
    }

    /** The start node of the procedure for {@code s}, compiling it on first use. */
    private int procedure(SchemaNode s) {
        Integer known = procedures.get(s);
        if (known != null) {
            return known;
        }
        int start = g.node();
        // Registered before the body, so a recursive reference finds it.
        procedures.put(s, start);
        int exit = g.node();
        g.accept(exit);
        switch (s) {
            case SchemaNode.AnyValue any -> {
                for (SchemaNode option : List.of(new SchemaNode.ObjectValue(List.of(), SchemaNode.ANY),
                        new SchemaNode.ArrayValue(SchemaNode.ANY), SchemaNode.STRING, SchemaNode.NUMBER,
                        SchemaNode.BOOLEAN, SchemaNode.NULL)) {
                    g.eps(start, procedure(option));
                }
            }
            case SchemaNode.StringValue str -> string(start, exit);
            case SchemaNode.IntegerValue i -> {
                int afterDigits = g.node();
                integer(start, afterDigits);
                g.eps(afterDigits, exit);
            }
            case SchemaNode.NumberValue n -> number(start, exit);
            case SchemaNode.Literals l -> literals(start, exit, l.json());
            case SchemaNode.ObjectValue o -> {
                if (o.properties().isEmpty()) {
                    map(start, exit, o.mapValues());
                } else {
                    object(start, exit, o.properties());
                }
            }
            case SchemaNode.ArrayValue a -> array(start, exit, a.items());
            case SchemaNode.AnyOf a -> {
                for (SchemaNode option : a.options()) {
                    g.eps(start, procedure(option));
                }
            }
            case SchemaNode.Ref r -> {
                SchemaNode target = schema.definitions().get(r.name());
                if (target == null) {
                    throw new UnsupportedSchemaException("$ref", "the reference '" + r.name()
                            + "' names no definition; defined are " + schema.definitions().keySet());
                }
                g.eps(start, procedure(target));
            }
        }
        return start;
    }

    private void string(int start, int exit) {
        int content = g.node();
        g.b(start, '"', content);
        g.b(content, '"', exit);
        // Printable ASCII except the quote and backslash; control characters must be escaped.
        g.bytes(content, 0x20, 0x21, content);
        g.bytes(content, 0x23, 0x5b, content);
        g.bytes(content, 0x5d, 0x7f, content);
        // Well-formed UTF-8 only (Unicode 15, table 3-7), so the text always decodes.
        int tail1 = g.node();
        int tail2 = g.node();
        int tail3 = g.node();
        g.bytes(tail1, 0x80, 0xbf, content);
        g.bytes(tail2, 0x80, 0xbf, tail1);
        g.bytes(tail3, 0x80, 0xbf, tail2);
        g.bytes(content, 0xc2, 0xdf, tail1);
        int e0 = g.node();
        g.b(content, 0xe0, e0);
        g.bytes(e0, 0xa0, 0xbf, tail1);
        g.bytes(content, 0xe1, 0xec, tail2);
        int ed = g.node();
        g.b(content, 0xed, ed);
        g.bytes(ed, 0x80, 0x9f, tail1);
        g.bytes(content, 0xee, 0xef, tail2);
        int f0 = g.node();
        g.b(content, 0xf0, f0);
        g.bytes(f0, 0x90, 0xbf, tail2);
        g.bytes(content, 0xf1, 0xf3, tail3);
        int f4 = g.node();
        g.b(content, 0xf4, f4);
        g.bytes(f4, 0x80, 0x8f, tail2);
        int escape = g.node();
        g.b(content, '\\', escape);
        for (char c : "\"\\/bfnrt".toCharArray()) {
            g.b(escape, c, content);
        }
        // \\uXXXX outside the surrogate range D800-DFFF: a lone surrogate would not survive decoding.
        int u1 = g.node();
        int u2 = g.node();
        int u2NoSurrogate = g.node();
        int u3 = g.node();
        int u4 = g.node();
        g.b(escape, 'u', u1);
        hex(u1, u2, "0123456789abcefABCEF");
        hex(u1, u2NoSurrogate, "dD");
        hex(u2, u3, "0123456789abcdefABCDEF");
        hex(u2NoSurrogate, u3, "01234567");
        hex(u3, u4, "0123456789abcdefABCDEF");
        hex(u4, content, "0123456789abcdefABCDEF");
    }

    private void hex(int from, int to, String chars) {
        for (char c : chars.toCharArray()) {
            g.b(from, c, to);
        }
    }

    /** {@code -?(0|[1-9][0-9]{0,MAX_DIGITS-1})} from {@code start}, ending at {@code end}. */
    private void integer(int start, int end) {
        int sign = g.node();
        g.b(start, '-', sign);
        g.eps(start, sign);
        g.b(sign, '0', end);
        int digits = g.node();
        g.bytes(sign, '1', '9', digits);
        for (int k = 1; k <= MAX_DIGITS; k++) {
            g.eps(digits, end);
            if (k < MAX_DIGITS) {
                int next = g.node();
                g.bytes(digits, '0', '9', next);
                digits = next;
            }
        }
    }

    private void number(int start, int exit) {
        int integerPart = g.node();
        integer(start, integerPart);
        g.eps(integerPart, exit);
        int afterFraction = g.node();
        g.eps(afterFraction, exit);
        int dot = g.node();
        g.b(integerPart, '.', dot);
        int digits = dot;
        for (int k = 1; k <= MAX_DIGITS; k++) {
            int next = g.node();
            g.bytes(digits, '0', '9', next);
            g.eps(next, afterFraction);
            digits = next;
        }
        int e = g.node();
        g.b(integerPart, 'e', e);
        g.b(integerPart, 'E', e);
        g.b(afterFraction, 'e', e);
        g.b(afterFraction, 'E', e);
        int sign = g.node();
        g.b(e, '+', sign);
        g.b(e, '-', sign);
        g.eps(e, sign);
        digits = sign;
        for (int k = 1; k <= MAX_EXPONENT_DIGITS; k++) {
            int next = g.node();
            g.bytes(digits, '0', '9', next);
            g.eps(next, exit);
            digits = next;
        }
    }

    /** A byte trie of the alternatives, so values sharing a prefix share its nodes. */
    private void literals(int start, int exit, List<String> values) {
        Map<Long, Integer> children = new HashMap<>();
        for (String v : values) {
            int at = start;
            for (byte x : v.getBytes(StandardCharsets.UTF_8)) {
                long key = ((long) at << 8) | (x & 0xff);
                Integer next = children.get(key);
                if (next == null) {
                    next = g.node();
                    children.put(key, next);
                    g.b(at, x & 0xff, next);
                }
                at = next;
            }
            g.eps(at, exit);
        }
    }

    /**
     * Keys in the listed order. Node {@code before[i][first]} stands before property i, with
     * {@code first} telling whether no property has been written yet (so no comma is due).
     */
    private void object(int start, int exit, List<SchemaNode.Property> properties) {
        int n = properties.size();
        int[][] before = new int[n + 1][2];
        for (int i = 0; i <= n; i++) {
            before[i][0] = g.node();
            before[i][1] = g.node();
        }
        g.b(start, '{', before[0][1]);
        for (int i = 0; i < n; i++) {
            SchemaNode.Property p = properties.get(i);
            int key = g.node();
            g.eps(before[i][1], key);
            g.b(before[i][0], ',', key);
            int value = g.literal(key, (JsonText.quote(p.name()) + ":").getBytes(StandardCharsets.UTF_8));
            g.call(value, procedure(p.value()), before[i + 1][0]);
            if (!p.required()) {
                g.eps(before[i][0], before[i + 1][0]);
                g.eps(before[i][1], before[i + 1][1]);
            }
        }
        g.b(before[n][0], '}', exit);
        g.b(before[n][1], '}', exit);
    }

    /** A free-form object: any string keys, values following {@code values} (none at all when null). */
    private void map(int start, int exit, SchemaNode values) {
        int open = g.node();
        g.b(start, '{', open);
        g.b(open, '}', exit);
        if (values == null) {
            return;
        }
        int key = g.node();
        int colon = g.node();
        int value = g.node();
        int after = g.node();
        g.eps(open, key);
        g.call(key, procedure(SchemaNode.STRING), colon);
        g.b(colon, ':', value);
        g.call(value, procedure(values), after);
        g.b(after, ',', key);
        g.b(after, '}', exit);
    }

    private void array(int start, int exit, SchemaNode items) {
        int open = g.node();
        int item = g.node();
        int after = g.node();
        g.b(start, '[', open);
        g.b(open, ']', exit);
        g.eps(open, item);
        g.call(item, procedure(items), after);
        g.b(after, ',', item);
        g.b(after, ']', exit);
    }
}
