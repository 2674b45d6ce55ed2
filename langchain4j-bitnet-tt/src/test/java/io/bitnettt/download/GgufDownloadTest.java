package io.bitnettt.download;

import io.bitnettt.engine.BitNetModel;
import io.bitnettt.engine.BitNetOptions;
import io.bitnettt.generate.SamplingParameters;
import io.bitnettt.model.gguf.GgufFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A GGUF repository (like microsoft/bitnet-b1.58-2B-4T-gguf: a model card and one .gguf) downloads
 * as its one model file, with the same progress, resume and size and sha256 checks as a folder.
 */
class GgufDownloadTest {

    private static final String REPO = "microsoft/bitnet-b1.58-2B-4T-gguf";
    private static final String FILE = "ggml-model-i2_s.gguf";

    @TempDir
    Path dir;
    private FakeHub hub;
    private byte[] gguf;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void startHub() throws IOException {
        gguf = Files.readAllBytes(GgufFixture.gguf("i2_s"));
        hub = new FakeHub(REPO).smallFile(".gitattributes", "*.gguf filter=lfs\n".getBytes(StandardCharsets.UTF_8))
                .smallFile("README.md", "# BitNet b1.58 2B4T gguf\n".getBytes(StandardCharsets.UTF_8))
                .lfsFile(FILE, gguf);
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private HubDownloader downloader() {
        return HubDownloader.builder().baseUrl(hub.baseUrl()).token(null)
                .progress(new PrintStream(log, true, StandardCharsets.UTF_8)).build();
    }

    @Test
    void theModelOfAGgufRepositoryIsItsOneGgufFile() throws IOException {
        List<Path> got = downloader().download(REPO, "main", dir, FileSelection.model());
        assertEquals(List.of(dir.resolve(FILE)), got);
        assertArrayEquals(gguf, Files.readAllBytes(dir.resolve(FILE)));
        assertFalse(Files.exists(dir.resolve("README.md")));
        assertTrue(hub.fileRequests().stream().allMatch(r -> r.path().endsWith(FILE)), hub.requests.toString());
        String out = log.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("1 of 3 files") && out.contains(FILE + " [") && out.contains("100%"), out);
        // What came down is a model the engine loads.
        try (BitNetModel m = BitNetModel.load(BitNetOptions.of(got.getFirst()).withBackend("cpu").withThreads(2)
                .withContextLength(32))) {
            assertEquals(4, m.complete("The engine", SamplingParameters.builder().temperature(0).maxNewTokens(4)
                    .build(), s -> { }, () -> false).tokens().length);
        }
    }

    @Test
    void aPartialGgufResumesWithARangeRequestAndIsVerified() throws IOException {
        Files.write(dir.resolve(FILE + ".part"), Arrays.copyOf(gguf, 100_000));
        downloader().download(REPO, "main", dir, FileSelection.model());
        assertArrayEquals(gguf, Files.readAllBytes(dir.resolve(FILE)));
        assertTrue(hub.requests.contains(new FakeHub.Request("/cdn/" + FILE, "bytes=100000-", null)),
                hub.requests.toString());
        assertFalse(Files.exists(dir.resolve(FILE + ".part")));
    }

    @Test
    void aCorruptGgufFailsTheShaCheckAndLeavesNoFile() {
        byte[] corrupt = gguf.clone();
        corrupt[200_000] ^= 4;
        hub.lfsFile(FILE, gguf, corrupt);
        var e = assertThrows(FileIntegrityException.class,
                () -> downloader().download(REPO, "main", dir, FileSelection.model()));
        assertEquals(FILE, e.file());
        assertEquals("sha256", e.property());
        assertFalse(Files.exists(dir.resolve(FILE)));
        assertFalse(Files.exists(dir.resolve(FILE + ".part")));
    }

    @Test
    void severalGgufFilesAskForAChoiceAndANamedOneIsFetchedAlone() throws IOException {
        byte[] other = Files.readAllBytes(GgufFixture.gguf("tq2_0"));
        hub.lfsFile("ggml-model-tq2_0.gguf", other);
        var e = assertThrows(IllegalArgumentException.class,
                () -> downloader().download(REPO, "main", dir, FileSelection.model()));
        assertTrue(e.getMessage().contains(FILE) && e.getMessage().contains("ggml-model-tq2_0.gguf")
                && e.getMessage().contains("choose one"), e.getMessage());

        List<Path> got = downloader().download(REPO, "main", dir, FileSelection.paths(List.of("ggml-model-tq2_0.gguf")));
        assertEquals(List.of(dir.resolve("ggml-model-tq2_0.gguf")), got);
        assertArrayEquals(other, Files.readAllBytes(got.getFirst()));
        assertFalse(Files.exists(dir.resolve(FILE)));

        var missing = assertThrows(IllegalArgumentException.class,
                () -> downloader().download(REPO, "main", dir, FileSelection.paths(List.of("nope.gguf"))));
        assertTrue(missing.getMessage().contains("no file 'nope.gguf'") && missing.getMessage().contains(FILE),
                missing.getMessage());
    }

    @Test
    void aHuggingFaceFolderIsFetchedWhole() throws IOException {
        hub.smallFile("config.json", "{}".getBytes(StandardCharsets.UTF_8));
        List<Path> got = downloader().download(REPO, "main", dir, FileSelection.model());
        assertEquals(4, got.size());
    }
}
