package io.bitnettt.download;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A minimal Hugging Face Hub on 127.0.0.1 that records every request it receives (public for the CLI tests). */
public final class FakeHub implements AutoCloseable {

    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    /** One received request: path (decoded), Range header and Authorization header (null when absent). */
    public record Request(String path, String range, String authorization) {
    }

    private record Entry(byte[] served, long announcedSize, String sha256, boolean lfs) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch released = new CountDownLatch(1);
    private final String repo;
    private final Map<String, Entry> files = new LinkedHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    volatile boolean honourRange = true;
    /** When true, LFS resolve requests redirect to /cdn/... like the real Hub. */
    volatile boolean redirectLfs = true;
    /** When >= 0, the next file response stalls forever after this many body bytes. */
    volatile int dropNextAfter = -1;
    /** Where LFS redirects point; by default this same server. */
    volatile URI cdnBase;

    public FakeHub(String repo) throws IOException {
        this.repo = repo;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        // Several threads so that a deliberately stalled response does not block later requests.
        server.setExecutor(executor);
        server.start();
    }

    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** A small (non-LFS) file: the listing carries only its size. */
    public FakeHub smallFile(String path, byte[] content) {
        files.put(path, new Entry(content, content.length, null, false));
        return this;
    }

    /** An LFS file announced with the hash and size of {@code announced} but serving {@code served}. */
    FakeHub lfsFile(String path, byte[] announced, byte[] served) {
        files.put(path, new Entry(served, announced.length, sha256(announced), true));
        return this;
    }

    public FakeHub lfsFile(String path, byte[] content) {
        return lfsFile(path, content, content);
    }

    public List<Request> fileRequests() {
        return requests.stream().filter(r -> !r.path().startsWith("/api/")).toList();
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            requests.add(new Request(path, ex.getRequestHeaders().getFirst("Range"),
                    ex.getRequestHeaders().getFirst("Authorization")));
            String api = "/api/models/" + repo + "/revision/main";
            String resolve = "/" + repo + "/resolve/" + COMMIT + "/";
            if (path.equals(api) && "blobs=true".equals(ex.getRequestURI().getQuery())) {
                send(ex, 200, listing().getBytes(StandardCharsets.UTF_8));
            } else if (path.startsWith(resolve) && files.containsKey(path.substring(resolve.length()))) {
                String name = path.substring(resolve.length());
                if (files.get(name).lfs() && redirectLfs) {
                    ex.getResponseHeaders().add("Location", (cdnBase == null ? "" : cdnBase.toString()) + "/cdn/" + name);
                    ex.sendResponseHeaders(302, -1);
                } else {
                    serveFile(ex, files.get(name));
                }
            } else if (path.startsWith("/cdn/") && files.containsKey(path.substring(5))) {
                serveFile(ex, files.get(path.substring(5)));
            } else {
                send(ex, 404, "{\"error\":\"Repository not found\"}".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private String listing() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode().put("id", repo).put("sha", COMMIT);
        ArrayNode siblings = root.putArray("siblings");
        files.forEach((name, e) -> {
            ObjectNode s = siblings.addObject().put("rfilename", name).put("size", e.announcedSize());
            if (e.lfs()) {
                s.putObject("lfs").put("sha256", e.sha256()).put("size", e.announcedSize())
                        .put("pointerSize", 134);
            }
        });
        return root.toString();
    }

    private void serveFile(HttpExchange ex, Entry e) throws IOException {
        byte[] data = e.served();
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null && honourRange && range.startsWith("bytes=") && range.endsWith("-")) {
            int start = Integer.parseInt(range.substring(6, range.length() - 1));
            if (start >= data.length) {
                ex.getResponseHeaders().add("Content-Range", "bytes */" + data.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            ex.getResponseHeaders().add("Content-Range",
                    "bytes " + start + "-" + (data.length - 1) + "/" + data.length);
            byte[] tail = java.util.Arrays.copyOfRange(data, start, data.length);
            sendFileBody(ex, 206, tail);
        } else {
            sendFileBody(ex, 200, data);
        }
    }

    private void sendFileBody(HttpExchange ex, int status, byte[] body) throws IOException {
        int drop = dropNextAfter;
        if (drop < 0) {
            send(ex, status, body);
            return;
        }
        dropNextAfter = -1;
        ex.sendResponseHeaders(status, body.length);
        OutputStream out = ex.getResponseBody();
        out.write(body, 0, drop);
        out.flush();
        // Then go silent, like a connection that died without a FIN: only the client's idle timeout ends it.
        try {
            released.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
