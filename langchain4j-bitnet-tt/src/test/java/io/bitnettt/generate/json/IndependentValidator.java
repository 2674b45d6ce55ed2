package io.bitnettt.generate.json;

import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;

/**
 * The judge the decoder is checked against: networknt's json-schema-validator (draft 2020-12) on
 * documents parsed by Jackson 3, neither of which the decoder uses.
 */
public final class IndependentValidator {
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final JsonMapper PARSER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private final com.networknt.schema.Schema schema;

    private IndependentValidator(String schemaJson) {
        this.schema = REGISTRY.getSchema(schemaJson, InputFormat.JSON);
    }

    public static IndependentValidator of(String schemaJson) {
        return new IndependentValidator(schemaJson);
    }

    /** Why {@code document} is not valid (not JSON, or the validator's errors); empty when it is valid. */
    public List<String> problems(String document) {
        try {
            tools.jackson.databind.JsonNode tree = PARSER.readTree(document);
            if (tree == null || tree.isMissingNode()) {
                return List.of("not JSON: empty");
            }
        } catch (JacksonException e) {
            return List.of("not JSON: " + e.getOriginalMessage());
        }
        return schema.validate(document, InputFormat.JSON).stream().map(Object::toString).toList();
    }

    public boolean valid(String document) {
        return problems(document).isEmpty();
    }
}
