package io.bitnettt.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The JSON settings every checkpoint file is read with. Duplicate keys and trailing garbage are
 * rejected because a header that two readers could interpret differently is a corrupt header.
 */
public final class StrictJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private StrictJson() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Parses {@code bytes} as a JSON object.
     *
     * @throws CheckpointException naming {@code file} and {@code subject} if it is not JSON or not an object
     */
    public static JsonNode readObject(byte[] bytes, String file, String subject) {
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, subject, "not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (java.io.IOException e) {
            throw new CheckpointException(file, subject, "cannot be read: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new CheckpointException(file, subject, "expected a JSON object, found "
                    + (node == null || node.isMissingNode() ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
        return node;
    }
}
