package io.bitnettt.jmh.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the JSON that JMH writes with {@code -rf json}: an array of results. */
public final class JmhJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JmhJson() {
    }

    /**
     * @param source names the file in error messages
     * @throws IllegalArgumentException naming the source, the result index and the field that is wrong
     */
    public static List<JmhResult> parse(String json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException(source + ": expected a JSON array of JMH results, found "
                    + (root == null ? "nothing" : root.getNodeType()));
        }
        List<JmhResult> results = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            results.add(result(root.get(i), source + " result #" + i));
        }
        return results;
    }

    private static JmhResult result(JsonNode n, String where) {
        Map<String, String> params = new LinkedHashMap<>();
        JsonNode p = n.path("params");
        if (!p.isMissingNode()) {
            if (!p.isObject()) {
                throw new IllegalArgumentException(where + " field 'params': expected an object, found " + p.getNodeType());
            }
            p.properties().forEach(e -> params.put(e.getKey(), e.getValue().asText()));
        }
        Map<String, Metric> secondary = new LinkedHashMap<>();
        JsonNode s = n.path("secondaryMetrics");
        if (s.isObject()) {
            s.properties().forEach(e -> secondary.put(e.getKey(),
                    metric(e.getValue(), where + " secondaryMetrics." + e.getKey())));
        }
        return new JmhResult(text(n, "benchmark", where), text(n, "mode", where), params,
                metric(n.path("primaryMetric"), where + " primaryMetric"), secondary,
                n.path("jdkVersion").asText("unknown"),
                (n.path("vmName").asText("") + " " + n.path("vmVersion").asText("")).trim());
    }

    private static Metric metric(JsonNode m, String where) {
        if (!m.isObject()) {
            throw new IllegalArgumentException(where + ": expected an object with score, scoreError and scoreUnit, found "
                    + m.getNodeType());
        }
        return new Metric(number(m, "score", where), number(m, "scoreError", where), text(m, "scoreUnit", where));
    }

    private static String text(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException(where + " field '" + field + "': expected a non-empty string, found "
                    + (v == null ? "nothing" : v));
        }
        return v.asText();
    }

    /** JMH writes an error it could not compute as the string "NaN". */
    private static double number(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v != null && v.isNumber()) {
            return v.asDouble();
        }
        if (v != null && v.isTextual() && v.asText().equals("NaN")) {
            return Double.NaN;
        }
        throw new IllegalArgumentException(where + " field '" + field + "': expected a number or \"NaN\", found "
                + (v == null ? "nothing" : v));
    }
}
