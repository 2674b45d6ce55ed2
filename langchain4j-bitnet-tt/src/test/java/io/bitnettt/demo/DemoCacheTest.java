package io.bitnettt.demo;

import io.bitnettt.model.checkpoint.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The demo folder is complete or rebuilt, and nothing half-written is left in the cache. */
class DemoCacheTest {

    private static List<String> entries(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    @Test
    void anIncompleteDemoFolderIsRebuilt(@TempDir Path cache) throws Exception {
        Path dir = DemoModel.ensure(cache);
        byte[] weights = Files.readAllBytes(dir.resolve("model.safetensors"));
        Files.delete(dir.resolve("config.json"));
        Files.write(dir.resolve("tokenizer.json"), new byte[] {'{'});
        assertFalse(DemoCache.isComplete(dir));

        assertEquals(dir, DemoModel.ensure(cache));
        assertTrue(DemoCache.isComplete(dir));
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(4, c.layerCount());
        }
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.safetensors")));
    }

    @Test
    void aFolderWithoutItsManifestIsRebuilt(@TempDir Path cache) throws Exception {
        Path dir = cache.resolve("demo-model-" + DemoModel.VERSION);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("model.safetensors"), "half a file");
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        DemoModel.ensure(cache);
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(DemoModel.config().vocabSize(), c.config().vocabSize());
        }
    }

    @Test
    void temporaryFoldersOfWritersThatDiedAreRemoved(@TempDir Path cache) throws Exception {
        Path stale = Files.createDirectories(cache.resolve("demo-model-writing-123"));
        Files.writeString(stale.resolve("model.safetensors"), "partial");
        DemoModel.ensure(cache);
        assertEquals(List.of("demo-model-" + DemoModel.VERSION), entries(cache));
    }

    @Test
    void aFailedWriteLeavesNothingAndSaysWhy(@TempDir Path cache) throws Exception {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> DemoCache.ensure(cache, "x", dir -> {
            Files.writeString(dir.resolve("a"), "1");
            throw new IOException("No space left on device");
        }));
        assertTrue(e.getMessage().contains("No space left on device") && e.getMessage().contains(cache.toString()),
                e.getMessage());
        assertEquals(List.of(), entries(cache));
        // The next try starts clean and succeeds.
        DemoCache.ensure(cache, "x", dir -> Files.writeString(dir.resolve("a"), "1"));
        assertEquals(List.of("x"), entries(cache));
    }

    @Test
    void concurrentFirstRunsWriteOnceAndLeaveNoTemporaries(@TempDir Path cache) throws Exception {
        AtomicInteger writes = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return DemoCache.ensure(cache, "x", dir -> {
                        writes.incrementAndGet();
                        Files.writeString(dir.resolve("a"), "content");
                    });
                }));
            }
            start.countDown();
            for (Future<Path> f : results) {
                assertEquals(cache.resolve("x"), f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, writes.get());
        assertEquals(List.of("x"), entries(cache));
        assertEquals("content", Files.readString(cache.resolve("x").resolve("a")));
    }
}
