package io.bitnettt.generate.json;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Masks from the one-pass trie walk against the obvious definition (walk each token's bytes on its
 * own), and the budget rule: a document is always finished, end token included, within the budget.
 */
class TokenMaskTest {
    /** Multi-byte tokens as a BPE vocabulary has them: structure, keys, UTF-8 split across tokens. */
    static final List<byte[]> EXTRA = List.of(b("{\""), b("\":"), b("\"}"), b("},{\""), b("true"), b("false"),
            b("null"), b("ab"), b("\"a"), b("name"), b("\":\""), b("\",\""), b("]}"), b("[{\""), b("12"), b("3."),
            b("é"), b("😀"), new byte[] {(byte) 0xf0, (byte) 0x9f}, new byte[] {(byte) 0x98, (byte) 0x80},
            b("\"name\":\""), b("\",\"age\":"), b("}}"), b("}]"), b("\\n"), b("\\u00"), b(" "), b("\n"),
            b("{\"value\":"), b(",\"children\":[]"), b("\"}]}"), b("e+"), b("-0"), b("red"), b("\"gr"),
            b("ey\""),
            // Nested plain tokens (one subtree taken at once inside strings) and a plain prefix with a quote below it.
            b("na"), b("nam"), b("Hello"), b("Hello world"), b("Hello \""), b("Hello \\n"));

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final TokenTrie TRIE = ByteVocabulary.bytesAndRaw(EXTRA);
    private static final int END = ByteVocabulary.endToken(TRIE);
    private static final JsonDecoding DECODING = new JsonDecoding(TRIE, END);

    @Test
    void theTrieWalkAllowsExactlyTheTokensThatContinueADocument() {
        SplittableRandom random = new SplittableRandom(11);
        int checked = 0;
        for (SchemaFeatureCases c : SchemaFeatureCases.all()) {
            JsonAutomaton a = DECODING.automaton(JsonSchemaReader.read(c.schema()));
            for (int i = 0; i < 20; i++) {
                String doc = JsonAutomatonTest.randomDocument(a, random, random.nextInt(40));
                byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
                int s = a.start();
                for (int k = 0; k <= bytes.length; k++) {
                    assertMaskIsExact(a, s, c.feature() + " after '" + new String(bytes, 0, k, StandardCharsets.UTF_8) + "'");
                    checked++;
                    if (k < bytes.length) {
                        s = a.step(s, bytes[k] & 0xff);
                    }
                }
            }
        }
        assertTrue(checked > 1000, "states checked: " + checked);
    }

    private static void assertMaskIsExact(JsonAutomaton a, int state, String where) {
        float[] logits = new float[TRIE.logitsSize()];
        Arrays.fill(logits, 1f);
        a.mask(state).apply(logits, END, new float[logits.length]);
        for (int t = 0; t < logits.length; t++) {
            byte[] bytes = TRIE.bytes(t);
            boolean expected = t == END ? a.isComplete(state)
                    : bytes != null && a.walk(state, bytes) != JsonAutomaton.DEAD;
            boolean allowed = logits[t] == 1f;
            if (expected != allowed) {
                fail(where + ": token " + t + " (" + (bytes == null ? "end" : new String(bytes, StandardCharsets.UTF_8))
                        + ") is " + (allowed ? "allowed" : "masked") + " but should be " + (expected ? "allowed" : "masked"));
            }
        }
    }

    @Test
    void masksAreCachedPerStateAndReusedAcrossRequests() {
        JsonAutomaton a = DECODING.automaton(JsonSchemaReader.read(SchemaFeatureCases.PERSON));
        assertSame(a, DECODING.automaton(JsonSchemaReader.read(SchemaFeatureCases.PERSON)));
        int s = a.walk(a.start(), b("{\"name\":\"A"));
        assertSame(a.mask(s), a.mask(s));
        // Inside a string most tokens are allowed, so the mask lists the forbidden ones.
        assertFalse(a.mask(s).listsAllowed);
        assertTrue(a.mask(a.start()).listsAllowed);
    }

    @Test
    void aDocumentIsAlwaysFinishedWithinTheBudgetEvenWhenTheModelWantsToGoOn() {
        List<String> failures = new ArrayList<>();
        for (SchemaFeatureCases c : SchemaFeatureCases.all()) {
            IndependentValidator validator = IndependentValidator.of(c.schema());
            JsonAutomaton a = DECODING.automaton(JsonSchemaReader.read(c.schema()));
            int shortest = a.distance(a.start());
            for (int budget = shortest + 1; budget <= shortest + 12; budget++) {
                for (long seed = 0; seed < 3; seed++) {
                    String doc = generate(DECODING.constraint(JsonSchemaReader.read(c.schema())), budget, seed, failures,
                            c.feature());
                    if (doc != null && !validator.valid(doc)) {
                        failures.add(c.feature() + " budget " + budget + ": " + doc + " " + validator.problems(doc));
                    }
                }
            }
        }
        assertEquals(List.of(), failures);
    }

    /**
     * Greedy decoding over logits that prefer letters and digits (which keep strings and numbers
     * going) and dislike the end token; returns the text, or null after recording a failure.
     */
    private static String generate(JsonConstraint c, int budget, long seed, List<String> failures, String feature) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] logits = new float[TRIE.logitsSize()];
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int used = 0; used < budget; used++) {
            for (int t = 0; t < logits.length; t++) {
                byte[] bytes = TRIE.bytes(t);
                boolean word = bytes != null && bytes.length == 1 && Character.isLetterOrDigit(bytes[0]);
                logits[t] = (float) random.nextDouble() + (word ? 5f : 0f) - (t == END ? 10f : 0f);
            }
            c.mask(logits, budget - used);
            int next = 0;
            for (int t = 1; t < logits.length; t++) {
                if (logits[t] > logits[next]) {
                    next = t;
                }
            }
            assertNotEquals(Float.NEGATIVE_INFINITY, logits[next]);
            c.accept(next);
            if (next == END) {
                return out.toString(StandardCharsets.UTF_8);
            }
            out.writeBytes(TRIE.bytes(next));
        }
        failures.add(feature + ": no end token within " + budget + " tokens: " + out.toString(StandardCharsets.UTF_8));
        return null;
    }
}
