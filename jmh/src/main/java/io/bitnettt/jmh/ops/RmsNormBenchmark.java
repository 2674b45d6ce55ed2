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
 * RMSNorm over {@code tokens} rows of the hidden width (input, post-attention, attention sub-norm)
 * or the FFN width (the sub-norm before the down projection), F32 weight, out of place. The report
 * counts bytes as x read + out written + weight read, all F32.
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
public class RmsNormBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    /** {@code hidden} or {@code ffn}. */
    @Param({"hidden", "ffn"})
    public String width;

    /** 1 by default (decode); {@code -p tokens=1,128} adds a prefill block. */
    @Param({"1"})
    public int tokens;

    private Device device;
    private Tensor x;
    private Tensor weight;
    private Tensor out;
    private float eps;

    @Setup(Level.Trial)
    public void setUp() {
        ModelConfig config = ModelConfig.bitnet2B4T();
        int n = width(config, width);
        eps = (float) config.rmsNormEps();
        device = BackendDevice.open(backend, threads);
        Random r = new Random(5);
        x = BenchData.activations(device, r, tokens, n);
        weight = BenchData.vector(device, r, n);
        out = device.allocate(TensorSpec.f32(tokens, n));
    }

    /** The normalized width a {@code width} parameter names. */
    public static int width(ModelConfig config, String width) {
        return switch (width) {
            case "hidden" -> config.hiddenSize();
            case "ffn" -> config.intermediateSize();
            default -> throw new IllegalArgumentException("RmsNormBenchmark width '" + width
                    + "': expected hidden or ffn");
        };
    }

    @Benchmark
    public void rmsNorm() {
        device.ops().rmsNorm(x, weight, eps, out);
        device.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        device.close();
    }
}
