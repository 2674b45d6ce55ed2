package io.bitnettt.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the Hugging Face config.json of a BitNet model (spec §1). Reading is strict:
 * a field of the wrong JSON type is an error rather than a silent default, because a default that
 * differs from the checkpoint (e.g. {@code max_position_embeddings}, class default 2048) produces
 * a model that loads and then generates nonsense.
 */
public final class ModelConfigJson {

    public static final String FILE_NAME = "config.json";

    private ModelConfigJson() {
    }

    /** Reads and validates {@code file}. */
    public static ModelConfig read(Path file) {
        String name = String.valueOf(file.getFileName());
        byte[] bytes = StrictJson.readFile(file);
        return parse(bytes, name);
    }

    /** Parses and validates config.json content; {@code file} names it in error messages. */
    public static ModelConfig parse(byte[] json, String file) {
        JsonNode root = StrictJson.readObject(json, file, "(root)");
        Fields f = new Fields(root, file);
        List<String> architectures = f.stringList("architectures");
        if (!architectures.contains(ModelConfig.ARCHITECTURE)) {
            throw new CheckpointException(file, "architectures",
                    "expected a list containing \"" + ModelConfig.ARCHITECTURE + "\", found " + architectures);
        }
        int hidden = f.requiredInt("hidden_size");
        int heads = f.requiredInt("num_attention_heads");
        if (heads <= 0) {
            throw new CheckpointException(file, "num_attention_heads", "expected a positive integer, found " + heads);
        }
        if (!f.has("head_dim") && hidden % heads != 0) {
            throw new CheckpointException(file, "num_attention_heads", "expected a divisor of hidden_size ("
                    + hidden + ") since head_dim is absent, found " + heads);
        }
        int headDim = f.has("head_dim") ? f.requiredInt("head_dim") : hidden / heads;
        ModelConfig config = new ModelConfig(
                architectures,
                f.requiredInt("vocab_size"),
                hidden,
                f.requiredInt("intermediate_size"),
                f.requiredInt("num_hidden_layers"),
                heads,
                f.has("num_key_value_heads") ? f.requiredInt("num_key_value_heads") : heads,
                headDim,
                f.requiredInt("max_position_embeddings"),
                f.requiredNumber("rms_norm_eps"),
                f.requiredNumber("rope_theta"),
                // The HF class default is false but 2B-4T is tied: only an explicit key may say either.
                f.has("tie_word_embeddings") ? f.bool("tie_word_embeddings") : false,
                f.requiredInt("bos_token_id"),
                f.intOrIntList("eos_token_id"),
                f.requiredString("hidden_act"),
                quantization(f),
                f.has("torch_dtype") ? f.requiredString("torch_dtype") : null);
        return config.validate(file);
    }

    private static QuantizationConfig quantization(Fields f) {
        if (!f.has("quantization_config")) {
            return new QuantizationConfig(null, null, null, null);
        }
        Fields q = f.object("quantization_config");
        QuantizationConfig config = new QuantizationConfig(
                q.optionalString("quant_method"),
                q.optionalString("linear_class"),
                q.optionalString("quantization_mode"),
                q.has("offline_quantization") ? q.bool("offline_quantization") : null);
        q.expectOneOf("quant_method", config.quantMethod(), "bitnet");
        q.expectOneOf("linear_class", config.linearClass(), "autobitlinear", "bitlinear");
        q.expectOneOf("quantization_mode", config.quantizationMode(), "offline", "online");
        return config;
    }

    /** Writes {@code config} in the key order and form Hugging Face uses (sorted keys, 2-space indent). */
    public static void write(Path file, ModelConfig config) throws IOException {
        config.validate(String.valueOf(file.getFileName()));
        Files.writeString(file, toJson(config) + "\n");
    }

