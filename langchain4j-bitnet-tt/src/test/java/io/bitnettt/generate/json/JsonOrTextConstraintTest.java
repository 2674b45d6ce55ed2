package io.bitnettt.generate.json;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The tool-choice AUTO rule: the first token decides between a JSON document and free text. */
class JsonOrTextConstraintTest {
    private static final List<String> EXTRA = List.of("{\"", "{\n", "{ ", "{\"name\":\"", "Hello", " {");
    private static final TokenTrie TRIE = ByteVocabulary.bytesAnd(EXTRA);
    private static final int END = ByteVocabulary.endToken(TRIE);
    private static final JsonDecoding DECODING = new JsonDecoding(TRIE, END);
    private static final Schema CALL = JsonSchemaReader.read("""
            {"type":"object","properties":{"name":{"enum":["clock"]},"arguments":{"type":"object",\
            "additionalProperties":false}},"required":["name","arguments"],"additionalProperties":false}""");

    private static int id(String token) {
        return 256 + EXTRA.indexOf(token);
    }

    @Test
    void theFirstMaskForbidsOnlyTokensThatStartLikeADocumentButCannotBeOne() {
        JsonOrTextConstraint c = DECODING.documentOrText(CALL);
        float[] logits = new float[TRIE.logitsSize()];
        Arrays.fill(logits, 1f);
        c.mask(logits, 100);
        assertEquals(1f, logits['{'], "'{' starts a call");
        assertEquals(1f, logits[id("{\"")]);
        assertEquals(1f, logits[id("{\"name\":\"")]);
        assertEquals(Float.NEGATIVE_INFINITY, logits[id("{\n")], "a '{' that cannot start the call is no text either");
        assertEquals(Float.NEGATIVE_INFINITY, logits[id("{ ")]);
        assertEquals(1f, logits['H']);
        assertEquals(1f, logits[id("Hello")]);
        assertEquals(1f, logits[id(" {")], "text may contain braces after its first byte");
        assertEquals(1f, logits[END], "an empty answer is text");
    }

    @Test
    void aFirstTokenThatStartsTheDocumentConstrainsTheRest() {
        JsonOrTextConstraint c = DECODING.documentOrText(CALL);
        c.mask(new float[TRIE.logitsSize()], 100);
        c.accept(id("{\"name\":\""));
        assertTrue(c.choseJson());
        assertTrue(c.active());
        float[] logits = new float[TRIE.logitsSize()];
        c.mask(logits, 100);
        // Only "clock" can follow: its 'c' and nothing else.
        for (int t = 0; t < logits.length; t++) {
            assertEquals(t == 'c' ? 0f : Float.NEGATIVE_INFINITY, logits[t], "token " + t);
        }
        for (byte b : "clock\",\"arguments\":{}}".getBytes(StandardCharsets.UTF_8)) {
            c.accept(b);
        }
        assertTrue(c.completeJson());
        c.mask(logits, 100);
        c.accept(END);
        assertFalse(c.active());
    }

    @Test
    void anyOtherFirstTokenMakesFreeText() {
        JsonOrTextConstraint c = DECODING.documentOrText(CALL);
        c.mask(new float[TRIE.logitsSize()], 100);
        c.accept(id("Hello"));
        assertFalse(c.choseJson());
        assertFalse(c.active(), "text is not constrained: the session may use the device's shortcuts again");
        c.accept('{'); // later braces are just text
        assertFalse(c.choseJson());
    }
}
