package io.bitnettt.langchain4j;

import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonReferenceSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import io.bitnettt.generate.json.ByteVocabulary;
import io.bitnettt.generate.json.IndependentValidator;
import io.bitnettt.generate.json.JsonAutomaton;
import io.bitnettt.generate.json.JsonDecoding;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * LangChain4j's schema elements as the decoder reads them, against hand-written documents judged by
 * the independent validator on LangChain4j's own JSON rendering of the same schema.
 */
class SchemaMappingTest {
    private static final JsonDecoding BYTES = ByteVocabulary.decoding(List.of());

    private static JsonSchema schema(String name) {
        return DemoSchemas.all().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    private record Case(JsonSchema schema, List<String> valid, List<String> invalid) {
    }

    @Test
    void everyElementTypeAcceptsItsDocumentsAndNothingTheValidatorRejects() {
        List<Case> cases = List.of(
                new Case(schema("person"), List.of("{\"name\":\"A\",\"age\":1}", "{\"name\":\"A\",\"age\":1,\"nickname\":\"b\"}"),
                        List.of("{\"name\":\"A\"}", "{\"name\":\"A\",\"age\":1.5}", "{\"age\":1,\"name\":\"A\"}")),
                new Case(schema("enumValue"), List.of("{\"value\":\"RED\"}"), List.of("{\"value\":\"red\"}", "{}")),
                new Case(schema("measurement"), List.of("{\"value\":-2.5e3,\"unit\":\"mm\"}"),
                        List.of("{\"value\":\"2\",\"unit\":\"mm\"}", "{\"value\":2,\"unit\":\"km\"}")),
                new Case(schema("anyOfScalar"), List.of("{\"result\":\"x\"}", "{\"result\":3}", "{\"result\":null}"),
                        List.of("{\"result\":true}", "{\"result\":[]}")),
                new Case(schema("tree"), List.of("{\"value\":1,\"children\":[{\"value\":2,\"children\":[]}]}"),
                        List.of("{\"value\":1,\"children\":[{\"value\":2}]}")),
                new Case(schema("freeMap"), List.of("{\"counts\":{}}", "{\"counts\":{\"a\":1,\"b\":[true]}}"),
                        List.of("{\"counts\":[]}", "{}")),
                new Case(schema("closedEmpty"), List.of("{}"), List.of("[]", "null")),
                new Case(schema("grid"), List.of("{\"grid\":[[1,2],[],[3]]}"), List.of("{\"grid\":[1]}", "{\"grid\":[[1.5]]}")),
                new Case(schema("nothing"), List.of("{\"nothing\":null}"), List.of("{\"nothing\":0}")),
                new Case(schema("shape"), List.of("{\"shape\":{\"kind\":\"circle\",\"radius\":1}}",
                        "{\"shape\":{\"kind\":\"square\",\"side\":2}}"),
                        List.of("{\"shape\":{\"kind\":\"circle\",\"side\":1}}", "{\"shape\":{\"kind\":\"triangle\",\"side\":1}}")),
                new Case(schema("arrayRoot"), List.of("[]", "[{\"id\":\"x\",\"color\":\"BLUE\"}]"),
                        List.of("[{\"id\":\"x\"}]", "{}")),
                new Case(schema("raw"), List.of("{\"version\":2,\"label\":null,\"level\":3}", "{\"version\":2,\"label\":\"a\",\"level\":1}"),
                        List.of("{\"version\":3,\"label\":null,\"level\":3}", "{\"version\":2,\"label\":null,\"level\":4}")),
                new Case(schema("weekdays"), List.of("{\"days\":[\"MONDAY\",\"FRIDAY\"],\"count\":2,\"ok\":true}"),
                        List.of("{\"days\":[\"SUNDAY\"],\"count\":2,\"ok\":true}")));
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            JsonAutomaton a = BYTES.automaton(SchemaMapping.schema(c.schema()));
            IndependentValidator validator = IndependentValidator.of(DemoSchemas.jsonSchemaText(c.schema()));
            for (String doc : c.valid()) {
                if (!ByteVocabulary.accepts(a, doc) || !validator.valid(doc)) {
                    failures.add(c.schema().name() + " valid " + doc + ": automaton " + ByteVocabulary.accepts(a, doc)
                            + ", validator " + validator.problems(doc));
                }
            }
            for (String doc : c.invalid()) {
                if (ByteVocabulary.accepts(a, doc)) {
                    failures.add(c.schema().name() + " accepts " + doc);
                }
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void definitionsOfToolsDoNotClash() {
        // Two tools with a definition called "item" each, of different types.
        JsonObjectSchema strings = JsonObjectSchema.builder().addProperty("x", JsonReferenceSchema.builder()
                .reference("item").build()).required("x").definitions(Map.of("item", new JsonStringSchema())).build();
        JsonObjectSchema lists = JsonObjectSchema.builder().addProperty("x", JsonReferenceSchema.builder()
                .reference("item").build()).required("x").definitions(Map.of("item", JsonArraySchema.builder()
                .items(new JsonStringSchema()).build())).build();
        var tools = List.of(dev.langchain4j.agent.tool.ToolSpecification.builder().name("s").parameters(strings).build(),
                dev.langchain4j.agent.tool.ToolSpecification.builder().name("l").parameters(lists).build());
        JsonAutomaton a = BYTES.automaton(ToolCalls.callSchema(tools));
        assertTrue(ByteVocabulary.accepts(a, "{\"name\":\"s\",\"arguments\":{\"x\":\"a\"}}"));
        assertTrue(ByteVocabulary.accepts(a, "{\"name\":\"l\",\"arguments\":{\"x\":[\"a\"]}}"));
        assertFalse(ByteVocabulary.accepts(a, "{\"name\":\"s\",\"arguments\":{\"x\":[\"a\"]}}"));
        assertFalse(ByteVocabulary.accepts(a, "{\"name\":\"l\",\"arguments\":{\"x\":\"a\"}}"));
    }

    @Test
    void anUnknownElementTypeIsRefusedByName() {
        JsonSchemaElement custom = () -> "mine";
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class,
                () -> SchemaMapping.schema(JsonSchema.builder().name("c").rootElement(custom).build()));
        assertTrue(e.getMessage().startsWith("JSON schema element "), e.getMessage());
        UnsupportedFeatureException raw = assertThrows(UnsupportedFeatureException.class, () -> SchemaMapping.schema(
                JsonSchema.builder().name("r").rootElement(JsonRawSchema.from("{\"type\":\"string\",\"maxLength\":3}"))
                        .build()));
        assertTrue(raw.getMessage().contains("'maxLength'"), raw.getMessage());
    }
}
