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
 * Ternary linear layers at the 2B-4T projection shapes ({@link Shapes2B4T}) through the SPI:
 * {@code tokens = 1} is the decode GEMV, {@code tokens = 128} a prefill GEMM block. One op = one
 * call. The report converts ops/s to Gweights/s ({@code ops/s · tokens · weights per token / 1e9}).
 *
 * <p>No single 2B-4T matrix outgrows a 32 MB last-level cache (the fused gate/up pair is 8.8 MB at
 * 2 bits), so with {@code layers = 1} every call after the first reads its weights from cache. A
 * decode step does not: it walks 30 layers' worth. {@code layers > 1} gives each call the next of
 * that many distinct weight copies, so with enough of them every call streams its weights from DRAM
 * and the row shows how close the kernel gets to memory bandwidth. {@code bin/bench} uses
 * {@code -p layers=32} (283 MB for gate/up): with 8 copies (71 MB) a plain read loop still ran 1.5–2 times
 * as fast as from DRAM on the README's machine, so much of them stayed in its caches.
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
public class TernaryLinearBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    /** A {@link Shapes2B4T} name. */
    @Param({"q", "kv", "gateUp", "down"})
    public String shape;

    @Param({"1", "128"})
    public int tokens;

    /** Distinct weight copies the calls cycle through (see the class comment). */
    @Param({"1"})
    public int layers;

    private Device device;
    private Tensor x;
    private Tensor[] w;
    private Tensor[] w2;
    private Tensor y;
    private Tensor y2;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        ModelConfig config = ModelConfig.bitnet2B4T();
        Shapes2B4T s = Shapes2B4T.named(shape);
        int out = s.out(config);
        int in = s.in(config);
        if (layers < 1) {
            throw new IllegalArgumentException("TernaryLinearBenchmark needs layers >= 1, was " + layers);
        }
        device = BackendDevice.open(backend, threads);
        Random r = new Random(42);
        x = BenchData.activations(device, r, tokens, in);
        y = device.allocate(TensorSpec.f32(tokens, out));
        w = new Tensor[layers];
        if (s.matrices() == 2) {
            w2 = new Tensor[layers];
            y2 = device.allocate(TensorSpec.f32(tokens, out));
        }
        for (int l = 0; l < layers; l++) {
            w[l] = BenchData.ternary(device, r, out, in);
            if (w2 != null) {
                w2[l] = BenchData.ternary(device, r, out, in);
            }
        }
    }

    @Benchmark
    public void linear() {
        int l = next;
        next = l + 1 == layers ? 0 : l + 1;
        if (w2 != null) {
            device.ops().ternaryLinearGateUp(x, w[l], w2[l], y, y2);
        } else {
            device.ops().ternaryLinear(x, w[l], y);
        }
        device.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        device.close();
    }
}
