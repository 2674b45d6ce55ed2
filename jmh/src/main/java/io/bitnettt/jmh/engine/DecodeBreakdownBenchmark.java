package io.bitnettt.jmh.engine;

import io.bitnettt.cpu.CpuDevice;
import io.bitnettt.engine.BitNetForward;
import io.bitnettt.engine.DeviceWeights;
import io.bitnettt.engine.KvCacheType;
import io.bitnettt.engine.ModelDims;
import io.bitnettt.engine.WeightUploader;
import io.bitnettt.jmh.BenchJvm;
import io.bitnettt.jmh.memory.ReadBandwidth;
import io.bitnettt.jmh.ops.BackendDevice;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.Checkpoint;
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
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One decode step of the synthetic 2B-4T model (as {@link DecodeStepBenchmark}) timed op by op:
 * every op call goes through {@link TimedOps}, which adds up its time and the bytes it has to move
 * (weights as the device stores them, the KV cache rows attention reads, activations). At the end
 * of the trial it prints, per op, µs and MB per token, GB/s and that as a share of this machine's
 * read bandwidth at the same thread count ({@link ReadBandwidth}, measured in the same JVM before
 * the model loads), so the op that falls short of the memory system is named by the numbers.
 * The JMH score is decode tokens/s with the timers in (about 400 {@code nanoTime} pairs a token).
 * With {@code screen} (the default) greedy decoding screens the output table; the trial then also
 * prints the rows the screen recomputed in bf16 per token.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS})
public class DecodeBreakdownBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    /** The decode position: attention reads {@code position + 1} cache rows. */
    @Param({"128"})
    public int position;

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

    /** Whether greedy decoding screens the output table (the default) or reads all of it. */
    @Param({"true"})
    public boolean screen;

    /**
     * {@code none}: a plain greedy step; {@code all} or {@code half}: a constrained greedy step
     * ({@code decodeArgmaxAllowed}) that allows every token, or every other one (JSON inside a
     * string allows most of the vocabulary, at a structural point a handful).
     */
    @Param({"none"})
    public String allowed;

    private static final int GREEDY_STEPS = 64;
    private static final int TOP_K = 40;

    private final OpTimes times = new OpTimes();
    private double readGbps;
    private Path dir;
    private TimedDevice device;
    private DeviceWeights weights;
    private BitNetForward forward;
    private int token;
    private int[] allowedWords;
    private float[] logits;
    private long[] screenAtStart = new long[3];

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        ModelConfig config = ModelConfig.bitnet2B4T();
        readGbps = ReadBandwidth.measure(threads, 512, 5);
        dir = SyntheticModel.write();
        device = new TimedDevice(BackendDevice.open(backend, threads), times);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            weights = WeightUploader.upload(checkpoint, device, WeightUploader.Options.defaults().withScreen(screen));
        }
        forward = new BitNetForward(device, ModelDims.of(config, Math.max(1024, position + 1)), weights, 64,
                KvCacheType.parse(kvCache).dtype());
        SplittableRandom r = new SplittableRandom(1);
        int[] tokens = new int[position + 1];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(config.vocabSize());
        }
        forward.prefill(tokens, 0, prefilled < 0 ? position : Math.min(prefilled, position));
        token = tokens[position];
        device.timedOps().position(position);
        int step = switch (allowed) {
            case "none" -> 0;
            case "all" -> 1;
            case "half" -> 2;
            default -> throw new IllegalArgumentException("allowed must be none, all or half, was " + allowed);
        };
        if (step > 0) {
            allowedWords = new int[(config.vocabSize() + 31) / 32];
            for (int t = 0; t < config.vocabSize(); t += step) {
                allowedWords[t >>> 5] |= 1 << (t & 31);
            }
            logits = new float[config.vocabSize()];
        }
    }

    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
        boolean measuring = params.getType() == IterationType.MEASUREMENT;
        if (measuring && !times.recording()) {
            screenAtStart = screenStatistics();
        }
        times.recording(measuring);
    }

    private long[] screenStatistics() {
        return device.inner() instanceof CpuDevice cpu ? cpu.screenStatistics() : new long[3];
    }

    @Benchmark
    public int decode() {
        int next = allowedWords == null ? forward.decodeArgmax(token, position)
                : forward.decodeArgmaxAllowed(token, position, allowedWords, logits);
        times.stepDone();
        return next;
    }

    /**
     * Rows the screen recomputed per token over {@code steps} tokens generated from position 0 (the
     * measured step repeats one token at one position): greedily, or with {@code decodeTopK(k)}
     * following the k-th candidate now and then so the chain leaves the greedy path.
     */
    private String screenedRows(int steps, int k) {
        long[] rows = new long[steps];
        int next = token;
        float[] values = new float[Math.max(1, k)];
        int[] ids = new int[Math.max(1, k)];
        for (int pos = 0; pos < steps; pos++) {
            long before = screenStatistics()[1];
            if (k == 0) {
                next = forward.decodeArgmax(next, pos);
            } else {
                forward.decodeTopK(next, pos, values, ids);
                next = ids[pos % 4 == 3 ? k - 1 : 0];
            }
            rows[pos] = screenStatistics()[1] - before;
        }
        long[] sorted = rows.clone();
        java.util.Arrays.sort(sorted);
        return String.format(Locale.ROOT, "screened %s over %d generated tokens (positions 0..%d): rows recomputed"
                        + " per token min %d, median %d, max %d, mean %.1f",
                k == 0 ? "argmax" : "top-" + k, steps, steps - 1, sorted[0], sorted[steps / 2], sorted[steps - 1],
                java.util.Arrays.stream(rows).average().orElse(0));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        String title = String.format(Locale.ROOT,
                "%ndecode step op by op: %s backend, %d thread(s), position %d, %d measured steps; read bandwidth"
                        + " %.1f GB/s at %d thread(s) (ReadBandwidth, 512 MiB); %s",
                backend, threads, position, times.steps(), readGbps, threads, SyntheticModel.peakResident());
        times.recording(false);
        System.out.println(times.table(title, readGbps));
        long[] end = screenStatistics();
        long calls = end[0] - screenAtStart[0];
        if (calls > 0) {
            System.out.printf(Locale.ROOT, "screened output: %d calls, %.1f rows recomputed in bf16 per call (of %d),"
                    + " %d full passes%n", calls, (end[1] - screenAtStart[1]) / (double) calls,
                    weights.output().shape().dim(0), end[2] - screenAtStart[2]);
            System.out.println(screenedRows(GREEDY_STEPS, 0));
            System.out.println(screenedRows(GREEDY_STEPS, TOP_K));
        }
        forward.close();
        weights.close();
        device.close();
        SyntheticModel.delete(dir);
    }
}
