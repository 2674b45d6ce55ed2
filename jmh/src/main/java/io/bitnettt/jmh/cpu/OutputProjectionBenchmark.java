package io.bitnettt.jmh.cpu;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.bitnettt.cpu.CpuDevice;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Logits for one token against the tied BF16 embedding table [128256, 2560] (656 MB).
 *
 * <p>{@code table GB/s = ops/s · 128256 · 2560 · 2 / 1e9}; {@code GMAC/s = ops/s · 128256 · 2560 / 1e9}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx2g"})
public class OutputProjectionBenchmark {
    @Param({"1", "2"})
    public int threads;

    @Param({"128256"})
    public int vocab;

    private CpuDevice device;
    private Tensor x;
    private Tensor table;
    private Tensor logits;

    @Setup(Level.Trial)
    public void setUp() {
        device = CpuDevice.open(DeviceOptions.defaults().withThreads(threads));
        Random r = new Random(11);
        x = BenchData.activations(device, r, 1, 2560);
        table = BenchData.bf16Table(device, r, vocab, 2560);
        logits = device.allocate(TensorSpec.f32(1, vocab));
    }

    @Benchmark
    public void logits() {
        device.ops().outputProjection(x, table, logits);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        device.close();
    }
}
