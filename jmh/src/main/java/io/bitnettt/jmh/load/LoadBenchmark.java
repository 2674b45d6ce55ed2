package io.bitnettt.jmh.load;

import io.bitnettt.engine.DeviceWeights;
import io.bitnettt.engine.WeightUploader;
import io.bitnettt.jmh.BenchJvm;
import io.bitnettt.jmh.ops.BackendDevice;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.Checkpoint;
import io.bitnettt.model.checkpoint.HostWeights;
import io.bitnettt.model.checkpoint.RandomWeights;
import io.bitnettt.model.gguf.GgufModelWriter;
import io.bitnettt.model.gguf.GgufCheckpoint;
import io.bitnettt.model.checkpoint.CheckpointWriter;
import io.bitnettt.model.checkpoint.LayerWeights;
import io.bitnettt.model.checkpoint.PackedTernary;
import io.bitnettt.model.checkpoint.Projection;
import io.bitnettt.model.checkpoint.WeightForm;
import io.bitnettt.spi.Device;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.infra.BenchmarkParams;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Checkpoint load time and memory on a random checkpoint with the full 2B-4T shapes (30 layers,
 * d=2560, ffn=6912, 20/5 heads, vocab 128256, tied; about 1.18 GB packed), written once per fork,
 * so every load finds the file in the page cache. Single-shot: one op is one whole load.
 * {@code form} picks the file: {@code packed} (the Hugging Face safetensors folder), {@code gguf}
 * (one GGUF file as bitnet.cpp ships 2B-4T: I2_S projections, F16 embedding, F32 norms; about
 * 1.19 GB) or {@code master} (below).
 * <ul>
 *   <li>{@code open}: {@link Checkpoint#open} (which validates every tensor: all ternary codes,
 *       scales, norms and the embedding) plus a read of one byte per page of every packed weight;</li>
 *   <li>{@code openAndUpload}: open plus the engine's upload onto the {@code backend} device
 *       (the repack into the backend's layout), then freeing it again.</li>
 * </ul>
 * {@code -p form=master} writes the bf16 form instead (about 4.8 GB), which also times absmean
 * quantization at open.
 *
 * <p>Memory, as secondary metrics of each load ({@link Memory}): {@code decodedMB}, what the loader
 * allocated beyond the mapping (the GGUF's ternary weights repacked into the layout the backends
 * take; nothing for a packed folder, whose bytes are used as mapped); {@code mappedMB}, the files
 * mapped; {@code rssMB}, the process's resident set with the model open (the JVM, the pages of the
 * mapping read so far, and what was decoded).
 *
 * <p>The {@link #main} entry keeps the plain loop without JMH:
 * {@code java --enable-native-access=ALL-UNNAMED -cp jmh/target/benchmarks.jar io.bitnettt.jmh.load.LoadBenchmark [runs] [packed|gguf|master] [dir]}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(java.util.concurrent.TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS})
public class LoadBenchmark {

    static final String GGUF = "gguf";
    static final String GGUF_FILE = "ggml-model-i2_s.gguf";

    /** The checkpoint folder, written at the start of the fork and deleted at its end. */
    @State(Scope.Benchmark)
    public static class CheckpointFile {
        /** {@code packed} or {@code master} (a {@link WeightForm}), or {@code gguf}. */
        @Param({"packed", "gguf"})
        public String form;

        Path dir;

        @Setup(Level.Trial)
        public void write() throws IOException {
            dir = Files.createTempDirectory("bitnet-load-bench");
            writeCheckpoint(dir, form);
        }

        /** Opens what {@link #write} wrote. */
        Loaded open() {
            if (form.equals(GGUF)) {
                GgufCheckpoint c = GgufCheckpoint.open(dir.resolve(GGUF_FILE));
                return new Loaded(c, c, c.decodedBytes());
            }
            Checkpoint c = Checkpoint.open(dir);
            return new Loaded(c, c, 0);
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

    /** An opened checkpoint of either format, and what its loader allocated. */
    record Loaded(HostWeights weights, AutoCloseable owner, long decodedBytes) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            owner.close();
        }
    }

