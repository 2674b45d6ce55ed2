package io.bitnettt.langchain4j;

import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.json.JsonAnyOfSchema;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonBooleanSchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNullSchema;
import dev.langchain4j.model.chat.request.json.JsonNumberSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonReferenceSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import io.bitnettt.generate.json.JsonSchemaReader;
import io.bitnettt.generate.json.JsonText;
import io.bitnettt.generate.json.Schema;
import io.bitnettt.generate.json.SchemaNode;
import io.bitnettt.generate.json.UnsupportedSchemaException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LangChain4j's JSON schema elements to the decoder's {@link Schema}. Every element type of
 * LangChain4j 1.19 is supported; a {@link JsonRawSchema} goes through {@link JsonSchemaReader},
 * which refuses keywords it cannot enforce. Failures are {@link UnsupportedFeatureException}s
 * naming the feature, raised before any compute.
 */
final class SchemaMapping {
    private final String where;
    private final String prefix;
    private final Map<String, SchemaNode> definitions = new LinkedHashMap<>();
    private int rawSchemas;

    private SchemaMapping(String where, String prefix) {
        this.where = where;
        this.prefix = prefix;
    }

    /** The response format's schema; {@code where} names it in error messages. */
    static Schema schema(JsonSchema schema) {
        if (schema.rootElement() == null) {
            throw new IllegalArgumentException("the JSON schema '" + schema.name() + "' has no root element");
        }
        return schema(schema.rootElement(), "the JSON schema" + (schema.name() == null ? "" : " '" + schema.name() + "'"), "");
    }

    /**
     * @param prefix put in front of definition names, so schemas of several tools combine without clashes
     */
    static Schema schema(JsonSchemaElement root, String where, String prefix) {
        SchemaMapping m = new SchemaMapping(where, prefix);
        SchemaNode node = m.node(root);
        return new Schema(node, m.definitions);
    }

    private SchemaNode node(JsonSchemaElement e) {
        return switch (e) {
            case null -> throw new UnsupportedFeatureException(where + " has a null element");
            case JsonStringSchema s -> SchemaNode.STRING;
            case JsonIntegerSchema i -> SchemaNode.INTEGER;
            case JsonNumberSchema n -> SchemaNode.NUMBER;
            case JsonBooleanSchema b -> SchemaNode.BOOLEAN;
            case JsonNullSchema n -> SchemaNode.NULL;
            case JsonEnumSchema en -> {
                if (en.enumValues() == null || en.enumValues().isEmpty()) {
                    throw new UnsupportedFeatureException("an enum without values in " + where + " admits no JSON value");
                }
                yield new SchemaNode.Literals(en.enumValues().stream().map(JsonText::quote).distinct().toList());
            }
            case JsonArraySchema a -> new SchemaNode.ArrayValue(a.items() == null ? SchemaNode.ANY : node(a.items()));
            case JsonAnyOfSchema a -> {
                if (a.anyOf() == null || a.anyOf().isEmpty()) {
                    throw new UnsupportedFeatureException("anyOf without options in " + where + " admits no JSON value");
                }
                List<SchemaNode> options = a.anyOf().stream().map(this::node).toList();
                yield options.size() == 1 ? options.getFirst() : new SchemaNode.AnyOf(options);
            }
            case JsonReferenceSchema r -> {
                if (r.reference() == null) {
                    throw new UnsupportedFeatureException("a reference without a target in " + where);
                }
                yield new SchemaNode.Ref(prefix + definitionName(r.reference()));
            }
            case JsonObjectSchema o -> object(o);
            case JsonRawSchema raw -> raw(raw);
            default -> throw new UnsupportedFeatureException("JSON schema element " + e.getClass().getName() + " in "
                    + where + " is not supported by BitNet's constrained decoding");
        };
    }

    private SchemaNode object(JsonObjectSchema o) {
        if (o.definitions() != null) {
            o.definitions().forEach((name, def) -> definitions.put(prefix + definitionName(name), node(def)));
        }
        Map<String, JsonSchemaElement> props = o.properties() == null ? Map.of() : o.properties();
        List<String> required = o.required() == null ? List.of() : o.required();
        List<SchemaNode.Property> properties = new ArrayList<>();
        props.forEach((name, value) -> properties.add(new SchemaNode.Property(name, node(value), required.contains(name))));
        for (String name : required) {
            if (!props.containsKey(name)) {
                properties.add(new SchemaNode.Property(name, SchemaNode.ANY, true));
            }
        }
        // Without properties the object is a free-form map unless extra keys are forbidden.
        boolean closed = Boolean.FALSE.equals(o.additionalProperties());
        return new SchemaNode.ObjectValue(properties, properties.isEmpty() && !closed ? SchemaNode.ANY : null);
    }

    /** A raw JSON Schema document inside the tree: its own definitions get a prefix of their own. */
    private SchemaNode raw(JsonRawSchema raw) {
        Schema parsed;
        try {
            parsed = JsonSchemaReader.read(raw.schema());
        } catch (UnsupportedSchemaException e) {
            throw OutputPlan.unsupported(e.getMessage() + " (in a raw schema of " + where + ")", e);
        }
        Schema renamed = parsed.withDefinitionPrefix(prefix + "raw" + (rawSchemas++) + ":");
        definitions.putAll(renamed.definitions());
        return renamed.root();
    }

    /** LangChain4j names definitions by key; a JSON pointer to {@code $defs} is accepted too. */
    private static String definitionName(String reference) {
        for (String p : List.of("#/$defs/", "#/definitions/")) {
            if (reference.startsWith(p)) {
                return reference.substring(p.length());
            }
        }
        return reference;
    }
}
