package io.bitnettt.generate.json;

import java.util.List;
import java.util.Objects;

/**
 * What a JSON value may be, in the subset of JSON Schema the constrained decoder understands. Built
 * by {@link JsonSchemaReader} from a JSON Schema document or by the LangChain4j layer from its
 * {@code JsonSchema}; compiled into bytes by {@link GrammarCompiler}. Records, so two equal
 * sub-schemas compile to one grammar procedure.
 */
public sealed interface SchemaNode {
    SchemaNode ANY = new AnyValue();
    SchemaNode STRING = new StringValue();
    SchemaNode INTEGER = new IntegerValue();
    SchemaNode NUMBER = new NumberValue();
    SchemaNode BOOLEAN = new Literals(List.of("true", "false"));
    SchemaNode NULL = new Literals(List.of("null"));

    /** Any JSON value: object, array, string, number, true, false or null. */
    record AnyValue() implements SchemaNode {
    }

    /** Any JSON string. */
    record StringValue() implements SchemaNode {
    }

    /** {@code -?(0|[1-9][0-9]*)} with at most {@link GrammarCompiler#MAX_DIGITS} digits. */
    record IntegerValue() implements SchemaNode {
    }

    /** An integer part as {@link IntegerValue}, an optional fraction and an optional exponent. */
    record NumberValue() implements SchemaNode {
    }

    /**
     * One of a fixed list of values (enum, const, booleans, null), each written as compact JSON text,
     * e.g. {@code "\"red\""} or {@code "42"}.
     */
    record Literals(List<String> json) implements SchemaNode {
        public Literals {
            json = List.copyOf(json);
            if (json.isEmpty()) {
                throw new IllegalArgumentException("a list of allowed values needs at least one value");
            }
        }
    }

    /**
     * An object. With properties, exactly those keys in this order (optional ones may be left out,
     * no others are written); without properties, a free-form map whose values follow
     * {@code mapValues}, or the empty object when {@code mapValues} is null.
     */
    record ObjectValue(List<Property> properties, SchemaNode mapValues) implements SchemaNode {
        public ObjectValue {
            properties = List.copyOf(properties);
            if (!properties.isEmpty()) {
                mapValues = null;
            }
        }
    }

    record Property(String name, SchemaNode value, boolean required) {
        public Property {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    /** An array whose items all follow {@code items}, of any length. */
    record ArrayValue(SchemaNode items) implements SchemaNode {
        public ArrayValue {
            Objects.requireNonNull(items, "items");
        }
    }

    /** A value that follows at least one of the options. */
    record AnyOf(List<SchemaNode> options) implements SchemaNode {
        public AnyOf {
            options = List.copyOf(options);
            if (options.isEmpty()) {
                throw new IllegalArgumentException("anyOf needs at least one option");
            }
        }
    }

    /** The definition called {@code name} in the enclosing {@link Schema}; may be recursive. */
    record Ref(String name) implements SchemaNode {
        public Ref {
            Objects.requireNonNull(name, "name");
        }
    }
}
