package io.bitnettt.tt.roofline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class RooflineMainTest {

    @Test
    void readsCountsFile(@TempDir Path dir) throws Exception {
        Path json = Files.writeString(dir.resolve("counts.json"), """
                {"ops": 0, "dramBytesRead": 1000000000, "dramBytesWritten": 0,
                 "hostDeviceBytes": 8, "traceReplays": 1, "note": "from the emulator"}""");
        String table = run("--counts", json.toString());
        assertTrue(table.contains("| n150 (Wormhole, 1 chip) | 288 | 1000000000 | 288.0 | memory |"), table);
    }

    @Test
    void analyticCountsFromAHuggingFaceConfig(@TempDir Path dir) throws Exception {
        // The 2B-4T dimensions, with the non-numeric members a real config has.
        Path config = Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["BitNetForCausalLM"], "hidden_act": "relu2", "hidden_size": 2560,
                 "intermediate_size": 6912, "num_hidden_layers": 30, "num_attention_heads": 20,
                 "num_key_value_heads": 5, "vocab_size": 128256, "rope_theta": 500000.0,
                 "rope_scaling": null, "quantization_config": {"quant_method": "bitnet", "bits": [1, 58]},
                 "tie_word_embeddings": false}""");
        // 1,521,136,640 B per token (see BitNetDecodeModelTest) -> n150 189.3 tokens/s.
        String table = run("--model", config.toString());
        assertTrue(table.contains("| n150 (Wormhole, 1 chip) | 288 | 1521136640 | 189.3 | memory |"), table);
    }

    @Test
    void missingFieldAndBadArgumentsAreNamed(@TempDir Path dir) throws Exception {
        Path json = Files.writeString(dir.resolve("c.json"), "{\"ops\": 1}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run("--counts", json.toString()));
        assertTrue(e.getMessage().contains("'dramBytesRead'") && e.getMessage().contains("c.json"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run("--bogus"));
        assertTrue(e.getMessage().contains("--bogus"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RooflineMain.countsFromJson("{\"ops\": 1.5", "x.json"));
        assertTrue(e.getMessage().contains("x.json"), e.getMessage());
    }

    private static String run(String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RooflineMain.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
