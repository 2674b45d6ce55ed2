package io.bitnettt.jmh.load;

import io.bitnettt.engine.DeviceWeights;
import io.bitnettt.engine.WeightUploader;
import io.bitnettt.jmh.BenchJvm;
import io.bitnettt.jmh.ops.BackendDevice;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.Checkpoint;
import io.bitnettt.model.checkpoint.CheckpointWriter;
import io.bitnettt.model.checkpoint.LayerWeights;
import io.bitnettt.model.checkpoint.PackedTernary;
import io.bitnettt.model.checkpoint.Projection;
import io.bitnettt.model.checkpoint.WeightForm;
import io.bitnettt.spi.Device;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Checkpoint load time on a random checkpoint with the full 2B-4T shapes (30 layers, d=2560,
 * ffn=6912, 20/5 heads, vocab 128256, tied; about 1.18 GB packed), written once per fork, so
 * every load finds the file in the page cache. Single-shot: one op is one whole load.
 * <ul>
 *   <li>{@code open}: {@link Checkpoint#open} (which validates every tensor: all ternary codes,
 *       scales, norms and the embedding) plus a read of one byte per page of every packed weight;</li>
 *   <li>{@code openAndUpload}: open plus the engine's upload onto the {@code backend} device
 *       (the repack into the backend's layout), then freeing it again.</li>
 * </ul>
 * {@code -p form=master} writes the bf16 form instead (about 4.8 GB), which also times absmean
 * quantization at open.
 *
 * <p>The {@link #main} entry keeps the plain loop without JMH:
 * {@code java --enable-native-access=ALL-UNNAMED -cp jmh/target/benchmarks.jar io.bitnettt.jmh.load.LoadBenchmark [runs] [packed|master] [dir]}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(java.util.concurrent.TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS})
public class LoadBenchmark {

    /** The checkpoint folder, written at the start of the fork and deleted at its end. */
    @State(Scope.Benchmark)
    public static class CheckpointFile {
        /** {@code packed} or {@code master}, a {@link WeightForm}. */
        @Param({"packed"})
        public String form;

        Path dir;

        @Setup(Level.Trial)
        public void write() throws IOException {
            dir = Files.createTempDirectory("bitnet-load-bench");
            writeCheckpoint(dir, WeightForm.valueOf(form.toUpperCase(Locale.ROOT)));
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            deleteTree(dir);
        }
    }

    /** The device uploads go to; only {@code openAndUpload} uses it, so only it runs per backend. */
    @State(Scope.Benchmark)
    public static class Target {
        @Param({"cpu"})
        public String backend;

        Device device;

        @Setup(Level.Trial)
        public void open() {
            device = BackendDevice.open(backend, 0);
        }

        @TearDown(Level.Trial)
        public void close() {
            device.close();
        }
    }

    @Benchmark
    public long open(CheckpointFile file) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(file.dir)) {
            return touch(ckpt);
        }
    }

    @Benchmark
    public void openAndUpload(CheckpointFile file, Target target) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(file.dir)) {
            DeviceWeights weights = WeightUploader.upload(ckpt, target.device);
            try {
                target.device.synchronize();
            } finally {
                weights.close();
            }
        }
    }

    public static void main(String[] args) throws IOException {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        WeightForm form = args.length > 1 ? WeightForm.valueOf(args[1].toUpperCase(Locale.ROOT)) : WeightForm.PACKED;
        boolean temp = args.length < 3;
        Path dir = temp ? Files.createTempDirectory("bitnet-load-bench") : Path.of(args[2]);
        try {
            long t0 = System.nanoTime();
            writeCheckpoint(dir, form);
            long t1 = System.nanoTime();
            long bytes = Files.size(dir.resolve("model.safetensors"));
            System.out.printf("%s: wrote %,d bytes in %.2f s%n", form, bytes, (t1 - t0) / 1e9);
            for (int run = 1; run <= runs; run++) {
                long start = System.nanoTime();
                long checksum;
                try (Checkpoint ckpt = Checkpoint.open(dir)) {
                    checksum = touch(ckpt);
                }
                long end = System.nanoTime();
                System.out.printf("run %d: open + validate + touch %.3f s (checksum %d)%n", run, (end - start) / 1e9,
                        checksum);
            }
        } finally {
            if (temp) {
                deleteTree(dir);
            }
        }
    }

    private static void writeCheckpoint(Path dir, WeightForm form) throws IOException {
        new CheckpointWriter(ModelConfig.bitnet2B4T()).form(form).writeRandom(dir, 2025);
    }

    /** Reads one byte per 4 KB page of every packed weight so every mapping page is resident. */
    private static long touch(Checkpoint ckpt) {
        long sum = 0;
        for (LayerWeights layer : ckpt.layers()) {
            for (Projection p : Projection.values()) {
                PackedTernary t = layer.projection(p);
                long size = t.hfPacked().byteSize();
                for (long off = 0; off < size; off += 4096) {
                    sum += t.hfPacked().get(ValueLayout.JAVA_BYTE, off);
                }
                sum += Float.floatToRawIntBits(t.scale());
            }
        }
        long emb = ckpt.embedding().data().byteSize();
        for (long off = 0; off < emb; off += 4096) {
            sum += ckpt.embedding().data().get(ValueLayout.JAVA_BYTE, off);
        }
        return sum;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
