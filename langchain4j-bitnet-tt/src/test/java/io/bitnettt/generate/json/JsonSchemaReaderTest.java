package io.bitnettt.generate.json;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Reading JSON Schema documents: what is supported becomes nodes; anything else is refused by name. */
class JsonSchemaReaderTest {
    @Test
    void supportedKeywordsBecomeNodes() {
        Schema s = JsonSchemaReader.read("""
                {"$schema":"https://json-schema.org/draft/2020-12/schema","title":"t","type":"object",\
                "properties":{"a":{"type":"string","description":"d"},"b":{"type":["integer","null"]},\
                "c":{"enum":["x",1]},"d":{"$ref":"#/$defs/D"}},"required":["a","z"],\
                "$defs":{"D":{"type":"array","items":{"const":true}}}}""");
        assertEquals(new SchemaNode.ObjectValue(List.of(
                new SchemaNode.Property("a", SchemaNode.STRING, true),
                new SchemaNode.Property("b", new SchemaNode.AnyOf(List.of(SchemaNode.INTEGER, SchemaNode.NULL)), false),
                new SchemaNode.Property("c", new SchemaNode.Literals(List.of("\"x\"", "1")), false),
                new SchemaNode.Property("d", new SchemaNode.Ref("#/$defs/D"), false),
                new SchemaNode.Property("z", SchemaNode.ANY, true)), null), s.root());
        assertEquals(new SchemaNode.ArrayValue(new SchemaNode.Literals(List.of("true"))), s.definitions().get("#/$defs/D"));
    }

    @Test
    void enumValuesOfTheWrongTypeAreDropped() {
        assertEquals(new SchemaNode.Literals(List.of("\"a\"")),
                JsonSchemaReader.read("{\"type\":\"string\",\"enum\":[\"a\",1,null]}").root());
        UnsupportedSchemaException e = assertThrows(UnsupportedSchemaException.class,
                () -> JsonSchemaReader.read("{\"type\":\"string\",\"enum\":[1,2]}"));
        assertEquals("unsatisfiable schema", e.feature());
    }

    @Test
    void everyUnsupportedKeywordIsRefusedByName() {
        Map<String, String> cases = Map.ofEntries(
                Map.entry("pattern", "{\"type\":\"string\",\"pattern\":\"^a\"}"),
                Map.entry("minLength", "{\"type\":\"string\",\"minLength\":2}"),
                Map.entry("format", "{\"type\":\"string\",\"format\":\"date\"}"),
                Map.entry("minimum", "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"minimum\":0}}}"),
                Map.entry("maxItems", "{\"type\":\"array\",\"maxItems\":3}"),
                Map.entry("uniqueItems", "{\"type\":\"array\",\"uniqueItems\":true}"),
                Map.entry("oneOf", "{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}"),
                Map.entry("allOf", "{\"allOf\":[{\"type\":\"string\"}]}"),
                Map.entry("not", "{\"not\":{\"type\":\"string\"}}"),
                Map.entry("if", "{\"if\":{\"type\":\"string\"},\"then\":{}}"),
                Map.entry("patternProperties", "{\"type\":\"object\",\"patternProperties\":{\"^a\":{}}}"),
                Map.entry("prefixItems", "{\"type\":\"array\",\"prefixItems\":[{}]}"),
                Map.entry("$ref", "{\"$ref\":\"https://example.com/s.json\"}"),
                Map.entry("anyOf with type", "{\"type\":\"string\",\"anyOf\":[{\"type\":\"string\"}]}"),
                Map.entry("nested $defs", "{\"$defs\":{\"a\":{\"$defs\":{\"b\":{}}}},\"$ref\":\"#/$defs/a\"}"),
                Map.entry("false schema", "{\"type\":\"object\",\"properties\":{\"x\":false}}"));
        cases.forEach((feature, schema) -> {
            UnsupportedSchemaException e = assertThrows(UnsupportedSchemaException.class,
                    () -> JsonSchemaReader.read(schema), schema);
            assertEquals(feature, e.feature(), schema);
            assertTrue(e.getMessage().contains(feature.split(" ")[0]), e.getMessage());
        });
    }

    @Test
    void malformedSchemasAreInvalidNotUnsupported() {
        for (String bad : List.of("{", "{\"type\":\"text\"}", "{\"type\":\"object\",\"required\":\"a\"}", "42",
                "{\"anyOf\":[]}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonSchemaReader.read(bad));
            assertFalse(e instanceof UnsupportedSchemaException, bad + ": " + e.getMessage());
        }
    }
}
