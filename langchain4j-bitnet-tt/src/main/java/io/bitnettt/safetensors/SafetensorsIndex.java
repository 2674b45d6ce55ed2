package io.bitnettt.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import io.bitnettt.model.CheckpointException;
import io.bitnettt.model.StrictJson;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code model.safetensors.index.json} of a sharded checkpoint: which shard holds which tensor. */
public record SafetensorsIndex(Map<String, String> weightMap, Map<String, String> metadata) {

    public static final String FILE_NAME = "model.safetensors.index.json";

    public SafetensorsIndex {
        weightMap = Collections.unmodifiableMap(new LinkedHashMap<>(weightMap));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    public static SafetensorsIndex read(Path file) {
        String name = String.valueOf(file.getFileName());
        byte[] bytes = StrictJson.readFile(file);
        JsonNode root = StrictJson.readObject(bytes, name, "(root)");
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new CheckpointException(name, "weight_map", "expected an object mapping tensor names to shard files");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (var it = map.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            JsonNode shard = e.getValue();
            if (!shard.isTextual() || !isPlainFileName(shard.textValue())) {
                // Shards must sit next to the index; a path could point anywhere on the machine.
                throw new CheckpointException(name, "weight_map." + e.getKey(),
                        "expected the file name of a shard in the same folder, found " + shard);
            }
            weightMap.put(e.getKey(), shard.textValue());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode meta = root.get("metadata");
        if (meta != null && meta.isObject()) {
            for (var it = meta.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                metadata.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
            }
        }
        return new SafetensorsIndex(weightMap, metadata);
    }

    private static boolean isPlainFileName(String s) {
        if (s.isEmpty() || s.equals(".") || s.equals("..") || s.indexOf('/') >= 0 || s.indexOf('\\') >= 0) {
            return false;
        }
        try {
            return java.nio.file.Path.of(s).getNameCount() == 1;
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }
}
