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
     * The tiny model of EmulatorDecodeCountsTest: 172,700 B read + 8,964 B written = 181,664 B and 70
     * TT-NN ops per token (28 per layer). n150: memory 181,664 / 288e9 s = 0.6 us, dispatch 70 x 6 us (the
     * sourced per-op cost) = 420 us, so dispatch-bound at 1 / 420 us = 2381.0 tokens/s.
     */
    @Test
    void printsTheCountsTheCrossCheckAndTheRooflineTable(@TempDir Path dir) throws IOException {
        ModelConfig tiny = ModelConfig.tiny(100, 2, 4, 2, 32, 96, true);
        ModelConfigJson.write(dir.resolve(ModelConfigJson.FILE_NAME), tiny);
        assertEquals(0, run("tt-estimate", "--model", dir.toString(), "--context", "8", "--tokens", "4"),
                err.toString(StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("an estimate, not a measurement"), text);
        assertTrue(text.contains("- TT-NN ops: 70 (for 37 fused primitives of the C ABI) in 1 trace replay(s); "
                + "allocations 0, layout conversions 0"), text);
        assertTrue(text.contains("- TT-NN ops per layer: 28 (measured against the same model with one layer), and 14 per token outside the layers"), text);
        assertTrue(text.contains("ttnn::linear 11,") && text.contains("ttnn::experimental::paged_fused_update_cache 2"), text);
        assertTrue(text.contains("- host<->device: 4 B (0 B in, 4 B out)"), text);
        assertTrue(text.contains("- DRAM: 172,700 B read + 8,964 B written = 181,664 B"), text);
        assertTrue(text.contains("- unexplained remainder: 0 B"), text);
        assertTrue(text.contains("| n150 (Wormhole, 1 chip) | 288 | 181664 | 2381.0 | dispatch |"), text);
        assertTrue(text.contains("| p150 (Blackhole) | 512 | 181664 | 2381.0 | dispatch |"), text);
        assertTrue(text.contains("Per-op cost: 6.0 us, the traced op-to-op gap bound of tt-metal "
                + "tech_reports/LLMs/llms.md"), text);
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
