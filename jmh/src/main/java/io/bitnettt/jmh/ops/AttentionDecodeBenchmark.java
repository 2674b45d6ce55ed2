package io.bitnettt.jmh.ops;

import io.bitnettt.jmh.BenchJvm;
import io.bitnettt.model.ModelConfig;
import io.bitnettt.spi.Device;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
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

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Grouped-query attention of one decode token (2B-4T heads) over each of {@code layers} full KV caches
 * of {@code context} rows: the token sits at position {@code context - 1} and attends to every row.
 * The report counts the K and V cache bytes read ({@code 2 · context · kvDim · 4}, {@code · 2} for a
 * {@code bf16} cache, {@code 2 · context · (kvDim + 4 · kvHeads)} for an {@code int8} one) as the
 * traffic, times {@code layers}.
 *
 * <p>{@code layers} caches are attended one after another per op, as a decode step does. One layer's
 * cache (10.5 MB in bf16 at context 4096) stays in a large last-level cache between ops, so
 * {@code layers=1} times the kernel's arithmetic; 2B-4T's 30 layers (315 MB) outgrow it, so
 * {@code layers=30} times what a decode step sees, with the cache streaming from memory.
 *
 * <p>Warm-up is long on purpose: until C2 compiles them, Vector API kernels run in the interpreter
 * about a thousand times slower, and one interpreted call of a large shape can take a second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS})
public class AttentionDecodeBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    @Param({"128", "1024", "4096"})
    public int context;

    /** Caches attended per op: 1 (cache-resident) or the model's 30 (streams from memory). */
    @Param({"1"})
    public int layers;

    /** KV cache element type: f32, bf16 or int8. */
    @Param({"f32", "bf16"})
    public String kvCache;

    private Device device;
    private int heads;
    private int kvHeads;
    private Tensor q;
    private Tensor[] kCache;
    private Tensor[] vCache;
    private Tensor position;
    private Tensor out;

    @Setup(Level.Trial)
    public void setUp() {
        ModelConfig config = ModelConfig.bitnet2B4T();
        if (context < 1 || context > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("AttentionDecodeBenchmark context " + context + ": expected 1.."
                    + config.maxPositionEmbeddings() + " (max_position_embeddings)");
        }
        heads = config.numAttentionHeads();
        kvHeads = config.numKeyValueHeads();
        device = BackendDevice.open(backend, threads);
        Random r = new Random(3);
        q = BenchData.activations(device, r, 1, heads * config.headDim());
        // No upper bound: TernaryLinearBenchmark's layers (cycled weight copies, 32 in bin/bench) may be
        // passed to both in one run, and more caches than the model's layers only stream more.
        if (layers < 1) {
            throw new IllegalArgumentException("AttentionDecodeBenchmark needs layers >= 1, was " + layers);
        }
        kCache = new Tensor[layers];
        vCache = new Tensor[layers];
        for (int l = 0; l < layers; l++) {
            kCache[l] = cache(r, context, config);
            vCache[l] = cache(r, context, config);
        }
        position = BenchData.position(device, context - 1);
        out = device.allocate(TensorSpec.f32(1, heads * config.headDim()));
    }

    private Tensor cache(Random r, int rows, ModelConfig config) {
        return switch (kvCache) {
            case "bf16" -> BenchData.bf16Table(device, r, rows, config.kvDim());
            case "int8" -> BenchData.int8Cache(device, r, rows, kvHeads, config.headDim());
            case "f32" -> BenchData.activations(device, r, rows, config.kvDim());
            default -> throw new IllegalArgumentException("kvCache '" + kvCache + "': expected f32, bf16 or int8");
        };
    }

    @Benchmark
    public void attentionDecode() {
        for (int l = 0; l < layers; l++) {
            device.ops().attentionDecode(q, kCache[l], vCache[l], position, heads, kvHeads, out);
        }
        device.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        device.close();
    }
}
