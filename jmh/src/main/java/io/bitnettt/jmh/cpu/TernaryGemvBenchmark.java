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
 * Decode-step ternary GEMVs (one token) at the BitNet 2B-4T shapes.
 *
 * <p>Throughput is in ops/s, one op = one call. Convert with
 * {@code Gweights/s = ops/s · out · in / 1e9} (for {@code gateUp}: {@code 2 · 6912 · 2560}) and
 * {@code weight GB/s = Gweights/s / 4}, since the CPU layout streams 2 bits per weight.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TernaryGemvBenchmark {
    @Param({"1", "2"})
    public int threads;

    /** out x in; "gateUp" is the fused 2560 -> 2 x 6912 projection. */
    @Param({"2560x2560", "640x2560", "gateUp", "2560x6912"})
    public String shape;

    private CpuDevice device;
    private Tensor x;
    private Tensor w;
    private Tensor w2;
    private Tensor y;
    private Tensor y2;

    @Setup(Level.Trial)
    public void setUp() {
        device = CpuDevice.open(DeviceOptions.defaults().withThreads(threads));
        Random r = new Random(42);
        int out;
        int in;
        if (shape.equals("gateUp")) {
            out = 6912;
            in = 2560;
        } else {
            String[] p = shape.split("x");
            out = Integer.parseInt(p[0]);
            in = Integer.parseInt(p[1]);
        }
        x = BenchData.activations(device, r, 1, in);
        w = BenchData.ternary(device, r, out, in);
        y = device.allocate(TensorSpec.f32(1, out));
        if (shape.equals("gateUp")) {
            w2 = BenchData.ternary(device, r, out, in);
            y2 = device.allocate(TensorSpec.f32(1, out));
        }
    }

    @Benchmark
    public void gemv() {
        if (w2 != null) {
            device.ops().ternaryLinearGateUp(x, w, w2, y, y2);
        } else {
            device.ops().ternaryLinear(x, w, y);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        device.close();
    }
}
