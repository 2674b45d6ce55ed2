package io.bitnettt.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigJsonTest {

    /** The packed 2B-4T config.json as quoted in spec §1 (no head_dim key). */
    static final String PACKED_2B4T = """
            {
              "architectures": ["BitNetForCausalLM"],
              "model_type": "bitnet",
              "vocab_size": 128256,
              "hidden_size": 2560,
              "intermediate_size": 6912,
              "num_hidden_layers": 30,
              "num_attention_heads": 20,
              "num_key_value_heads": 5,
              "hidden_act": "relu2",
              "max_position_embeddings": 4096,
              "rms_norm_eps": 1e-05,
              "rope_theta": 500000.0,
              "tie_word_embeddings": true,
              "bos_token_id": 128000,
              "eos_token_id": 128001,
              "torch_dtype": "bfloat16",
              "quantization_config": {"quant_method": "bitnet", "linear_class": "autobitlinear", "quantization_mode": "offline"}
            }
            """;

    static ModelConfig parse(String json) {
        return ModelConfigJson.parse(json.getBytes(StandardCharsets.UTF_8), "config.json");
    }

    static String edit(Consumer<ObjectNode> change) throws Exception {
        ObjectNode root = (ObjectNode) StrictJson.mapper().readTree(PACKED_2B4T);
        change.accept(root);
        return StrictJson.mapper().writeValueAsString(root);
    }

    @Test
    void parsesThe2B4TConfig() {
        ModelConfig c = parse(PACKED_2B4T);
        assertEquals(ModelConfig.bitnet2B4T(), c);
        assertEquals(128, c.headDim());
        assertEquals(640, c.kvDim());
        assertEquals(4, c.groupSize());
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(500000.0, c.ropeTheta());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(List.of(128001), c.eosTokenIds());
        assertEquals(ScaleRule.MULTIPLY, c.quantization().scaleRule());
        assertFalse(c.quantization().online());
        assertEquals("bfloat16", c.torchDtype());
    }

    @Test
    void defaultsFollowTheHfClass() throws Exception {
        ModelConfig c = parse(edit(r -> {
            r.remove("num_key_value_heads");
            r.remove("tie_word_embeddings");
            r.remove("quantization_config");
            r.remove("torch_dtype");
            r.putArray("eos_token_id").add(128001).add(128009);
        }));
        assertEquals(20, c.numKeyValueHeads());
        assertFalse(c.tieWordEmbeddings(), "class default of tie_word_embeddings is false");
        assertEquals(ScaleRule.MULTIPLY, c.quantization().scaleRule());
        assertEquals(List.of(128001, 128009), c.eosTokenIds());
        assertEquals(null, c.torchDtype());
    }

    @Test
    void explicitHeadDimIsRead() throws Exception {
        ModelConfig c = parse(edit(r -> r.put("head_dim", 128)));
        assertEquals(128, c.headDim());
    }

    @Test
    void scaleRuleFollowsLinearClass() throws Exception {
        ModelConfig legacy = parse(edit(r -> ((ObjectNode) r.get("quantization_config")).put("linear_class", "bitlinear")));
        assertEquals(ScaleRule.DIVIDE, legacy.quantization().scaleRule());
        ModelConfig april = parse(edit(r -> {
            ObjectNode q = r.putObject("quantization_config");
            q.put("quant_method", "bitnet");
            q.put("offline_quantization", true);
        }));
        assertEquals(ScaleRule.MULTIPLY, april.quantization().scaleRule());
        assertEquals(Boolean.TRUE, april.quantization().offlineQuantization());
        ModelConfig online = parse(edit(r -> ((ObjectNode) r.get("quantization_config")).put("quantization_mode", "online")));
        assertTrue(online.quantization().online());
        assertEquals(ScaleRule.MULTIPLY, online.quantization().scaleRule());
    }

    @Test
    void writesAndReadsBack(@TempDir Path dir) throws Exception {
        for (ModelConfig c : List.of(ModelConfig.bitnet2B4T(),
                ModelConfig.tiny(64, 2, 4, 2, 8, 48, false).withQuantization(QuantizationConfig.MASTER))) {
            Path f = dir.resolve("config.json");
            ModelConfigJson.write(f, c);
            assertEquals(c, ModelConfigJson.read(f));
        }
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                bad("architectures", "LlamaForCausalLM", r -> r.putArray("architectures").add("LlamaForCausalLM")),
                bad("architectures", "list of strings", r -> r.put("architectures", "BitNetForCausalLM")),
                bad("architectures", "missing", r -> r.remove("architectures")),
                bad("vocab_size", "missing", r -> r.remove("vocab_size")),
                bad("vocab_size", "positive", r -> r.put("vocab_size", 0)),
                bad("hidden_size", "32-bit integer", r -> r.put("hidden_size", "2560")),
                bad("hidden_size", "32-bit integer", r -> r.put("hidden_size", 2560.5)),
                bad("hidden_size", "32-bit integer", r -> r.put("hidden_size", 1L << 40)),
                bad("intermediate_size", "multiple of 4", r -> r.put("intermediate_size", 6914)),
                bad("intermediate_size", "positive", r -> r.put("intermediate_size", -4)),
                bad("num_hidden_layers", "missing", r -> r.remove("num_hidden_layers")),
                bad("num_attention_heads", "positive", r -> r.put("num_attention_heads", 0)),
                bad("num_attention_heads", "divisor of hidden_size", r -> r.put("num_attention_heads", 30)),
                bad("head_dim", "hidden_size", r -> r.put("head_dim", 64)),
                bad("num_key_value_heads", "divisor", r -> r.put("num_key_value_heads", 3)),
                bad("num_key_value_heads", "positive", r -> r.put("num_key_value_heads", 0)),
                bad("num_key_value_heads", "divisible by 4", r -> {
                    // 10 heads of 2 → kv width 2 (1 KV head) is not a whole number of packed bytes.
                    r.put("hidden_size", 20).put("num_attention_heads", 10).put("num_key_value_heads", 1)
                            .put("intermediate_size", 8);
                }),
                bad("hidden_size", "multiple of 4", r -> r.put("hidden_size", 2566).put("num_attention_heads", 1)
                        .put("num_key_value_heads", 1)),
                bad("max_position_embeddings", "missing", r -> r.remove("max_position_embeddings")),
                bad("rms_norm_eps", "number", r -> r.put("rms_norm_eps", "1e-5")),
                bad("rms_norm_eps", "> 0", r -> r.put("rms_norm_eps", 0.0)),
                bad("rope_theta", "> 0", r -> r.put("rope_theta", -1.0)),
                bad("tie_word_embeddings", "true or false", r -> r.put("tie_word_embeddings", "true")),
                bad("bos_token_id", "missing", r -> r.remove("bos_token_id")),
                bad("bos_token_id", "vocab_size", r -> r.put("bos_token_id", 128256)),
                bad("eos_token_id", "integer or a list", r -> r.put("eos_token_id", "128001")),
                bad("eos_token_id", "integer or a list", r -> r.putArray("eos_token_id").add(1).add("x")),
                bad("hidden_act", "relu2", r -> r.put("hidden_act", "silu")),
                bad("hidden_act", "string", r -> r.put("hidden_act", 2)),
                bad("quantization_config", "object", r -> r.put("quantization_config", "bitnet")),
                bad("quantization_config.linear_class", "autobitlinear", r -> ((ObjectNode) r.get("quantization_config"))
                        .put("linear_class", "fancylinear")),
                bad("quantization_config.quantization_mode", "offline", r -> ((ObjectNode) r.get("quantization_config"))
                        .put("quantization_mode", "sometimes")),
                bad("quantization_config.quant_method", "bitnet", r -> ((ObjectNode) r.get("quantization_config"))
                        .put("quant_method", "gptq")),
                bad("torch_dtype", "string", r -> r.put("torch_dtype", 16)));
    }

    private static Arguments bad(String field, String expected, Consumer<ObjectNode> change) {
        return Arguments.of(field, expected, change);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("badConfigs")
    void badFieldIsNamed(String field, String expected, Consumer<ObjectNode> change) throws Exception {
        String json = edit(change);
        CheckpointException e = assertThrows(CheckpointException.class, () -> parse(json));
        assertEquals(field, e.subject(), e.getMessage());
        assertTrue(e.getMessage().startsWith("config.json: " + field + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void notJsonOrNotAnObject() {
        for (String text : List.of("", "{", "[1,2]", "42", "{\"a\":1} trailing", "{\"a\":1,\"a\":2}")) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> parse(text), text);
            assertTrue(e.getMessage().startsWith("config.json: "), e.getMessage());
        }
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> ModelConfigJson.read(dir.resolve("config.json")));
        assertTrue(e.getMessage().startsWith("config.json: "), e.getMessage());
    }
}
