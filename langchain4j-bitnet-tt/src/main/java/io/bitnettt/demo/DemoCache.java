package io.bitnettt.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * A folder in a cache that is either complete or rebuilt. It is written in a temporary folder that
 * is renamed into place once a manifest (every file with its size) closes it, so a crash leaves no
 * half-written folder under the final name. Writers take a file lock on the cache, in and across
 * processes: while one holds it, any temporary folder left in the cache belongs to a writer that
 * died, and is deleted. A folder whose manifest is missing or disagrees with its files is rebuilt.
 */
final class DemoCache {
    static final String MANIFEST = ".complete";
    private static final String TEMP_PREFIX = "demo-model-writing-";
    private static final String LOCK_FILE = ".demo-model.lock";
    // FileLock is per process: threads of one JVM must also take turns.
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();

    /** Writes a folder's contents. */
    interface Writer {
        void write(Path dir) throws IOException;
    }

    private DemoCache() {
    }

    static Path ensure(Path root, String name, Writer writer) {
        Path dir = root.resolve(name);
        if (isComplete(dir)) {
            return dir;
        }
        try {
            Files.createDirectories(root);
            IN_PROCESS.lock();
            try (FileChannel channel = FileChannel.open(root.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
                if (isComplete(dir)) {
                    return dir;
                }
                deleteStaleTemporaries(root);
                if (Files.exists(dir)) {
                    deleteRecursively(dir);
                }
                Path tmp = Files.createTempDirectory(root, TEMP_PREFIX);
                try {
                    writer.write(tmp);
                    writeManifest(tmp);
                    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException | RuntimeException | Error e) {
                    deleteRecursively(tmp);
                    throw e;
                }
                return dir;
            } finally {
                IN_PROCESS.unlock();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo model under " + root + ": " + e, e);
        }
    }

    /** True when the manifest exists and every file it lists has its size. */
    static boolean isComplete(Path dir) {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            return false;
        }
        try {
            List<String> lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return false;
            }
            for (String line : lines) {
                int space = line.lastIndexOf(' ');
                if (space <= 0) {
                    return false;
                }
                Path file = dir.resolve(line.substring(0, space));
                if (!Files.isRegularFile(file) || Files.size(file) != Long.parseLong(line.substring(space + 1))) {
                    return false;
                }
            }
            return true;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    private static void writeManifest(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                lines.add(f.getFileName() + " " + Files.size(f));
            }
        }
        Files.write(dir.resolve(MANIFEST), lines, StandardCharsets.UTF_8);
    }

    private static void deleteStaleTemporaries(Path root) throws IOException {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(root, TEMP_PREFIX + "*")) {
            for (Path t : temps) {
                deleteRecursively(t);
            }
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
