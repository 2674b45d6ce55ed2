package io.bitnettt.download;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void drawsBarPercentSizeAndSpeedThrottled() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        AtomicLong clock = new AtomicLong(0);
        ProgressBar bar = new ProgressBar(out, "model.safetensors", 10_000_000, 0, clock::get, 100_000_000L);

        clock.set(1_000_000_000L);
        bar.update(5_000_000); // first update always draws
        bar.update(6_000_000); // same instant: throttled
        clock.addAndGet(50_000_000L);
        bar.update(7_000_000); // 50 ms later: still throttled
        clock.set(2_000_000_000L);
        bar.finish(10_000_000);

        String text = bytes.toString(StandardCharsets.UTF_8);
        String[] frames = text.split("\r", -1);
        assertEquals(3, frames.length, text); // "" before the first \r, then two drawn frames
        assertEquals("model.safetensors [###############---------------]  50% 5.0/10.0 MB  5.0 MB/s", frames[1]);
        assertTrue(frames[2].startsWith("model.safetensors [##############################] 100% 10.0/10.0 MB"),
                frames[2]);
        assertTrue(frames[2].endsWith("5.0 MB/s" + System.lineSeparator()), frames[2]);
    }

    @Test
    void unknownTotalShowsBytesOnly() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        AtomicLong clock = new AtomicLong(0);
        ProgressBar bar = new ProgressBar(out, "x", -1, 1_000_000, clock::get, 1);
        clock.set(1_000_000_000L);
        bar.finish(3_000_000);
        assertEquals("\rx 3.0 MB  2.0 MB/s" + System.lineSeparator(), bytes.toString(StandardCharsets.UTF_8));
    }
}
