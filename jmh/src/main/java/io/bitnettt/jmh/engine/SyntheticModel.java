package io.bitnettt.jmh.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.CheckpointWriter;

/**
 * The whole-model benchmarks' checkpoint: full 2B-4T shapes with the checkpoint writer's random
 * weights (seed 2025), written to a temporary folder and deleted afterwards.
 */
final class SyntheticModel {
    static final long SEED = 2025;

    private SyntheticModel() {
    }

    static Path write(ModelConfig config) throws IOException {
        Path dir = Files.createTempDirectory("bitnet-decode-bench");
        new CheckpointWriter(config).writeRandom(dir, SEED);
        return dir;
    }

    static void delete(Path dir) throws IOException {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** This JVM's peak resident memory (VmHWM), or a note why it is unknown. */
    static String peakResident() {
        try (Stream<String> status = Files.lines(Path.of("/proc/self/status"))) {
            return status.filter(l -> l.startsWith("VmHWM")).findFirst().orElse("VmHWM unknown")
                    .replaceAll("\\s+", " ");
        } catch (IOException | UnsupportedOperationException e) {
            return "VmHWM unknown: " + e;
        }
    }
}
