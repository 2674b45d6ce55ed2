package io.bitnettt.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import io.bitnettt.model.CheckpointException;
import io.bitnettt.model.StrictJson;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated JSON header of a safetensors file. Validation follows the format's own
 * rules: every tensor's byte range lies inside the data section, ranges do not overlap, and together
 * they cover the data section with no holes (the format forbids holes so a file cannot hide a
 * second payload).
 */
public record SafetensorsHeader(Map<String, TensorEntry> tensors, Map<String, String> metadata) {

    public static final String METADATA_KEY = "__metadata__";

    public SafetensorsHeader {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /**
     * Parses a header.
     *
     * @param json       the header bytes
     * @param dataLength bytes in the data section that follows the header
     * @param file       the file name for error messages
     */
    public static SafetensorsHeader parse(byte[] json, long dataLength, String file) {
        JsonNode root = StrictJson.readObject(json, file, "header");
        Map<String, TensorEntry> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (var it = root.properties().iterator(); it.hasNext(); ) {
            var field = it.next();
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(field.getValue(), file, metadata);
            } else {
                tensors.put(field.getKey(), readEntry(field.getKey(), field.getValue(), dataLength, file));
            }
        }
        checkLayout(tensors.values(), dataLength, file);
        return new SafetensorsHeader(tensors, metadata);
    }

    private static void readMetadata(JsonNode node, String file, Map<String, String> out) {
        if (!node.isObject()) {
            throw new CheckpointException(file, METADATA_KEY, "expected an object of strings, found " + node.getNodeType());
        }
        for (var it = node.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual()) {
                throw new CheckpointException(file, METADATA_KEY + "." + e.getKey(),
                        "expected a string value, found " + e.getValue().getNodeType());
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static TensorEntry readEntry(String name, JsonNode node, long dataLength, String file) {
        if (name.isEmpty()) {
            throw new CheckpointException(file, "\"\"", "tensor name is empty");
        }
        if (!node.isObject()) {
            throw new CheckpointException(file, name, "expected an object with dtype, shape and data_offsets, found "
                    + node.getNodeType());
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new CheckpointException(file, name, "dtype is missing or not a string");
        }
        SafetensorsDType dtype = SafetensorsDType.fromHeaderName(dtypeNode.textValue());
        if (dtype == null) {
            throw new CheckpointException(file, name, "unknown dtype \"" + dtypeNode.textValue() + "\"");
        }
        long[] shape = longArray(node.get("shape"), name, "shape", file);
        long[] offsets = longArray(node.get("data_offsets"), name, "data_offsets", file);
        if (offsets.length != 2) {
            throw new CheckpointException(file, name, "data_offsets must have 2 elements, found " + offsets.length);
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new CheckpointException(file, name, "data_offsets [" + begin + ", " + end + "] are reversed");
        }
        if (end > dataLength) {
            throw new CheckpointException(file, name, "data_offsets [" + begin + ", " + end
                    + "] run past the end of the data section (" + dataLength + " bytes)");
        }
        long bytes;
        try {
            long count = 1;
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
            bytes = Math.multiplyExact(count, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new CheckpointException(file, name, "shape " + java.util.Arrays.toString(shape)
                    + " has more elements than fit in a file");
        }
        if (bytes != end - begin) {
            throw new CheckpointException(file, name, "dtype " + dtype + " × shape " + java.util.Arrays.toString(shape)
                    + " needs " + bytes + " bytes but data_offsets hold " + (end - begin));
        }
        return new TensorEntry(name, dtype, shape, begin, end);
    }

    private static long[] longArray(JsonNode node, String name, String field, String file) {
        if (node == null || !node.isArray()) {
            throw new CheckpointException(file, name, field + " is missing or not a list");
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode e = node.get(i);
            if (!e.isIntegralNumber() || !e.canConvertToLong() || e.longValue() < 0) {
                throw new CheckpointException(file, name, field + "[" + i + "] must be a non-negative integer, found " + e);
            }
            out[i] = e.longValue();
        }
        return out;
    }

    private static void checkLayout(Iterable<TensorEntry> entries, long dataLength, String file) {
        List<TensorEntry> sorted = new ArrayList<>();
        entries.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        long cursor = 0;
        TensorEntry previous = null;
        for (TensorEntry t : sorted) {
            if (t.begin() < cursor) {
                throw new CheckpointException(file, t.name(), "data_offsets [" + t.begin() + ", " + t.end()
                        + "] overlap tensor " + previous.name() + " [" + previous.begin() + ", " + previous.end() + "]");
            }
            if (t.begin() > cursor) {
                throw new CheckpointException(file, t.name(), "data_offsets leave a hole of " + (t.begin() - cursor)
                        + " bytes before this tensor (the format forbids holes)");
            }
            cursor = t.end();
            previous = t;
        }
        if (cursor != dataLength) {
            throw new CheckpointException(file, previous == null ? "data section" : previous.name(),
                    "tensors cover " + cursor + " bytes but the data section holds " + dataLength
                            + " (truncated file or trailing bytes)");
        }
    }
}
