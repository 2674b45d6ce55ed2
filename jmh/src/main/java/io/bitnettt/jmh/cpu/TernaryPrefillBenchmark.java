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
 * Prefill ternary GEMM: {@code tokens} tokens through one 2560 → 2560 projection.
 *
 * <p>One op = the whole block. {@code token-Gweights/s = ops/s · tokens · out · in / 1e9} is the
 * figure to compare with {@link TernaryGemvBenchmark}'s Gweights/s: the ratio is how much cheaper
 * a prefill token is than a decode token.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TernaryPrefillBenchmark {
    @Param({"1", "2"})
    public int threads;

    @Param({"128"})
    public int tokens;

    private CpuDevice device;
    private Tensor x;
    private Tensor w;
    private Tensor y;

    @Setup(Level.Trial)
    public void setUp() {
        device = CpuDevice.open(DeviceOptions.defaults().withThreads(threads));
        Random r = new Random(7);
        x = BenchData.activations(device, r, tokens, 2560);
        w = BenchData.ternary(device, r, 2560, 2560);
        y = device.allocate(TensorSpec.f32(tokens, 2560));
    }

    @Benchmark
    public void gemm() {
        device.ops().ternaryLinear(x, w, y);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        device.close();
    }
}
