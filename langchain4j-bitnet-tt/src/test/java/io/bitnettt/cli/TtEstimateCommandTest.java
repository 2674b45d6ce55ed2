package io.bitnettt.cli;

import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.ModelConfigJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class TtEstimateCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /**
     * The tiny model of EmulatorDecodeCountsTest: 470,680 B read + 36,868 B written = 507,548 B and
     * 248 TT-NN ops per token. n150: memory 507,548 / 288e9 s = 1.8 us, dispatch 248 x 5 us = 1240 us,
     * so dispatch-bound at 1 / 1240 us = 806.5 tokens/s.
     */
    @Test
    void printsTheCountsTheCrossCheckAndTheRooflineTable(@TempDir Path dir) throws IOException {
        ModelConfig tiny = ModelConfig.tiny(100, 2, 4, 2, 32, 96, true);
        ModelConfigJson.write(dir.resolve(ModelConfigJson.FILE_NAME), tiny);
        assertEquals(0, run("tt-estimate", "--model", dir.toString(), "--context", "8", "--tokens", "4"),
                err.toString(StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("an estimate, not a measurement"), text);
        assertTrue(text.contains("- TT-NN ops: 248 (for 36 fused primitives of the C ABI) in 1 trace replay(s); "
                + "allocations 0, layout conversions 0"), text);
        assertTrue(text.contains("ttnn::linear 19,") && text.contains("ttnn::experimental::paged_update_cache 4"), text);
        assertTrue(text.contains("- DRAM: 470,680 B read + 36,868 B written = 507,548 B"), text);
        assertTrue(text.contains("- unexplained remainder: 0 B"), text);
        assertTrue(text.contains("| n150 (Wormhole, 1 chip) | 288 | 507548 | 806.5 | dispatch |"), text);
        assertTrue(text.contains("| p150 (Blackhole) | 512 | 507548 | 806.5 | dispatch |"), text);
    }

    @Test
    void badOptionsAreUsageErrorsNamingTheOption() {
        assertEquals(2, run("tt-estimate", "--context", "many"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("Invalid value for option '--context'")
                && err.toString(StandardCharsets.UTF_8).contains("'many' is not an int"), err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(2, run("tt-estimate", "--op-overhead-us", "-1"));
        // The option as typed, not the roofline's parameter name (opOverheadSeconds).
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(
                "--op-overhead-us must be a finite number of microseconds >= 0, was -1.0"), err.toString(StandardCharsets.UTF_8));
    }
}
