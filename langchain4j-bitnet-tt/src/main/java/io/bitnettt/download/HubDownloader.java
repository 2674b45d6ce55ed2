package io.bitnettt.download;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Downloads a Hugging Face Hub repository snapshot into a local directory.
 *
 * <ul>
 *   <li>Files are listed with {@code GET {base}/api/models/{repo}/revision/{rev}?blobs=true} and fetched from
 *       {@code {base}/{repo}/resolve/{commit}/{path}}.</li>
 *   <li>Each file is written to {@code <name>.part} and renamed only after its size and (for LFS files) SHA-256
 *       match the listing, so a file without that suffix is always complete.</li>
 *   <li>An existing {@code .part} is resumed with {@code Range: bytes=N-}; a server that answers 200 instead of
 *       206 is handled by starting that file over.</li>
 *   <li>Files already present with the right size and hash are skipped. This re-hashes them, which for a
 *       1.2 GB checkpoint costs a few seconds but catches silent corruption.</li>
 *   <li>A body that goes silent for {@link Builder#readTimeout} is abandoned with an exception, keeping the
 *       {@code .part} for the next run; the JDK client has no read timeout of its own.</li>
 *   <li>A token (by default {@code HF_TOKEN} from the environment) is sent as a bearer token, but only to the
 *       base URL's origin: resolve URLs redirect to a CDN that must not see it.</li>
 * </ul>
 *
 * <p>All failures are {@link HubDownloadException}s naming the URL and HTTP status; integrity failures are
 * the subclass {@link FileIntegrityException}. Downloads run sequentially on the calling thread.
 */
public final class HubDownloader {

    public static final URI DEFAULT_BASE_URL = URI.create("https://huggingface.co");
    public static final String DEFAULT_REPO = "microsoft/bitnet-b1.58-2B-4T";
    public static final String DEFAULT_REVISION = "main";

    private static final int MAX_REDIRECTS = 10;
    private static final int BUFFER_SIZE = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client;
    private final URI baseUrl;
    private final String token;
    private final PrintStream progress;
    private final Duration requestTimeout;
    private final Duration readTimeout;
    private final LongSupplier nanoClock;
    private final long progressIntervalNanos;

    private HubDownloader(Builder b) {
        this.client = b.client != null ? b.client : HttpClient.newBuilder()
                .connectTimeout(b.connectTimeout)
                // Redirects are followed by hand so the bearer token and Range header are controlled per hop.
                .followRedirects(HttpClient.Redirect.NEVER)
                // HTTP/1.1: one large sequential stream gains nothing from HTTP/2 and avoids its flow-control limits.
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        String base = b.baseUrl.toString();
        this.baseUrl = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
        this.token = b.token == null || b.token.isBlank() ? null : b.token.strip();
        this.progress = b.progress;
        this.requestTimeout = b.requestTimeout;
        this.readTimeout = b.readTimeout;
        this.nanoClock = b.nanoClock;
        this.progressIntervalNanos = b.progressIntervalNanos;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Downloads {@link #DEFAULT_REPO} at {@link #DEFAULT_REVISION}. */
    public Path download(Path targetDir) throws IOException {
        return download(DEFAULT_REPO, DEFAULT_REVISION, targetDir);
    }

    /**
     * Brings {@code targetDir} up to date with the repository at {@code revision} and returns it.
     * Safe to rerun after an interruption: complete files are skipped and partial ones resumed.
     */
    public Path download(String repo, String revision, Path targetDir) throws IOException {
        download(repo, revision, targetDir, FileSelection.all());
        return targetDir;
    }

    /**
     * As {@link #download(String, String, Path)}, for the files {@code selection} picks from the
     * listing, each with the same resume, size and hash checks; returns their local paths.
     */
    public List<Path> download(String repo, String revision, Path targetDir, FileSelection selection)
            throws IOException {
        HubSnapshot listed = listFiles(repo, revision);
        HubSnapshot snapshot = new HubSnapshot(listed.repo(), listed.revision(), listed.commit(),
                selection.select(listed));
        Files.createDirectories(targetDir);
        log(String.format(Locale.ROOT, "%s@%s (%s): %d of %d files, %.1f MB -> %s", repo, revision, snapshot.commit(),
                snapshot.files().size(), listed.files().size(), snapshot.totalBytes() / 1e6, targetDir));
        List<Path> done = new ArrayList<>();
        for (HubFile file : snapshot.files()) {
            downloadFile(snapshot, file, targetDir);
            done.add(targetDir.resolve(file.path()));
        }
        return done;
    }

    /** Lists the repository's files with their sizes and LFS hashes. */
    public HubSnapshot listFiles(String repo, String revision) throws IOException {
        checkRepo(repo);
        Objects.requireNonNull(revision, "revision");
        URI url = URI.create(baseUrl + "/api/models/" + encodePath(repo) + "/revision/" + encodeSegment(revision)
                + "?blobs=true");
        HttpResponse<InputStream> response = send(url, 0);
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw httpError(response, body, "listing " + repo + "@" + revision);
            }
            JsonNode json;
            try {
                json = JSON.readTree(body);
            } catch (IOException e) {
                throw new HubDownloadException("unreadable JSON from " + url + ": " + e.getMessage(), url, 200, e);
            }
            return HubSnapshot.parse(repo, revision, json, url);
        }
    }

    private void downloadFile(HubSnapshot snapshot, HubFile file, Path targetDir) throws IOException {
        Path target = targetDir.resolve(file.path());
        if (!target.normalize().startsWith(targetDir.normalize())) {
            throw new IllegalStateException("path escapes target directory: " + file.path()); // HubFile forbids it
        }
        Files.createDirectories(target.getParent());
        URI url = URI.create(baseUrl + "/" + encodePath(snapshot.repo()) + "/resolve/"
                + encodeSegment(snapshot.commit()) + "/" + encodePath(file.path()));

        if (Files.isRegularFile(target) && matches(target, file)) {
            log(file.path() + ": up to date");
            return;
        }
        Path part = target.resolveSibling(target.getFileName() + ".part");
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (file.size() >= 0 && have > file.size()) {
            Files.delete(part); // longer than the real file: cannot be a prefix of it
            have = 0;
        }
        MessageDigest digest = sha256();
        if (have > 0) {
            hashInto(part, digest);
        }
        if (file.size() < 0 || have < file.size()) {
            fetch(url, file, part, have, digest);
        }
        verify(url, file, part, digest);
        moveIntoPlace(part, target);
    }

    /** Appends the rest of the file to {@code part}, restarting it if the server does not honour the range. */
    private void fetch(URI url, HubFile file, Path part, long have, MessageDigest digest) throws IOException {
        HttpResponse<InputStream> response = send(url, have);
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            if (have > 0 && status == 416) {
                // The server says our offset is past its end: the part is not a prefix of this file.
                body.close();
                Files.deleteIfExists(part);
                digest.reset();
                fetch(url, file, part, 0, digest);
                return;
            }
            if (have > 0 && status == 206) {
                long start = contentRangeStart(response);
                if (start >= 0 && start != have) {
                    throw new HubDownloadException("GET " + url + " answered Content-Range starting at " + start
                            + " for a request from byte " + have, url, status);
                }
            } else if (status == 200) {
                if (have > 0) {
                    log(file.path() + ": server ignored the resume range, starting over");
                    digest.reset();
                    have = 0;
                }
            } else {
                throw httpError(response, body, "downloading " + file.path());
            }
            copy(url, file, body, part, have, digest);
        }
    }

    private void copy(URI url, HubFile file, InputStream body, Path part, long have, MessageDigest digest)
            throws IOException {
        ProgressBar bar = progress == null ? null
                : new ProgressBar(progress, file.path(), file.size(), have, nanoClock, progressIntervalNanos);
        long done = have;
        StandardOpenOption mode = have > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        IdleWatchdog watchdog = IdleWatchdog.start(readTimeout, body);
        try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                mode)) {
            byte[] buffer = new byte[BUFFER_SIZE];
            int n;
            while (true) {
                try {
                    n = body.read(buffer);
                } catch (IOException e) {
                    throw lostConnection(url, done, watchdog, e);
                }
                if (n < 0) {
                    break;
                }
                watchdog.progressed();
                out.write(buffer, 0, n);
                digest.update(buffer, 0, n);
                done += n;
                if (bar != null) {
                    bar.update(done);
                }
            }
        } finally {
            watchdog.stop();
        }
        if (watchdog.fired()) {
            // The stream was closed under the reader, which may look like a normal end of data.
            throw lostConnection(url, done, watchdog, null);
        }
        if (bar != null) {
            bar.finish(done);
        }
    }

    private HubDownloadException lostConnection(URI url, long done, IdleWatchdog watchdog, IOException cause) {
        String why = watchdog.fired() ? "no data for " + readTimeout.toMillis() + " ms" : String.valueOf(cause);
        return new HubDownloadException("connection lost while downloading " + url + " after " + done
                + " bytes (" + why + "); rerun to resume from the .part file", url, -1, cause);
    }

    private static void verify(URI url, HubFile file, Path part, MessageDigest digest) throws IOException {
        long actualSize = Files.size(part);
        if (file.size() >= 0 && actualSize != file.size()) {
            Files.deleteIfExists(part);
            throw new FileIntegrityException(file.path(), "size", file.size() + " bytes", actualSize + " bytes", url);
        }
        if (file.sha256() != null) {
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equals(file.sha256())) {
                Files.deleteIfExists(part);
                throw new FileIntegrityException(file.path(), "sha256", file.sha256(), actual, url);
            }
        }
    }

    private static boolean matches(Path existing, HubFile file) throws IOException {
        if (file.size() >= 0 && Files.size(existing) != file.size()) {
            return false;
        }
        if (file.sha256() == null) {
            return true;
        }
        MessageDigest digest = sha256();
        hashInto(existing, digest);
        return HexFormat.of().formatHex(digest.digest()).equals(file.sha256());
    }

    private static void moveIntoPlace(Path part, Path target) throws IOException {
        try {
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** GET with manual redirects; a positive {@code rangeStart} asks for the bytes from there on. */
    private HttpResponse<InputStream> send(URI url, long rangeStart) throws IOException {
        URI current = url;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(current).GET().timeout(requestTimeout)
                    .header("User-Agent", "bitnet-tt");
            if (token != null && sameOrigin(current, baseUrl)) {
                request.header("Authorization", "Bearer " + token);
            }
            if (rangeStart > 0) {
                request.header("Range", "bytes=" + rangeStart + "-");
            }
            HttpResponse<InputStream> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while requesting " + current);
            } catch (IOException e) {
                throw new HubDownloadException("GET " + current + " failed: " + e, current, -1, e);
            }
            int status = response.statusCode();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                response.body().close();
                String location = response.headers().firstValue("Location").orElseThrow(
                        () -> new HubDownloadException("GET " + url + ": HTTP " + status + " without Location",
                                url, status));
                current = current.resolve(location);
                continue;
            }
            return response;
        }
        throw new HubDownloadException("GET " + url + ": more than " + MAX_REDIRECTS + " redirects", url, -1);
    }

    private static HubDownloadException httpError(HttpResponse<?> response, InputStream body, String what) {
        int status = response.statusCode();
        URI url = response.uri();
        String detail = "";
        try {
            // Hub errors carry a short JSON reason such as {"error":"Repository not found"}.
            byte[] head = body.readNBytes(300);
            detail = new String(head, StandardCharsets.UTF_8).strip();
        } catch (IOException ignored) {
            // The status alone is still worth reporting.
        }
        String hint = switch (status) {
            case 401, 403 -> " (gated or private repository: accept its terms and set HF_TOKEN)";
            case 404 -> " (repository, revision or file not found)";
            default -> "";
        };
        return new HubDownloadException("GET " + url + " failed while " + what + ": HTTP " + status + hint
                + (detail.isEmpty() ? "" : ": " + detail), url, status);
    }

    private static long contentRangeStart(HttpResponse<?> response) {
        // "bytes 100-999/1000"
        return response.headers().firstValue("Content-Range")
                .filter(v -> v.startsWith("bytes ") && v.indexOf('-') > 6)
                .map(v -> {
                    try {
                        return Long.parseLong(v.substring(6, v.indexOf('-')).strip());
                    } catch (NumberFormatException e) {
                        return -1L;
                    }
                })
                .orElse(-1L);
    }

    private static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && Objects.equals(a.getHost(), b.getHost())
                && a.getPort() == b.getPort();
    }

    private static void checkRepo(String repo) {
        if (repo == null || !repo.matches("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?")) {
            throw new IllegalArgumentException("repository must look like owner/name, was " + repo);
        }
    }

    private static String encodePath(String path) {
        StringBuilder out = new StringBuilder();
        for (String segment : path.split("/", -1)) {
            if (!out.isEmpty()) {
                out.append('/');
            }
            out.append(encodeSegment(segment));
        }
        return out.toString();
    }

    /** Percent-encodes one path segment; '/' inside a revision such as refs/pr/1 becomes %2F, as the Hub expects. */
    private static String encodeSegment(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK must provide SHA-256", e);
        }
    }

    private static void hashInto(Path file, MessageDigest digest) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[BUFFER_SIZE];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
    }

    private void log(String line) {
        if (progress != null) {
            progress.println(line);
            progress.flush();
        }
    }

    /** Settings for {@link HubDownloader}; every one has a usable default. */
    public static final class Builder {
        private URI baseUrl = DEFAULT_BASE_URL;
        private String token = System.getenv("HF_TOKEN");
        private PrintStream progress = System.err;
        private HttpClient client;
        private Duration connectTimeout = Duration.ofSeconds(30);
        private Duration requestTimeout = Duration.ofSeconds(60);
        private Duration readTimeout = Duration.ofSeconds(60);
        private LongSupplier nanoClock = System::nanoTime;
        private long progressIntervalNanos = 200_000_000L;

        private Builder() {
        }

        /** Hub to talk to; default https://huggingface.co (a mirror or a test server also works). */
        public Builder baseUrl(URI v) { baseUrl = Objects.requireNonNull(v, "baseUrl"); return this; }
        public Builder baseUrl(String v) { return baseUrl(URI.create(v)); }
        /** Bearer token; default the HF_TOKEN environment variable; null or blank sends none. */
        public Builder token(String v) { token = v; return this; }
        /** Where the progress bar and per-file lines go; default System.err, null for silence. */
        public Builder progress(PrintStream v) { progress = v; return this; }
        /** A custom client; it should not follow redirects itself, or tokens may reach redirect targets. */
        public Builder httpClient(HttpClient v) { client = v; return this; }
        public Builder connectTimeout(Duration v) { connectTimeout = Objects.requireNonNull(v); return this; }
        /** Time allowed until response headers arrive; the body itself may take as long as it needs. */
        public Builder requestTimeout(Duration v) { requestTimeout = Objects.requireNonNull(v); return this; }

        /** Longest silence tolerated while a file body streams before giving up (keeping the .part); 60 s. */
        public Builder readTimeout(Duration v) {
            if (v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException("readTimeout must be positive, was " + v);
            }
            readTimeout = v;
            return this;
        }

        /** Minimum time between progress redraws; default 200 ms. */
        public Builder progressInterval(Duration v) { progressIntervalNanos = v.toNanos(); return this; }

        Builder nanoClock(LongSupplier v) { nanoClock = v; return this; }

        public HubDownloader build() {
            return new HubDownloader(this);
        }
    }
}
