package io.bitnettt.jmh.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import io.bitnettt.jmh.BenchJvm;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.CheckpointWriter;

/**
 * The whole-model benchmarks' checkpoint: full 2B-4T shapes with the checkpoint writer's random
 * weights (seed 2025), written to a temporary folder and deleted afterwards. It is written by a
 * child JVM, so the writer's heap does not count in the benchmark JVM's peak resident memory.
 */
public final class SyntheticModel {
    static final long SEED = 2025;

    private SyntheticModel() {
    }

    /** Writes the 2B-4T-shaped checkpoint into a new temporary folder, in a child JVM, and returns the folder. */
    public static Path write() throws IOException {
        Path dir = Files.createTempDirectory("bitnet-decode-bench");
        writeInto(dir);
        return dir;
    }

    /** Writes the 2B-4T-shaped checkpoint into the existing folder {@code dir}, in a child JVM. */
    public static void writeInto(Path dir) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(java, BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS,
                "-cp", System.getProperty("java.class.path"), SyntheticModel.class.getName(), dir.toString());
        try {
            Process p = new ProcessBuilder(command).inheritIO().start();
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IOException("writing the synthetic checkpoint into " + dir + " failed (exit " + rc + "): "
                        + String.join(" ", command));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing the synthetic checkpoint into " + dir, e);
        }
    }

    /** Child JVM entry: {@code SyntheticModel DIR} writes the checkpoint into DIR. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: SyntheticModel DIR");
        }
        new CheckpointWriter(ModelConfig.bitnet2B4T()).writeRandom(Path.of(args[0]), SEED);
    }

    /** Deletes a folder {@link #write} made, with everything in it; nothing when {@code dir} is null. */
    public static void delete(Path dir) throws IOException {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * This JVM's peak resident memory (VmHWM) and its memory in transparent huge pages now
     * (AnonHugePages: the CPU backend's mapped ternary weights), or notes why they are unknown.
     */
    static String peakResident() {
        return procLine(Path.of("/proc/self/status"), "VmHWM") + "; " + procLine(Path.of("/proc/self/smaps_rollup"), "AnonHugePages");
    }

    private static String procLine(Path file, String key) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(l -> l.startsWith(key + ":")).findFirst().orElse(key + " unknown").replaceAll("\\s+", " ");
        } catch (IOException | UnsupportedOperationException | UncheckedIOException e) {
            return key + " unknown: " + e;
        }
    }
}
