package io.bitnettt.jmh.engine;

import io.bitnettt.engine.BitNetForward;
import io.bitnettt.jmh.BenchJvm;
import io.bitnettt.jmh.ops.BackendDevice;
import io.bitnettt.engine.DeviceWeights;
import io.bitnettt.engine.KvCacheType;
import io.bitnettt.engine.ModelDims;
import io.bitnettt.engine.WeightUploader;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.Checkpoint;
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
import org.openjdk.jmh.infra.BenchmarkParams;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Whole-model steps at the full 2B-4T shapes (random weights from the checkpoint writer, 30 layers,
 * d=2560, vocab 128256):
 * <ul>
 *   <li>{@code decode}: one token through the captured decode step including the output projection
 *       and on-device argmax (the exact screened projection where the backend has one), at
 *       position {@code context} (128 by default) after the cache rows before it were filled by a
 *       prefill, with the KV cache of {@code kvCache} (ops/s = decode tokens/s);</li>
 *   <li>{@code prefill128}: a 128-token prompt as blocks (prefill tokens/s = ops/s × 128);</li>
 *   <li>{@code timeToFirstToken128}: what a 128-token prompt costs before its first token appears,
 *       127 prefill tokens plus the decode step of the last one (TTFT = 1 / ops/s).</li>
 * </ul>
 * {@code busyLoops} starts that many busy-loop processes ({@code sh -c 'while :; do :; done'}) beside the
 * forked JVM for the trial, to measure how the thread counts hold up when other work takes cores.
 * The trial prints the load time (open + validate + upload/repack) and, at teardown, the peak
 * resident memory of the forked JVM (VmHWM; the checkpoint is written by a child JVM, so this is
 * the engine's). A prefill op takes seconds on a CPU, so an
 * iteration is a few ops: JMH always completes at least one per iteration.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS})
public class DecodeStepBenchmark {
    /** Prompt length of {@code prefill128} and {@code timeToFirstToken128}; the report multiplies by it. */
    public static final int PROMPT = 128;

    @Param({"cpu"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    @Param({"0"})
    public int busyLoops;

    /** {@code decode}'s position: attention reads {@code context + 1} cache rows. */
    @Param({"128"})
    public int context;

    /**
     * Cache rows the trial's prefill fills before the measured step; -1 = all of them. Fewer make a
     * long-context trial start in seconds instead of minutes: the rows after them hold the cache's
     * zeros, and attention reads and multiplies every row whatever it holds, so the step's work and
     * bytes are the same.
     */
    @Param({"-1"})
    public int prefilled;

    /** KV cache element type: f32, bf16 or int8. */
    @Param({"f32"})
    public String kvCache;

    private final List<Process> busy = new ArrayList<>();

    private Path dir;
    private Device device;
    private DeviceWeights weights;
    private BitNetForward forward;
    private int[] tokens;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws IOException {
        ModelConfig config = ModelConfig.bitnet2B4T();
        dir = SyntheticModel.write();
        long start = System.nanoTime();
        device = BackendDevice.open(backend, threads);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            weights = WeightUploader.upload(checkpoint, device);
        }
        forward = new BitNetForward(device, ModelDims.of(config, Math.max(1024, context + 1)), weights, 64,
                KvCacheType.parse(kvCache).dtype());
        for (int i = 0; i < busyLoops; i++) {
            busy.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
        }
        System.out.printf("%nload (open + validate + upload) of the 2B-4T-shaped checkpoint: %.2f s%n",
                (System.nanoTime() - start) / 1e9);
        SplittableRandom r = new SplittableRandom(1);
        tokens = new int[Math.max(PROMPT, context) + 1];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(config.vocabSize());
        }
        if (params.getBenchmark().endsWith(".decode")) {
            // decode measures the step at position context, so the cache rows before it must be filled.
            forward.prefill(tokens, 0, prefilled < 0 ? context : Math.min(prefilled, context));
        }
    }

    @Benchmark
    public int decode() {
        // The same position each time: its cache row is rewritten, the attention span stays context + 1.
        return forward.decodeArgmax(tokens[context], context);
    }

    @Benchmark
    public void prefill128() {
        forward.prefill(tokens, 0, PROMPT);
    }

    @Benchmark
    public int timeToFirstToken128() {
        forward.prefill(tokens, 0, PROMPT - 1);
        return forward.decodeArgmax(tokens[PROMPT - 1], PROMPT - 1);
    }

    /**
     * Appends {@code benchmark<TAB>threads<TAB>kB} to the file {@code BITNET_PEAK_RSS_FILE} names, when
     * it is set, for {@code bin/bench-decode}'s table (JMH has no result for a fork's peak memory).
     */
    private void recordPeak(BenchmarkParams params, String hwm) throws IOException {
        String file = System.getenv("BITNET_PEAK_RSS_FILE");
        String kb = hwm.replaceAll("[^0-9]", "");
        if (file == null || kb.isEmpty()) {
            return;
        }
        Files.writeString(Path.of(file), params.getBenchmark() + "\t" + threads + "\t" + kb + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    @TearDown(Level.Trial)
    public void tearDown(BenchmarkParams params) throws IOException {
        try (Stream<String> status = Files.lines(Path.of("/proc/self/status"))) {
            String hwm = status.filter(l -> l.startsWith("VmHWM")).findFirst().orElse("");
            System.out.println("\npeak resident memory " + hwm);
            recordPeak(params, hwm);
        } catch (IOException | UnsupportedOperationException e) {
            System.out.println("\npeak resident memory unknown: " + e);
        }
        busy.forEach(Process::destroyForcibly);
        forward.close();
        weights.close();
        device.close();
        SyntheticModel.delete(dir);
    }
}
