package io.bitnettt.download;

import io.bitnettt.cli.Main;
import io.bitnettt.demo.DemoModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code bitnet download} against a fake hub on loopback, then {@code bitnet generate} on what arrived. */
class DownloadCommandTest {

    private static String run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aDownloadedModelGeneratesExactlyLikeTheOriginal(@TempDir Path cache, @TempDir Path target) throws Exception {
        Path original = DemoModel.ensure(cache);
        String repo = "bitnet-tt/demo";
        try (FakeHub hub = new FakeHub(repo)
                .smallFile("config.json", Files.readAllBytes(original.resolve("config.json")))
                .smallFile("tokenizer_config.json", Files.readAllBytes(original.resolve("tokenizer_config.json")))
                .lfsFile("tokenizer.json", Files.readAllBytes(original.resolve("tokenizer.json")))
                .lfsFile("model.safetensors", Files.readAllBytes(original.resolve("model.safetensors")))) {
            Path dir = target.resolve("demo");
            String said = run("download", repo, "--dir", dir.toString(), "--endpoint", hub.baseUrl().toString());
            assertTrue(said.contains("downloaded " + repo), said);
            for (String f : new String[] {"config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"}) {
                assertEquals(-1, Files.mismatch(original.resolve(f), dir.resolve(f)), f);
            }
            String fromDownload = run("generate", "--model", dir.toString(), "--greedy", "--max-tokens", "6", "hello");
            String fromOriginal = run("generate", "--model", original.toString(), "--greedy", "--max-tokens", "6", "hello");
            assertEquals(fromOriginal, fromDownload);
        }
    }
}
