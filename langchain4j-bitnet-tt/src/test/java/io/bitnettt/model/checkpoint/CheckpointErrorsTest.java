package io.bitnettt.model.checkpoint;

import io.bitnettt.model.CheckpointException;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.ModelConfigJson;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every broken-folder case must fail with CheckpointException naming the file and the tensor or field. */
class CheckpointErrorsTest {

    @TempDir
    Path dir;
    Path weights;
    ModelConfig config;

    @BeforeEach
    void writeGoodModel() throws Exception {
        config = Fixtures.tiny(true);
        new CheckpointWriter(config).writeRandom(dir, 11);
        weights = dir.resolve("model.safetensors");
    }

    private CheckpointException expectFailure(String file, String... mustContain) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir).close());
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        for (String s : mustContain) {
            assertTrue(e.getMessage().contains(s), "message should contain '" + s + "': " + e.getMessage());
        }
        return e;
    }

    @Test
    void shapeDisagreesWithConfig() throws Exception {
        ModelConfigJson.write(dir.resolve("config.json"), ModelConfig.tiny(64, 2, 4, 2, 8, 52, true));
        expectFailure("model.safetensors", "model.layers.0.mlp.gate_proj.weight", "[12, 32] found",
                "expected [13, 32]");
    }

    @Test
    void vocabDisagreesWithConfig() throws Exception {
        ModelConfigJson.write(dir.resolve("config.json"), ModelConfig.tiny(128, 2, 4, 2, 8, 48, true));
        expectFailure("model.safetensors", "model.embed_tokens.weight", "[64, 32] found", "expected [128, 32]");
    }

    @Test
    void wrongDtype() throws Exception {
        Fixtures.edit(weights, p -> p.entry("model.layers.1.post_attention_layernorm.weight").put("dtype", "I16"));
        expectFailure("model.safetensors", "model.layers.1.post_attention_layernorm.weight", "dtype I16");
    }

    @Test
    void wrongProjectionDtype() throws Exception {
        Fixtures.edit(weights, p -> p.entry("model.layers.0.self_attn.v_proj.weight").put("dtype", "I8"));
        expectFailure("model.safetensors", "model.layers.0.self_attn.v_proj.weight", "dtype I8", "U8");
    }

    @Test
    void missingTensorsAreAllListed() throws Exception {
        Fixtures.drop(weights, "model.layers.1.mlp.up_proj.weight_scale", "model.norm.weight",
                "model.layers.0.input_layernorm.weight");
        expectFailure("model.safetensors", "3 required tensor(s) missing", "model.layers.1.mlp.up_proj.weight_scale",
                "model.norm.weight", "model.layers.0.input_layernorm.weight");
    }

    @Test
    void untiedConfigNeedsLmHead() throws Exception {
        ModelConfigJson.write(dir.resolve("config.json"), config.withTieWordEmbeddings(false));
        expectFailure("model.safetensors", "missing", "lm_head.weight");
    }

    @Test
    void invalidTernaryCode() throws Exception {
        Fixtures.edit(weights, p -> {
            long b = p.begin("model.layers.1.self_attn.o_proj.weight");
            p.data()[(int) b + 33] = (byte) 0xFF;
        });
        expectFailure("model.safetensors", "model.layers.1.self_attn.o_proj.weight", "invalid ternary code 3",
                "[1, 1]");
    }

    @Test
    void nonPositiveOrNonFiniteScale() throws Exception {
        for (short bits : new short[]{0, (short) 0xBF80, (short) 0x7F80, (short) 0x7FC0}) {
            new CheckpointWriter(config).writeRandom(dir, 11);
            Fixtures.edit(weights, p -> {
                int b = (int) p.begin("model.layers.0.mlp.gate_proj.weight_scale");
                p.data()[b] = (byte) bits;
                p.data()[b + 1] = (byte) (bits >> 8);
            });
            expectFailure("model.safetensors", "model.layers.0.mlp.gate_proj.weight_scale", "finite number > 0");
        }
    }

    @Test
    void scaleWithWrongShape() throws Exception {
        Fixtures.edit(weights, p -> {
            var e = p.entry("model.layers.0.mlp.up_proj.weight_scale");
            e.putArray("shape").add(1).add(1);
        });
        expectFailure("model.safetensors", "model.layers.0.mlp.up_proj.weight_scale", "[1, 1] found");
    }

    @Test
    void nonFiniteNorm() throws Exception {
        Fixtures.edit(weights, p -> {
            int b = (int) p.begin("model.layers.0.mlp.ffn_sub_norm.weight");
            p.data()[b + 2] = (byte) 0x80;
            p.data()[b + 3] = (byte) 0x7F;
        });
        expectFailure("model.safetensors", "model.layers.0.mlp.ffn_sub_norm.weight", "non-finite");
    }

    @Test
    void truncatedWeights() throws Exception {
        byte[] all = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(all, all.length - 100));
        expectFailure("model.safetensors", "past the end");
    }

    @Test
    void headerLengthBeyondFile() throws Exception {
        byte[] all = Files.readAllBytes(weights);
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(0, all.length);
        Files.write(weights, all);
        expectFailure("model.safetensors", "header length", "truncated");
    }

    @Test
    void absurdHeaderLength() throws Exception {
        byte[] all = Files.readAllBytes(weights);
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE);
        Files.write(weights, all);
        expectFailure("model.safetensors", "header length", "limit");
    }

    @Test
    void headerNotJson() throws Exception {
        byte[] all = Files.readAllBytes(weights);
        all[8] = '[';
        Files.write(weights, all);
        expectFailure("model.safetensors", "header", "JSON");
    }

    @Test
    void offsetsPastData() throws Exception {
        Fixtures.edit(weights, p -> {
            var e = p.entry("model.norm.weight");
            long b = p.begin("model.norm.weight");
            e.putArray("data_offsets").add(b + 1_000_000).add(b + 1_000_000 + 64);
        });
        expectFailure("model.safetensors", "model.norm.weight", "past the end");
    }

    @Test
    void overlappingTensors() throws Exception {
        Fixtures.edit(weights, p -> {
            var e = p.entry("model.layers.0.self_attn.q_proj.weight");
            long b = p.begin("model.layers.0.self_attn.q_proj.weight");
            e.putArray("data_offsets").add(b - 4).add(b - 4 + 8 * 32);
        });
        expectFailure("model.safetensors", "overlap");
    }

    @Test
    void unknownDtype() throws Exception {
        Fixtures.edit(weights, p -> p.entry("model.norm.weight").put("dtype", "F8_E4M3FNUZ"));
        expectFailure("model.safetensors", "model.norm.weight", "F8_E4M3FNUZ");
    }

    @Test
    void indexPointsToMissingShard() throws Exception {
        Files.delete(weights);
        new CheckpointWriter(config).shards(2).writeRandom(dir, 11);
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        expectFailure("model.safetensors.index.json", "model-00002-of-00002.safetensors", "missing");
    }

    @Test
    void moreLayersThanTheFilesHold() throws Exception {
        ModelConfigJson.write(dir.resolve("config.json"), ModelConfig.tiny(64, 1_000_000, 4, 2, 8, 48, true));
        expectFailure("config.json", "num_hidden_layers", "1000000 found", "2 layer(s)");
    }

    /** A config that says fewer layers than the files hold must not run on the first layers only. */
    @Test
    void fewerLayersThanTheFilesHold() throws Exception {
        ModelConfigJson.write(dir.resolve("config.json"), ModelConfig.tiny(64, 1, 4, 2, 8, 48, true));
        expectFailure("model.safetensors", "unexpected tensors", "num_hidden_layers 1 in config.json",
                "model.layers.1.input_layernorm.weight");
    }

    @Test
    void aTensorTheModelDoesNotHaveIsNamed() throws Exception {
        Fixtures.Parts.read(weights).copy("model.layers.0.input_layernorm.weight", "model.layers.0.mlp.extra_proj.weight")
                .write(weights);
        expectFailure("model.safetensors", "unexpected tensors", "model.layers.0.mlp.extra_proj.weight",
                "num_hidden_layers");
    }

    @Test
    void aCopyOfTheTiedOutputTableAndRotaryBuffersAreTolerated() throws Exception {
        Fixtures.Parts.read(weights).copy("model.embed_tokens.weight", "lm_head.weight")
                .copy("model.layers.1.input_layernorm.weight", "model.layers.1.self_attn.rotary_emb.inv_freq")
                .write(weights);
        Checkpoint.open(dir).close();
    }

    @Test
    void missingConfig() throws Exception {
        Files.delete(dir.resolve("config.json"));
        expectFailure("config.json", "missing");
    }

    @Test
    void badConfigField() throws Exception {
        Files.writeString(dir.resolve("config.json"),
                Files.readString(dir.resolve("config.json")).replace("\"relu2\"", "\"gelu\""));
        expectFailure("config.json", "hidden_act", "relu2");
    }

    @Test
    void missingWeights() throws Exception {
        Files.delete(weights);
        expectFailure("model.safetensors", "neither");
    }
}
