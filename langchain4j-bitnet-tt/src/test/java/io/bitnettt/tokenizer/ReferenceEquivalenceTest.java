package io.bitnettt.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exact id equality with @huggingface/tokenizers over a varied corpus, in both special-token modes. */
class ReferenceEquivalenceTest {
    @TempDir
    static Path work;

    static List<String> corpus;
    static List<ReferenceTokenizer.Ids> reference;
    static BpeTokenizer tokenizer;

    @BeforeAll
    static void runReference() throws Exception {
        corpus = TokenizerCorpus.all();
        reference = ReferenceTokenizer.encode(corpus, work);
        tokenizer = Llama3Tokenizer.get();
    }

    @Test
    void specialTokensRecognisedMatchesReference() {
        assertAllEqual(true);
    }

    @Test
    void specialTokensAsPlainTextMatchesReference() {
        assertAllEqual(false);
    }

    private static void assertAllEqual(boolean allowSpecial) {
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            int[] expected = allowSpecial ? reference.get(i).special() : reference.get(i).plain();
            int[] actual = tokenizer.encode(corpus.get(i), allowSpecial);
            if (!Arrays.equals(expected, actual)) {
                mismatches.add("#" + i + " " + quote(corpus.get(i)) + "\n   expected " + Arrays.toString(expected)
                        + "\n   actual   " + Arrays.toString(actual));
            }
        }
        assertEquals(List.of(), mismatches, mismatches.size() + " of " + corpus.size() + " strings differ");
    }

    @Test
    void decodeInvertsEncodeInBothModes() {
        for (String text : corpus) {
            assertEquals(text, tokenizer.decode(tokenizer.encode(text, false)), () -> quote(text));
            assertEquals(text, tokenizer.decode(tokenizer.encode(text, true)), () -> quote(text));
        }
    }

    @Test
    void streamingDecodeEqualsWholeDecode() {
        for (String text : corpus) {
            int[] ids = tokenizer.encode(text, true);
            StreamingDecoder d = tokenizer.streamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                String piece = d.push(id);
                // Never half a character: every emitted piece is well-formed on its own.
                assertWellFormed(piece);
                sb.append(piece);
            }
            sb.append(d.flush());
            assertEquals(text, sb.toString(), () -> quote(text));
        }
    }

    @Test
    void referenceSplitsSpecialStringsOnlyWhenAllowed() {
        int i = corpus.indexOf("<|eot_id|>");
        assertArrayEquals(new int[] {128009}, reference.get(i).special());
        assertEquals(7, reference.get(i).plain().length);
    }

    private static void assertWellFormed(String s) {
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (Character.isHighSurrogate(c)) {
                assertEquals(true, k + 1 < s.length() && Character.isLowSurrogate(s.charAt(++k)), "split surrogate pair in " + quote(s));
            } else {
                assertEquals(false, Character.isLowSurrogate(c), "lone low surrogate in " + quote(s));
            }
        }
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        String shown = s.length() > 120 ? s.substring(0, 120) + "...(" + s.length() + " chars)" : s;
        shown.codePoints().forEach(cp -> {
            if (cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || Character.isWhitespace(cp) && cp != ' ' || cp == 0x2028 || cp == 0xFEFF || cp == 0x200B) {
                sb.append(String.format("\\u%04X", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.append('"').toString();
    }
}