    public static String toJson(ModelConfig c) {
        ObjectNode root = StrictJson.mapper().createObjectNode();
        ArrayNode arch = root.putArray("architectures");
        c.architectures().forEach(arch::add);
        root.put("model_type", "bitnet");
        root.put("vocab_size", c.vocabSize());
        root.put("hidden_size", c.hiddenSize());
        root.put("intermediate_size", c.intermediateSize());
        root.put("num_hidden_layers", c.numHiddenLayers());
        root.put("num_attention_heads", c.numAttentionHeads());
        root.put("num_key_value_heads", c.numKeyValueHeads());
        // No head_dim key: validation guarantees hidden_size / num_attention_heads, as in the HF repos.
        root.put("max_position_embeddings", c.maxPositionEmbeddings());
        root.put("rms_norm_eps", c.rmsNormEps());
        root.put("rope_theta", c.ropeTheta());
        root.put("tie_word_embeddings", c.tieWordEmbeddings());
        root.put("bos_token_id", c.bosTokenId());
        if (c.eosTokenIds().size() == 1) {
            root.put("eos_token_id", c.eosTokenIds().getFirst());
        } else {
            ArrayNode eos = root.putArray("eos_token_id");
            c.eosTokenIds().forEach(eos::add);
        }
        root.put("hidden_act", c.hiddenAct());
        root.put("attention_bias", false);
        QuantizationConfig q = c.quantization();
        if (q != null && (q.quantMethod() != null || q.linearClass() != null || q.quantizationMode() != null
                || q.offlineQuantization() != null)) {
            ObjectNode qn = root.putObject("quantization_config");
            if (q.quantMethod() != null) qn.put("quant_method", q.quantMethod());
            if (q.linearClass() != null) qn.put("linear_class", q.linearClass());
            if (q.quantizationMode() != null) qn.put("quantization_mode", q.quantizationMode());
            if (q.offlineQuantization() != null) qn.put("offline_quantization", q.offlineQuantization());
        }
        if (c.torchDtype() != null) {
            root.put("torch_dtype", c.torchDtype());
        }
        try {
            // Through a Map so ORDER_MAP_ENTRIES_BY_KEYS sorts the keys, as transformers writes them.
            return StrictJson.mapper().writeValueAsString(StrictJson.mapper().treeToValue(root, java.util.TreeMap.class));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Typed access to one JSON object, with errors that name the file and the field. */
    private record Fields(JsonNode node, String file, String prefix) {

        Fields(JsonNode node, String file) {
            this(node, file, "");
        }

        boolean has(String field) {
            JsonNode v = node.get(field);
            return v != null && !v.isNull();
        }

        private JsonNode required(String field) {
            if (!has(field)) {
                throw new CheckpointException(file, prefix + field, "required field is missing");
            }
            return node.get(field);
        }

        int requiredInt(String field) {
            JsonNode v = required(field);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new CheckpointException(file, prefix + field, "expected a 32-bit integer, found " + describe(v));
            }
            return v.intValue();
        }

        double requiredNumber(String field) {
            JsonNode v = required(field);
            if (!v.isNumber()) {
                throw new CheckpointException(file, prefix + field, "expected a number, found " + describe(v));
            }
            return v.doubleValue();
        }

        boolean bool(String field) {
            JsonNode v = required(field);
            if (!v.isBoolean()) {
                throw new CheckpointException(file, prefix + field, "expected true or false, found " + describe(v));
            }
            return v.booleanValue();
        }

        String requiredString(String field) {
            JsonNode v = required(field);
            if (!v.isTextual()) {
                throw new CheckpointException(file, prefix + field, "expected a string, found " + describe(v));
            }
            return v.textValue();
        }

        String optionalString(String field) {
            return has(field) ? requiredString(field) : null;
        }

        List<String> stringList(String field) {
            JsonNode v = required(field);
            if (!v.isArray()) {
                throw new CheckpointException(file, prefix + field, "expected a list of strings, found " + describe(v));
            }
            List<String> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (!e.isTextual()) {
                    throw new CheckpointException(file, prefix + field, "expected a list of strings, found element " + describe(e));
                }
                out.add(e.textValue());
            }
            return out;
        }

        List<Integer> intOrIntList(String field) {
            JsonNode v = required(field);
            List<Integer> out = new ArrayList<>();
            if (v.isArray()) {
                for (JsonNode e : v) {
                    if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                        throw new CheckpointException(file, prefix + field,
                                "expected an integer or a list of integers, found element " + describe(e));
                    }
                    out.add(e.intValue());
                }
                if (out.isEmpty()) {
                    throw new CheckpointException(file, prefix + field, "expected at least one token id, found []");
                }
            } else if (v.isIntegralNumber() && v.canConvertToInt()) {
                out.add(v.intValue());
            } else {
                throw new CheckpointException(file, prefix + field, "expected an integer or a list of integers, found " + describe(v));
            }
            return out;
        }

        Fields object(String field) {
            JsonNode v = required(field);
            if (!v.isObject()) {
                throw new CheckpointException(file, prefix + field, "expected an object, found " + describe(v));
            }
            return new Fields(v, file, prefix + field + ".");
        }

        void expectOneOf(String field, String value, String... allowed) {
            if (value == null) {
                return;
            }
            for (String a : allowed) {
                if (a.equals(value)) {
                    return;
                }
            }
            throw new CheckpointException(file, prefix + field,
                    "expected one of " + String.join(", ", allowed) + ", found \"" + value + "\"");
        }

        private static String describe(JsonNode v) {
            String text = v.toString();
            if (text.length() > 60) {
                text = text.substring(0, 60) + "…";
            }
            return v.getNodeType().toString().toLowerCase() + " " + text;
        }
    }
}
