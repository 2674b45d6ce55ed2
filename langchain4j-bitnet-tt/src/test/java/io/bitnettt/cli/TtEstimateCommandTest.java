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
     * The tiny model of EmulatorDecodeCountsTest: 202,540 B read + 32,772 B written = 235,312 B and
     * 36 ops per token. n150: memory 235,312 / 288e9 s = 0.8 us, dispatch 36 x 5 us = 180 us, so
     * dispatch-bound at 1 / 180 us = 5555.6 tokens/s.
     */
    @Test
    void printsTheCountsTheCrossCheckAndTheRooflineTable(@TempDir Path dir) throws IOException {
        ModelConfig tiny = ModelConfig.tiny(100, 2, 4, 2, 16, 80, true);
        ModelConfigJson.write(dir.resolve(ModelConfigJson.FILE_NAME), tiny);
        assertEquals(0, run("tt-estimate", "--model", dir.toString(), "--context", "8", "--tokens", "4"),
                err.toString(StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("an estimate, not a measurement"), text);
        assertTrue(text.contains("- device ops: 36 in 1 trace replay(s); allocations 0, layout conversions 0"), text);
        assertTrue(text.contains("- DRAM: 202,540 B read + 32,772 B written = 235,312 B"), text);
        assertTrue(text.contains("- unexplained remainder: 0 B"), text);
        assertTrue(text.contains("| n150 (Wormhole, 1 chip) | 288 | 235312 | 5555.6 | dispatch |"), text);
        assertTrue(text.contains("| p150 (Blackhole) | 512 | 235312 | 5555.6 | dispatch |"), text);
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
