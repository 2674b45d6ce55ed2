package io.bitnettt.generate.json;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The automaton against hand-written documents for every schema feature, each also judged by an
 * independent validator, and against documents drawn at random from the automaton itself.
 */
class JsonAutomatonTest {
    private static final JsonDecoding BYTES = ByteVocabulary.decoding(List.of());

    @Test
    void everyFeatureAcceptsItsValidDocumentsAndRejectsTheInvalidOnes() {
        List<String> failures = new ArrayList<>();
        for (SchemaFeatureCases c : SchemaFeatureCases.all()) {
            JsonAutomaton a = BYTES.automaton(JsonSchemaReader.read(c.schema()));
            IndependentValidator validator = IndependentValidator.of(c.schema());
            for (String doc : c.valid()) {
                if (!validator.valid(doc)) {
                    failures.add(c.feature() + ": the validator rejects the 'valid' case " + doc + " " + validator.problems(doc));
                }
                if (!ByteVocabulary.accepts(a, doc)) {
                    failures.add(c.feature() + ": the automaton rejects " + doc);
                }
            }
            for (String doc : c.invalid()) {
                if (validator.valid(doc)) {
                    failures.add(c.feature() + ": the validator accepts the 'invalid' case " + doc);
                }
                if (ByteVocabulary.accepts(a, doc)) {
                    failures.add(c.feature() + ": the automaton accepts " + doc);
                }
            }
            for (String doc : c.notCanonical()) {
                if (!validator.valid(doc)) {
                    failures.add(c.feature() + ": the validator rejects the valid non-canonical case " + doc);
                }
                if (ByteVocabulary.accepts(a, doc)) {
                    failures.add(c.feature() + ": the automaton accepts the non-canonical " + doc);
                }
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void randomDocumentsOfTheAutomatonAllValidate() {
        List<String> failures = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(7);
        for (SchemaFeatureCases c : SchemaFeatureCases.all()) {
            JsonAutomaton a = BYTES.automaton(JsonSchemaReader.read(c.schema()));
            IndependentValidator validator = IndependentValidator.of(c.schema());
            for (int i = 0; i < 150; i++) {
                String doc = randomDocument(a, random, 1 + random.nextInt(60));
                if (!validator.valid(doc)) {
                    failures.add(c.feature() + ": " + doc + " " + validator.problems(doc));
                }
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void invalidUtf8AndSurrogateEscapesNeverContinueAString() {
        JsonAutomaton a = BYTES.automaton(Schema.of(SchemaNode.STRING));
        int open = a.step(a.start(), '"');
        for (int[] bad : List.of(new int[] {0xc0, 0x80}, new int[] {0xed, 0xa0}, new int[] {0xf5}, new int[] {0x80},
                new int[] {0xe0, 0x80}, new int[] {0xf4, 0x90}, new int[] {0x0a}, new int[] {0x00})) {
            int s = open;
            for (int b : bad) {
                s = a.step(s, b);
            }
            assertEquals(JsonAutomaton.DEAD, s, () -> "bytes " + java.util.Arrays.toString(bad));
        }
        assertEquals(JsonAutomaton.DEAD, a.walk(open, "\\ud8".getBytes(StandardCharsets.US_ASCII)));
        assertNotEquals(JsonAutomaton.DEAD, a.walk(open, "\\ud7ff".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void distanceIsTheShortestWayToFinish() {
        JsonAutomaton a = BYTES.automaton(JsonSchemaReader.read(SchemaFeatureCases.PERSON));
        // {"name":"","age":0} is the shortest person: 20 bytes.
        assertEquals("{\"name\":\"\",\"age\":0}".length(), a.distance(a.start()));
        int s = a.walk(a.start(), "{\"name\":\"Ad".getBytes(StandardCharsets.UTF_8));
        assertEquals("\",\"age\":0}".length(), a.distance(s));
        assertEquals(0, a.distance(a.walk(a.start(), "{\"name\":\"\",\"age\":0}".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aSchemaWithoutAnyFiniteDocumentIsRefused() {
        String endless = "{\"$defs\":{\"n\":{\"type\":\"object\",\"properties\":{\"next\":{\"$ref\":\"#/$defs/n\"}},"
                + "\"required\":[\"next\"]}},\"$ref\":\"#/$defs/n\"}";
        UnsupportedSchemaException e = assertThrows(UnsupportedSchemaException.class,
                () -> BYTES.automaton(JsonSchemaReader.read(endless)));
        assertEquals("unsatisfiable schema", e.feature());
        // The same cycle through an optional property is fine: it can stop.
        JsonAutomaton a = BYTES.automaton(JsonSchemaReader.read(endless.replace("\"required\":[\"next\"]", "\"required\":[]")));
        assertTrue(ByteVocabulary.accepts(a, "{\"next\":{\"next\":{}}}"));
    }

    /**
     * Random bytes among those the automaton allows; after {@code length} bytes it only takes bytes
     * that bring the end closer, and it stops at the first complete state past that (or at random
     * before, where the document may end).
     */
    static String randomDocument(JsonAutomaton a, SplittableRandom random, int length) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int s = a.start();
        int[] live = new int[256];
        for (int step = 0; ; step++) {
            if (a.isComplete(s) && (step >= length || random.nextInt(8) == 0)) {
                return out.toString(StandardCharsets.UTF_8);
            }
            int n = 0;
            int best = Integer.MAX_VALUE;
            for (int b = 0; b < 256; b++) {
                int t = a.step(s, b);
                if (t == JsonAutomaton.DEAD) {
                    continue;
                }
                if (step >= length) {
                    int d = a.distance(t);
                    if (d < best) {
                        best = d;
                        n = 0;
                    } else if (d > best) {
                        continue;
                    }
                }
                live[n++] = b;
            }
            if (n == 0 && a.isComplete(s)) {
                return out.toString(StandardCharsets.UTF_8);
            }
            assertTrue(n > 0, "a live state without a continuation after " + out);
            int b = live[random.nextInt(n)];
            out.write(b);
            s = a.step(s, b);
        }
    }
}
