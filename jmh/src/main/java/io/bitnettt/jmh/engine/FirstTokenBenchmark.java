package io.bitnettt.jmh.engine;

import io.bitnettt.demo.DemoModel;
import io.bitnettt.engine.BitNetForward;
import io.bitnettt.engine.DeviceWeights;
import io.bitnettt.engine.KvCacheType;
import io.bitnettt.engine.ModelDims;
import io.bitnettt.engine.WeightUploader;
import io.bitnettt.jmh.BenchJvm;
import io.bitnettt.jmh.ops.BackendDevice;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.model.checkpoint.Checkpoint;
import io.bitnettt.model.checkpoint.CheckpointWriter;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Time to first token of a request right after the model is loaded: a {@value #PROMPT}-token prompt
 * prefilled and its last token decoded to a greedy id, on the built-in demo model (4 layers, hidden
 * 256) and on a synthetic checkpoint of the full 2B-4T shapes (as {@link DecodeStepBenchmark}).
 *
 * <p>Single-shot: each invocation is one request. Run with fresh forks and no warm-up iteration
 * ({@code -f 5 -wi 0 -i 1}, the defaults here), each fork measures the first request of a fresh
 * JVM, issued as soon as the load returns, as {@code bin/bitnet generate} does; with warm-up
 * iterations ({@code -f 1 -wi 100 -i 20}) it measures a warm request. {@code pauseMs} waits that long
 * between load and request. The checkpoint is written before the device opens, so nothing the
 * device starts at open gets extra time. The load time (open + validate + upload) is printed per
 * fork.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 5, jvmArgsAppend = {BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS})
public class FirstTokenBenchmark {
    /** Prompt tokens per request. */
    public static final int PROMPT = 32;

    /** {@code demo} or {@code 2B-4T}. */
    @Param({"demo", "2B-4T"})
    public String model;

    @Param({"cpu"})
    public String backend;

    /** 0: all processors, as the command line's default. */
    @Param({"0"})
    public int threads;

    /**
     * Milliseconds between the end of the load and the request, as a user typing a first message
     * or an application between start-up and its first call: the CPU backend warms its kernels in
     * such a pause. 0 is {@code bitnet generate}, which asks at once.
     */
    @Param({"0"})
    public int pauseMs;

    /** KV cache element type: f32, bf16 or int8 ({@code --kv-cache}). */
    @Param({"f32"})
    public String kvCache;

    private Path dir;
    private Device device;
    private DeviceWeights weights;
    private BitNetForward forward;
    private int[] tokens;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("bitnet-first-token-bench");
        Path modelDir;
        ModelConfig config;
        switch (model) {
            case "demo" -> {
                modelDir = DemoModel.ensure(dir);
                config = DemoModel.config();
            }
            case "2B-4T" -> {
                config = ModelConfig.bitnet2B4T();
                modelDir = dir.resolve("model");
                new CheckpointWriter(config).writeRandom(modelDir, 2025);
            }
            default -> throw new IllegalArgumentException("model must be demo or 2B-4T, was " + model);
        }
        long start = System.nanoTime();
        device = BackendDevice.open(backend, threads);
        try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            weights = WeightUploader.upload(checkpoint, device);
        }
        forward = new BitNetForward(device, ModelDims.of(config, 1024), weights, 64, KvCacheType.parse(kvCache).dtype());
        System.out.printf("%nload (open + validate + upload) of the %s checkpoint: %.3f s%n", model,
                (System.nanoTime() - start) / 1e9);
        SplittableRandom r = new SplittableRandom(1);
        tokens = new int[PROMPT];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(config.vocabSize());
        }
        try {
            Thread.sleep(pauseMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Benchmark
    public int firstToken() {
        forward.prefill(tokens, 0, PROMPT - 1);
        return forward.decodeArgmax(tokens[PROMPT - 1], PROMPT - 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        forward.close();
        weights.close();
        device.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
