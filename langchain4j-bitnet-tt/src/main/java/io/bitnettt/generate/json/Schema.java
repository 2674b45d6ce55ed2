package io.bitnettt.generate.json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A root value with the named definitions its {@link SchemaNode.Ref}s point to. Equal schemas share
 * one compiled automaton (and its cached masks) in {@link JsonDecoding}.
 */
public record Schema(SchemaNode root, Map<String, SchemaNode> definitions) {
    /** Any JSON value: what a JSON response format without a schema asks for. */
    public static final Schema ANY_JSON = new Schema(SchemaNode.ANY, Map.of());

    public Schema {
        if (root == null) {
            throw new IllegalArgumentException("a schema needs a root value");
        }
        definitions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(definitions));
    }

    public static Schema of(SchemaNode root) {
        return new Schema(root, Map.of());
    }

    /**
     * The same schema with {@code prefix} in front of every definition name and reference, so that
     * schemas with clashing names can be combined into one.
     */
    public Schema withDefinitionPrefix(String prefix) {
        UnaryOperator<String> rename = name -> prefix + name;
        Map<String, SchemaNode> defs = new LinkedHashMap<>();
        definitions.forEach((name, node) -> defs.put(rename.apply(name), renameReferences(node, rename)));
        return new Schema(renameReferences(root, rename), defs);
    }

    static SchemaNode renameReferences(SchemaNode node, UnaryOperator<String> rename) {
        return switch (node) {
            case SchemaNode.Ref r -> new SchemaNode.Ref(rename.apply(r.name()));
            case SchemaNode.ArrayValue a -> new SchemaNode.ArrayValue(renameReferences(a.items(), rename));
            case SchemaNode.AnyOf a -> new SchemaNode.AnyOf(a.options().stream()
                    .map(o -> renameReferences(o, rename)).toList());
            case SchemaNode.ObjectValue o -> {
                List<SchemaNode.Property> properties = new ArrayList<>();
                for (SchemaNode.Property p : o.properties()) {
                    properties.add(new SchemaNode.Property(p.name(), renameReferences(p.value(), rename), p.required()));
                }
                yield new SchemaNode.ObjectValue(properties,
                        o.mapValues() == null ? null : renameReferences(o.mapValues(), rename));
            }
            default -> node;
        };
    }
}