    /**
     * Memory of one load, in MB (10^6 bytes), sampled with the model open; reported by JMH beside
     * the time as secondary metrics. JMH adds up event counters over the measured iterations, so
     * each iteration reports its sample divided by their number: the reported figure is the mean.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Memory {
        public double decodedMB;
        public double mappedMB;
        public double rssMB;
        private int iterations = 1;

        @Setup(Level.Iteration)
        public void reset(BenchmarkParams params) {
            iterations = Math.max(1, params.getMeasurement().getCount());
            decodedMB = 0;
            mappedMB = 0;
            rssMB = 0;
        }

        void sample(CheckpointFile file, Loaded loaded) throws IOException {
            decodedMB = loaded.decodedBytes() / 1e6 / iterations;
            try (Stream<Path> files = Files.walk(file.dir)) {
                mappedMB = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum() / 1e6 / iterations;
            }
            rssMB = residentBytes() / 1e6 / iterations;
        }
    }

    @Benchmark
    public long open(CheckpointFile file, Memory memory) throws Exception {
        try (Loaded loaded = file.open()) {
            long sum = touch(loaded.weights());
            memory.sample(file, loaded);
            return sum;
        }
    }

    @Benchmark
    public void openAndUpload(CheckpointFile file, Target target, Memory memory) throws Exception {
        try (Loaded loaded = file.open()) {
            DeviceWeights weights = WeightUploader.upload(loaded.weights(), target.device);
            try {
                target.device.synchronize();
                memory.sample(file, loaded);
            } finally {
                weights.close();
            }
        }
    }

    /** VmRSS of this process from /proc (Linux); 0 where there is none. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Not Linux: the time is still measured.
        }
        return 0;
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        CheckpointFile file = new CheckpointFile();
        file.form = args.length > 1 ? args[1].toLowerCase(Locale.ROOT) : "packed";
        boolean temp = args.length < 3;
        file.dir = temp ? Files.createTempDirectory("bitnet-load-bench") : Path.of(args[2]);
        Path dir = file.dir;
        try {
            long t0 = System.nanoTime();
            writeCheckpoint(dir, file.form);
            long t1 = System.nanoTime();
            long bytes;
            try (Stream<Path> files = Files.walk(dir)) {
                bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
            System.out.printf("%s: wrote %,d bytes in %.2f s%n", file.form, bytes, (t1 - t0) / 1e9);
            Memory memory = new Memory();
            for (int run = 1; run <= runs; run++) {
                long start = System.nanoTime();
                long checksum;
                try (Loaded loaded = file.open()) {
                    checksum = touch(loaded.weights());
                    memory.sample(file, loaded);
                }
                long end = System.nanoTime();
                // main() samples one load at a time, the divisor stays 1.
                System.out.printf("run %d: open + validate + touch %.3f s (checksum %d), decoded %.0f MB, mapped %.0f MB,"
                        + " RSS %.0f MB%n", run, (end - start) / 1e9, checksum, memory.decodedMB, memory.mappedMB,
                        memory.rssMB);
            }
        } finally {
            if (temp) {
                deleteTree(dir);
            }
        }
    }

    private static void writeCheckpoint(Path dir, String form) throws IOException {
        ModelConfig config = ModelConfig.bitnet2B4T();
        if (form.equals(GGUF)) {
            new GgufModelWriter(config).write(dir.resolve(GGUF_FILE), new RandomWeights(config, 2025));
        } else {
            new CheckpointWriter(config).form(WeightForm.valueOf(form.toUpperCase(Locale.ROOT))).writeRandom(dir, 2025);
        }
    }

    /** Reads one byte per 4 KB page of every packed weight so every mapping page is resident. */
    private static long touch(HostWeights ckpt) {
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
