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
 * through the SPI, or ({@code table=int8}) against its int8 per-row quantized copy (328 MB plus
 * one F32 scale per row) through {@code outputProjectionInt8}. The report converts ops/s to table
 * GB/s ({@code ops/s · vocab · hidden · bytes per weight / 1e9}).
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

    /** {@code bf16}: the plain table; {@code int8}: its per-row quantized copy (backends that support it). */
    @Param({"bf16", "int8"})
    public String table;

    private Device device;
    private Tensor x;
    private Tensor bf16;
    private Tensor codes;
    private Tensor rowScales;
    private Tensor logits;

    @Setup(Level.Trial)
    public void setUp() {
        ModelConfig config = ModelConfig.bitnet2B4T();
        device = BackendDevice.open(backend, threads);
        Random r = new Random(11);
        x = BenchData.activations(device, r, 1, config.hiddenSize());
        switch (table) {
            case "bf16" -> bf16 = BenchData.bf16Table(device, r, config.vocabSize(), config.hiddenSize());
            case "int8" -> {
                if (!device.ops().supportsInt8OutputProjection()) {
                    throw new IllegalStateException("table=int8: backend " + backend
                            + " has no outputProjectionInt8; run it with -p table=bf16");
                }
                Tensor[] q = BenchData.int8Table(device, r, config.vocabSize(), config.hiddenSize());
                codes = q[0];
                rowScales = q[1];
            }
            default -> throw new IllegalArgumentException("table must be bf16 or int8, was " + table);
        }
        logits = device.allocate(TensorSpec.f32(1, config.vocabSize()));
    }

    @Benchmark
    public void logits() {
        if (bf16 != null) {
            device.ops().outputProjection(x, bf16, logits);
        } else {
            device.ops().outputProjectionInt8(x, codes, rowScales, logits);
        }
        device.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        device.close();
    }
}
