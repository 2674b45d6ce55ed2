package io.bitnettt.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.internal.JsonSchemaElementUtils;
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

import java.util.List;
import java.util.Map;

/**
 * Twenty LangChain4j schemas covering every feature the decoder supports, each with its JSON Schema
 * text as LangChain4j itself writes it (for the independent validator).
 */
final class DemoSchemas {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DemoSchemas() {
    }

    static JsonSchema named(String name, JsonSchemaElement root) {
        return JsonSchema.builder().name(name).rootElement(root).build();
    }

    /** LangChain4j's own JSON Schema rendering of the schema (its internal utility, used as a reference). */
    static String jsonSchemaText(JsonSchema schema) {
        try {
            return JSON.writeValueAsString(JsonSchemaElementUtils.toMap(schema.rootElement()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonObjectSchema.Builder object() {
        return JsonObjectSchema.builder();
    }

    static List<JsonSchema> all() {
        JsonSchemaElement str = new JsonStringSchema();
        JsonSchemaElement integer = new JsonIntegerSchema();
        JsonSchemaElement number = new JsonNumberSchema();
        JsonSchemaElement bool = new JsonBooleanSchema();
        JsonEnumSchema color = JsonEnumSchema.builder().enumValues("RED", "GREEN", "BLUE").build();
        JsonObjectSchema address = object().addStringProperty("street").addStringProperty("city")
                .required("street", "city").additionalProperties(false).build();
        JsonObjectSchema node = object().addIntegerProperty("value")
                .addProperty("children", JsonArraySchema.builder()
                        .items(JsonReferenceSchema.builder().reference("node").build()).build())
                .required("value", "children").build();
        return List.of(
                named("person", object().addStringProperty("name").addIntegerProperty("age")
                        .addStringProperty("nickname").required("name", "age").additionalProperties(false).build()),
                named("enumValue", object().addProperty("value", color).required("value").build()),
                named("flag", object().addBooleanProperty("enabled").required("enabled").build()),
                named("measurement", object().addNumberProperty("value")
                        .addProperty("unit", JsonEnumSchema.builder().enumValues("mm", "cm", "m").build())
                        .required("value", "unit").build()),
                named("tags", object().addProperty("tags", JsonArraySchema.builder().items(str).build())
                        .required("tags").build()),
                named("order", object().addProperty("items", JsonArraySchema.builder().items(object()
                                .addIntegerProperty("id").addIntegerProperty("quantity").addNumberProperty("price")
                                .required("id", "quantity").build()).build())
                        .addBooleanProperty("paid").required("items", "paid").build()),
                named("anyOfScalar", object().addProperty("result", JsonAnyOfSchema.builder()
                        .anyOf(str, integer, new JsonNullSchema()).build()).required("result").build()),
                named("tree", object().addIntegerProperty("value")
                        .addProperty("children", JsonArraySchema.builder()
                                .items(JsonReferenceSchema.builder().reference("node").build()).build())
                        .required("value", "children").definitions(Map.of("node", node)).build()),
                named("freeMap", object().addProperty("counts", object().build()).required("counts").build()),
                named("closedEmpty", object().additionalProperties(false).build()),
                named("grid", object().addProperty("grid", JsonArraySchema.builder()
                        .items(JsonArraySchema.builder().items(integer).build()).build()).required("grid").build()),
                named("allOptional", object().addStringProperty("a").addIntegerProperty("b")
                        .addBooleanProperty("c").build()),
                named("personWithAddress", object().addStringProperty("name").addProperty("address", address)
                        .addProperty("previous", JsonArraySchema.builder().items(address).build())
                        .required("name", "address", "previous").build()),
                named("nothing", object().addProperty("nothing", new JsonNullSchema()).required("nothing").build()),
                named("shape", object().addProperty("shape", JsonAnyOfSchema.builder().anyOf(
                        object().addProperty("kind", JsonEnumSchema.builder().enumValues("circle").build())
                                .addNumberProperty("radius").required("kind", "radius").build(),
                        object().addProperty("kind", JsonEnumSchema.builder().enumValues("square").build())
                                .addNumberProperty("side").required("kind", "side").build()).build())
                        .required("shape").build()),
                named("arrayRoot", JsonArraySchema.builder().items(object().addStringProperty("id")
                        .addProperty("color", color).required("id", "color").build()).build()),
                named("raw", JsonRawSchema.from("""
                        {"type":"object","properties":{"version":{"const":2},"label":{"type":["string","null"]},\
                        "level":{"enum":[1,2,3]}},"required":["version","label","level"],"additionalProperties":false}""")),
                named("stringRoot", str),
                named("deep", object().addProperty("a", object().addProperty("b", object()
                        .addProperty("c", object().addStringProperty("d").required("d").build())
                        .required("c").build()).required("b").build()).required("a").build()),
                named("weekdays", object().addProperty("days", JsonArraySchema.builder().items(JsonEnumSchema.builder()
                                .enumValues("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY").build()).build())
                        .addIntegerProperty("count").addProperty("ok", bool).required("days", "count", "ok").build()));
    }
}
