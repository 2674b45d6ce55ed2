package io.bitnettt.jmh.ops;

import java.util.Random;
import java.util.concurrent.TimeUnit;

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

/**
 * Logits for one token against the tied BF16 embedding table of 2B-4T ([vocab, hidden], 656 MB),
 * through the SPI. The report converts ops/s to table GB/s ({@code ops/s · vocab · hidden · 2 / 1e9}).
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
public class OutputProjectionBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    private Device device;
    private Tensor x;
    private Tensor table;
    private Tensor logits;

    @Setup(Level.Trial)
    public void setUp() {
        ModelConfig config = ModelConfig.bitnet2B4T();
        device = BackendDevice.open(backend, threads);
        Random r = new Random(11);
        x = BenchData.activations(device, r, 1, config.hiddenSize());
        table = BenchData.bf16Table(device, r, config.vocabSize(), config.hiddenSize());
        logits = device.allocate(TensorSpec.f32(1, config.vocabSize()));
    }

    @Benchmark
    public void logits() {
        device.ops().outputProjection(x, table, logits);
        device.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        device.close();
    }
}
