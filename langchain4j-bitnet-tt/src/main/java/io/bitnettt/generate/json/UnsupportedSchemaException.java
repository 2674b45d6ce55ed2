package io.bitnettt.generate.json;

/**
 * A schema uses a feature the constrained decoder cannot enforce (a keyword such as
 * {@code pattern}, an external reference, a schema no document satisfies). Thrown while the schema
 * is read or compiled, before any token is generated.
 */
public final class UnsupportedSchemaException extends IllegalArgumentException {
    private final String feature;

    public UnsupportedSchemaException(String feature, String message) {
        super(message);
        this.feature = feature;
    }

    /** The feature by its JSON Schema name, e.g. {@code pattern} or {@code oneOf}. */
    public String feature() {
        return feature;
    }
}
