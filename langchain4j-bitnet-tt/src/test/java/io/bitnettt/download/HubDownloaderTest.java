package io.bitnettt.download;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubDownloaderTest {

    private static final String REPO = "microsoft/bitnet-b1.58-2B-4T";
    private static final byte[] CONFIG = "{\"hidden_size\": 2560}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MODEL = randomBytes(3_000_000, 1);
    private static final byte[] TOKENIZER = randomBytes(70_000, 2);

    @TempDir
    Path dir;
    private FakeHub hub;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt();
        }
        return b;
    }

    @BeforeEach
    void startHub() throws IOException {
        hub = new FakeHub(REPO)
                .smallFile("config.json", CONFIG)
                .lfsFile("model.safetensors", MODEL)
                .lfsFile("tokenizer/tokenizer.json", TOKENIZER);
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private HubDownloader downloader() {
        return HubDownloader.builder().baseUrl(hub.baseUrl()).token(null)
                .progress(new PrintStream(log, true, StandardCharsets.UTF_8)).build();
    }

    private void assertAllFilesCorrect() throws IOException {
        assertArrayEquals(CONFIG, Files.readAllBytes(dir.resolve("config.json")));
        assertArrayEquals(MODEL, Files.readAllBytes(dir.resolve("model.safetensors")));
        assertArrayEquals(TOKENIZER, Files.readAllBytes(dir.resolve("tokenizer/tokenizer.json")));
        try (var files = Files.walk(dir)) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".part")), "leftover .part files");
        }
    }

    @Test
    void listsFilesWithLfsMetadata() throws IOException {
        HubSnapshot s = downloader().listFiles(REPO, "main");
        assertEquals(FakeHub.COMMIT, s.commit());
        assertEquals(List.of(
                new HubFile("config.json", CONFIG.length, null),
                new HubFile("model.safetensors", MODEL.length, FakeHub.sha256(MODEL)),
                new HubFile("tokenizer/tokenizer.json", TOKENIZER.length, FakeHub.sha256(TOKENIZER))), s.files());
        assertEquals(CONFIG.length + MODEL.length + TOKENIZER.length, s.totalBytes());
    }

    @Test
    void freshDownloadWritesVerifiedFiles() throws IOException {
        assertEquals(dir, downloader().download(REPO, "main", dir));
        assertAllFilesCorrect();
        // Files are fetched at the listed commit, LFS ones through the redirect.
        assertTrue(hub.requests.stream().anyMatch(r -> r.path().equals("/cdn/model.safetensors")));
        assertTrue(hub.fileRequests().stream().allMatch(r -> r.range() == null));
        String out = log.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("model.safetensors ["), out);
        assertTrue(out.contains("100%"), out);
    }

    @Test
    void resumesPartialFileWithRangeRequest() throws IOException {
        Files.write(dir.resolve("model.safetensors.part"), Arrays.copyOf(MODEL, 1_234_567));
        downloader().download(REPO, "main", dir);
        assertAllFilesCorrect();
        // The range must survive the redirect to the CDN.
        assertTrue(hub.requests.contains(new FakeHub.Request("/cdn/model.safetensors", "bytes=1234567-", null)),
                hub.requests.toString());
    }

    @Test
    void stalledConnectionTimesOutAndTheNextRunResumes() throws IOException {
        hub.smallFile("config.json", CONFIG);
        hub.dropNextAfter = 5; // hits config.json, the first file
        HubDownloader impatient = HubDownloader.builder().baseUrl(hub.baseUrl()).token(null).progress(null)
                .readTimeout(java.time.Duration.ofMillis(300)).build();
        var e = assertThrows(HubDownloadException.class, () -> impatient.download(REPO, "main", dir));
        assertEquals(-1, e.statusCode());
        assertTrue(e.getMessage().contains("/config.json"), e.getMessage());
        assertEquals(5, Files.size(dir.resolve("config.json.part")));
        assertFalse(Files.exists(dir.resolve("config.json")));

        downloader().download(REPO, "main", dir);
        assertAllFilesCorrect();
        assertTrue(hub.requests.stream().anyMatch(r -> r.path().endsWith("/config.json")
                && "bytes=5-".equals(r.range())), hub.requests.toString());
    }

    @Test
    void restartsWhenServerIgnoresRange() throws IOException {
        hub.honourRange = false;
        Files.write(dir.resolve("model.safetensors.part"), Arrays.copyOf(MODEL, 1000));
        downloader().download(REPO, "main", dir);
        assertAllFilesCorrect();
    }

    @Test
    void completePartIsVerifiedWithoutDownloadingAgain() throws IOException {
        Files.write(dir.resolve("model.safetensors.part"), MODEL);
        downloader().download(REPO, "main", dir);
        assertAllFilesCorrect();
        assertTrue(hub.fileRequests().stream().noneMatch(r -> r.path().endsWith("model.safetensors")));
    }

    @Test
    void corruptContentFailsShaCheckAndLeavesNoFile() throws IOException {
        byte[] corrupt = MODEL.clone();
        corrupt[12345] ^= 1;
        hub.lfsFile("model.safetensors", MODEL, corrupt);
        var e = assertThrows(FileIntegrityException.class, () -> downloader().download(REPO, "main", dir));
        assertEquals("model.safetensors", e.file());
        assertEquals("sha256", e.property());
        assertEquals(FakeHub.sha256(MODEL), e.expected());
        assertEquals(FakeHub.sha256(corrupt), e.actual());
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains(FakeHub.sha256(MODEL))
                && e.getMessage().contains(FakeHub.sha256(corrupt)), e.getMessage());
        assertFalse(Files.exists(dir.resolve("model.safetensors")));
        assertFalse(Files.exists(dir.resolve("model.safetensors.part")));
    }

    @Test
    void truncatedContentFailsSizeCheck() {
        hub.smallFile("config.json", CONFIG); // announced size is of CONFIG
        hub.lfsFile("model.safetensors", MODEL, Arrays.copyOf(MODEL, 100));
        var e = assertThrows(FileIntegrityException.class, () -> downloader().download(REPO, "main", dir));
        assertEquals("size", e.property());
        assertEquals(MODEL.length + " bytes", e.expected());
        assertEquals("100 bytes", e.actual());
        assertFalse(Files.exists(dir.resolve("model.safetensors.part")));
    }

    @Test
    void missingRepositoryNamesUrlAndStatus() {
        var e = assertThrows(HubDownloadException.class,
                () -> downloader().download("nobody/missing", "main", dir));
        assertEquals(404, e.statusCode());
        String expectedUrl = hub.baseUrl() + "/api/models/nobody/missing/revision/main?blobs=true";
        assertEquals(expectedUrl, e.url().toString());
        assertTrue(e.getMessage().contains(expectedUrl), e.getMessage());
        assertTrue(e.getMessage().contains("404"), e.getMessage());
        assertTrue(e.getMessage().contains("Repository not found"), e.getMessage());
    }

    @Test
    void networkFailureNamesUrl() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        HubDownloader d = HubDownloader.builder().baseUrl("http://127.0.0.1:" + closedPort).token(null)
                .progress(null).build();
        var e = assertThrows(HubDownloadException.class, () -> d.download(REPO, "main", dir));
        assertEquals(-1, e.statusCode());
        assertTrue(e.getMessage().contains("127.0.0.1:" + closedPort), e.getMessage());
    }

    @Test
    void completeFilesAreNotDownloadedAgain() throws IOException {
        downloader().download(REPO, "main", dir);
        int before = hub.fileRequests().size();
        assertEquals(5, before); // config.json plus resolve and CDN hops for the two LFS files
        downloader().download(REPO, "main", dir);
        assertEquals(before, hub.fileRequests().size(), hub.requests.toString());
        assertAllFilesCorrect();
    }

    @Test
    void corruptedExistingFileIsReplaced() throws IOException {
        downloader().download(REPO, "main", dir);
        byte[] damaged = MODEL.clone();
        damaged[0] ^= 1; // same size, wrong hash
        Files.write(dir.resolve("model.safetensors"), damaged);
        hub.requests.clear();
        downloader().download(REPO, "main", dir);
        assertAllFilesCorrect();
        assertEquals(List.of("/" + REPO + "/resolve/" + FakeHub.COMMIT + "/model.safetensors",
                "/cdn/model.safetensors"), hub.fileRequests().stream().map(FakeHub.Request::path).toList());
    }

    @Test
    void tokenGoesOnlyToTheHubOrigin() throws IOException {
        try (FakeHub cdn = new FakeHub(REPO).lfsFile("model.safetensors", MODEL)
                .lfsFile("tokenizer/tokenizer.json", TOKENIZER)) {
            hub.cdnBase = cdn.baseUrl();
            HubDownloader d = HubDownloader.builder().baseUrl(hub.baseUrl()).token("hf_secret").progress(null)
                    .build();
            d.download(REPO, "main", dir);
            assertAllFilesCorrect();
            for (FakeHub.Request r : hub.requests) {
                assertEquals("Bearer hf_secret", r.authorization(), r.path());
            }
            assertEquals(2, cdn.requests.size());
            for (FakeHub.Request r : cdn.requests) {
                assertNull(r.authorization(), r.path());
            }
        }
        // Without a token nothing is sent.
        hub.requests.clear();
        downloader().listFiles(REPO, "main");
        assertNull(hub.requests.getFirst().authorization());
    }

    @Test
    void unsafePathsFromTheHubAreRejected() {
        for (String bad : List.of("../evil", "/etc/passwd", "a/../../b", "a//b", "a\\b", "")) {
            assertThrows(IllegalArgumentException.class, () -> new HubFile(bad, 1, null), bad);
        }
        hub.smallFile("../escape.txt", CONFIG);
        var e = assertThrows(HubDownloadException.class, () -> downloader().download(REPO, "main", dir));
        assertTrue(e.getMessage().contains("../escape.txt"), e.getMessage());
    }
}
