package io.bitnettt.generate.json;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Small vocabularies for automaton tests: the 256 single bytes as ids 0-255, optional multi-byte
 * tokens after them, then one special end token.
 */
public final class ByteVocabulary {
    private ByteVocabulary() {
    }

    public static TokenTrie bytesAnd(List<String> extra) {
        return bytesAndRaw(extra.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList());
    }

    static TokenTrie bytesAndRaw(List<byte[]> extra) {
        byte[][] tokens = new byte[256 + extra.size() + 1][];
        for (int b = 0; b < 256; b++) {
            tokens[b] = new byte[] {(byte) b};
        }
        for (int i = 0; i < extra.size(); i++) {
            tokens[256 + i] = extra.get(i);
        }
        return TokenTrie.of(tokens, tokens.length);
    }

    public static int endToken(TokenTrie trie) {
        return trie.logitsSize() - 1;
    }

    public static JsonDecoding decoding(List<String> extra) {
        TokenTrie trie = bytesAnd(extra);
        return new JsonDecoding(trie, endToken(trie));
    }

    /** Whether the automaton reads {@code doc} as one whole document. */
    public static boolean accepts(JsonAutomaton a, String doc) {
        int s = a.walk(a.start(), doc.getBytes(StandardCharsets.UTF_8));
        return s != JsonAutomaton.DEAD && a.isComplete(s);
    }

    /** Whether {@code doc} begins some document. */
    static boolean viablePrefix(JsonAutomaton a, String doc) {
        return a.walk(a.start(), doc.getBytes(StandardCharsets.UTF_8)) != JsonAutomaton.DEAD;
    }
}
