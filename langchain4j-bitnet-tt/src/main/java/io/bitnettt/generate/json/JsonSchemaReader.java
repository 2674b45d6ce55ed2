package io.bitnettt.generate.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a JSON Schema document (draft 2020-12 or 7 spelling) into a {@link Schema}. Supported:
 * {@code type} (one or a list), {@code properties}, {@code required}, {@code additionalProperties},
 * {@code items}, {@code enum}, {@code const}, {@code anyOf}, {@code $ref} to {@code #},
 * {@code #/$defs/NAME} or {@code #/definitions/NAME}, and annotations ({@code title},
 * {@code description}, {@code default}, ...), which are ignored. Any other keyword is refused with
 * an {@link UnsupportedSchemaException} naming it, because the decoder could not guarantee it.
 */
public final class JsonSchemaReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "$schema", "$id", "$comment",
            "default", "examples", "deprecated", "readOnly", "writeOnly");
    private static final Set<String> KEYWORDS = Set.of("type", "properties", "required", "additionalProperties",
            "items", "enum", "const", "anyOf", "$ref", "$defs", "definitions");
    private static final Set<String> TYPES = Set.of("string", "integer", "number", "boolean", "null", "object",
            "array");

    private final Map<String, SchemaNode> definitions = new LinkedHashMap<>();

    private JsonSchemaReader() {
    }

    /**
     * @throws UnsupportedSchemaException for a feature the decoder cannot enforce
     * @throws IllegalArgumentException   when the text is not JSON
     */
    public static Schema read(String schemaJson) {
        JsonNode root;
        try {
            root = JSON.readTree(schemaJson);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the JSON schema is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new IllegalArgumentException("the JSON schema is empty");
        }
        return read(root);
    }

    public static Schema read(JsonNode root) {
        JsonSchemaReader reader = new JsonSchemaReader();
        for (String section : List.of("$defs", "definitions")) {
            JsonNode defs = root.isObject() ? root.get(section) : null;
            if (defs == null) {
                continue;
            }
            if (!defs.isObject()) {
                throw invalid("#/" + section, "must be an object of schemas");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = defs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> d = it.next();
                String pointer = "#/" + section + "/" + d.getKey();
                reader.definitions.put(pointer, reader.node(d.getValue(), pointer));
            }
        }
        SchemaNode top = reader.node(root, "#");
        reader.definitions.put("#", top);
        return new Schema(top, reader.definitions);
    }

    private SchemaNode node(JsonNode s, String path) {
        if (s.isBoolean()) {
            if (s.booleanValue()) {
                return SchemaNode.ANY;
            }
            throw new UnsupportedSchemaException("false schema", "the schema at " + path
                    + " is false, which no value satisfies");
        }
        if (!s.isObject()) {
            throw invalid(path, "must be an object or a boolean, was " + s.getNodeType().name().toLowerCase());
        }
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String keyword = it.next();
            if (!KEYWORDS.contains(keyword) && !ANNOTATIONS.contains(keyword)) {
                throw new UnsupportedSchemaException(keyword, "JSON schema keyword '" + keyword + "' at " + path
                        + " is not supported by constrained decoding; supported are " + KEYWORDS
                        + " and annotations " + ANNOTATIONS);
            }
        }
        if (s.has("$defs") || s.has("definitions")) {
            if (!path.equals("#")) {
                throw new UnsupportedSchemaException("nested $defs", "nested $defs (at " + path + ")"
                        + " are not supported; put them in the root schema's $defs");
            }
        }
        if (s.has("$ref")) {
            onlyWith(s, path, "$ref");
            return ref(s.get("$ref"), path);
        }
        if (s.has("anyOf")) {
            onlyWith(s, path, "anyOf");
            JsonNode options = s.get("anyOf");
            if (!options.isArray() || options.isEmpty()) {
                throw invalid(path + "/anyOf", "must be a non-empty array of schemas");
            }
            List<SchemaNode> list = new ArrayList<>();
            for (int i = 0; i < options.size(); i++) {
                list.add(node(options.get(i), path + "/anyOf/" + i));
            }
            return list.size() == 1 ? list.getFirst() : new SchemaNode.AnyOf(list);
        }
        List<String> types = types(s, path);
        if (s.has("enum") || s.has("const")) {
            return literals(s, path, types);
        }
        if (types == null) {
            if (s.has("properties") || s.has("required") || s.has("additionalProperties")) {
                types = List.of("object");
            } else if (s.has("items")) {
                types = List.of("array");
            } else {
                return SchemaNode.ANY;
            }
        }
        List<SchemaNode> options = new ArrayList<>();
        for (String type : types) {
            options.add(switch (type) {
                case "string" -> SchemaNode.STRING;
                case "integer" -> SchemaNode.INTEGER;
                case "number" -> SchemaNode.NUMBER;
                case "boolean" -> SchemaNode.BOOLEAN;
                case "null" -> SchemaNode.NULL;
                case "object" -> object(s, path);
                case "array" -> new SchemaNode.ArrayValue(s.has("items") ? node(s.get("items"), path + "/items")
                        : SchemaNode.ANY);
                default -> throw new IllegalStateException(type);
            });
        }
        return options.size() == 1 ? options.getFirst() : new SchemaNode.AnyOf(options);
    }

    /** {@code keyword} combined with anything but annotations would be an intersection: refused. */
    private static void onlyWith(JsonNode s, String path, String keyword) {
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String other = it.next();
            if (!other.equals(keyword) && !ANNOTATIONS.contains(other) && !other.equals("$defs")
                    && !other.equals("definitions")) {
                throw new UnsupportedSchemaException(keyword + " with " + other, "'" + keyword + "' together with '"
                        + other + "' at " + path + " is not supported; use " + keyword + " alone");
            }
        }
    }

    private SchemaNode ref(JsonNode ref, String path) {
        if (!ref.isTextual()) {
            throw invalid(path + "/$ref", "must be a string");
        }
        String target = ref.textValue();
        boolean local = target.equals("#")
                || (target.startsWith("#/$defs/") && target.indexOf('/', 8) < 0)
                || (target.startsWith("#/definitions/") && target.indexOf('/', 14) < 0);
        if (!local) {
            throw new UnsupportedSchemaException("$ref", "the $ref '" + target + "' at " + path
                    + " is not supported; only '#', '#/$defs/NAME' and '#/definitions/NAME' are");
        }
        return new SchemaNode.Ref(target);
    }

    private static List<String> types(JsonNode s, String path) {
        JsonNode t = s.get("type");
        if (t == null) {
            return null;
        }
        List<String> types = new ArrayList<>();
        if (t.isTextual()) {
            types.add(t.textValue());
        } else if (t.isArray() && !t.isEmpty()) {
            t.forEach(x -> types.add(x.isTextual() ? x.textValue() : x.toString()));
        } else {
            throw invalid(path + "/type", "must be a type name or a non-empty array of them");
        }
        for (String type : types) {
            if (!TYPES.contains(type)) {
                throw invalid(path + "/type", "names unknown type '" + type + "'; expected one of " + TYPES);
            }
        }
        return types;
    }

    private SchemaNode literals(JsonNode s, String path, List<String> types) {
        List<JsonNode> values = new ArrayList<>();
        if (s.has("const")) {
            values.add(s.get("const"));
        }
        if (s.has("enum")) {
            JsonNode e = s.get("enum");
            if (!e.isArray() || e.isEmpty()) {
                throw invalid(path + "/enum", "must be a non-empty array");
            }
            if (values.isEmpty()) {
                e.forEach(values::add);
            } else if (!contains(e, values.getFirst())) {
                throw new UnsupportedSchemaException("unsatisfiable schema", "at " + path
                        + " the const value is not among the enum values");
            }
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode v : values) {
            if (types == null || types.contains(typeOf(v)) || (types.contains("number") && v.isNumber())) {
                String text = compact(v);
                if (!texts.contains(text)) {
                    texts.add(text);
                }
            }
        }
        if (texts.isEmpty()) {
            throw new UnsupportedSchemaException("unsatisfiable schema", "at " + path + " no enum/const value has type "
                    + types);
        }
        return new SchemaNode.Literals(texts);
    }

    private static boolean contains(JsonNode array, JsonNode value) {
        for (JsonNode v : array) {
            if (v.equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static String typeOf(JsonNode v) {
        if (v.isTextual()) return "string";
        if (v.isIntegralNumber() || (v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0)) return "integer";
        if (v.isNumber()) return "number";
        if (v.isBoolean()) return "boolean";
        if (v.isNull()) return "null";
        if (v.isArray()) return "array";
        return "object";
    }

    private static String compact(JsonNode v) {
        try {
            return JSON.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private SchemaNode object(JsonNode s, String path) {
        List<SchemaNode.Property> properties = new ArrayList<>();
        List<String> required = new ArrayList<>();
        JsonNode req = s.get("required");
        if (req != null) {
            if (!req.isArray()) {
                throw invalid(path + "/required", "must be an array of property names");
            }
            for (JsonNode r : req) {
                if (!r.isTextual()) {
                    throw invalid(path + "/required", "must hold strings, found " + r);
                }
                required.add(r.textValue());
            }
        }
        JsonNode props = s.get("properties");
        if (props != null) {
            if (!props.isObject()) {
                throw invalid(path + "/properties", "must be an object of schemas");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                properties.add(new SchemaNode.Property(p.getKey(),
                        node(p.getValue(), path + "/properties/" + p.getKey()), required.contains(p.getKey())));
            }
        }
        // A required name without a property schema may hold any value; it still has to be written.
        for (String name : required) {
            if (props == null || !props.has(name)) {
                properties.add(new SchemaNode.Property(name, SchemaNode.ANY, true));
            }
        }
        JsonNode extra = s.get("additionalProperties");
        SchemaNode mapValues = null;
        if (extra == null || (extra.isBoolean() && extra.booleanValue())) {
            mapValues = SchemaNode.ANY;
        } else if (extra.isObject()) {
            mapValues = node(extra, path + "/additionalProperties");
        } else if (!extra.isBoolean()) {
            throw invalid(path + "/additionalProperties", "must be a boolean or a schema");
        }
        // With listed properties nothing else is ever written, so mapValues only matters without them.
        return new SchemaNode.ObjectValue(properties, properties.isEmpty() ? mapValues : null);
    }

    private static IllegalArgumentException invalid(String path, String what) {
        return new IllegalArgumentException("invalid JSON schema: " + path + " " + what);
    }
}
