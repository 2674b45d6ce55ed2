package io.bitnettt.jmh.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.bitnettt.cpu.kernel.ActivationQuantizer;
import io.bitnettt.cpu.kernel.LookupLayout;
import io.bitnettt.cpu.kernel.LookupMatmul;
import io.bitnettt.cpu.kernel.TernaryLayout;
import io.bitnettt.cpu.kernel.TernaryMatmul;
import io.bitnettt.jmh.BenchJvm;
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
 * One-token ternary GEMV on one thread, the two production kernels side by side in one fork:
 * {@code kernel=multiply} is {@link TernaryMatmul#gemv} over {@link TernaryLayout} (what the CPU
 * backend runs where vectors are narrower than 512 bits), {@code lookup} is
 * {@link LookupMatmul#gemv} over {@link LookupLayout} with its per-token table build inside the
 * measured time (what it runs at 512 bits), {@code tables} that table build alone. Setup checks
 * both kernels against a scalar int sum, bit for bit. {@code Gweights/s = ops/s · out · in / 1e9}.
 *
 * <p>History: a byte-table prototype of the lookup idea ran at half the multiply-add loop's speed
 * on an AVX2 machine, where the Vector API reaches {@code pshufb} only through 128-bit byte
 * shuffles and int16 sums need two lookups; the 512-bit int16 {@code vpermw} form is what won.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS})
public class GemvKernelBenchmark {
    @Param({"multiply", "lookup", "tables"})
    public String kernel;

    /** out×in: attention q (2560×2560) and the MLP down projection (2560×6912). */
    @Param({"2560x2560", "2560x6912"})
    public String shape;

    private int out;
    private int in;
    private Arena arena;
    private TernaryLayout layout;
    private MemorySegment w;
    private LookupLayout lookupLayout;
    private MemorySegment lookupW;
    private short[] lookupQ;
    private short[] tables;
    private final LookupMatmul.Work work = new LookupMatmul.Work();
    private MemorySegment y;
    private short[] qTelescoped;
    private int qSum;
    private float s;

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("x");
        out = Integer.parseInt(dims[0]);
        in = Integer.parseInt(dims[1]);
        Random r = new Random(7);
        arena = Arena.ofShared();
        layout = new TernaryLayout(out, in);
        lookupLayout = new LookupLayout(out, in);
        byte[] ternary = new byte[out * in];
        for (int i = 0; i < ternary.length; i++) {
            ternary[i] = (byte) (r.nextInt(3) - 1);
        }
        w = arena.allocate(layout.byteSize(), 64);
        layout.pack(ternary, w);
        lookupW = arena.allocate(lookupLayout.byteSize(), 64);
        lookupLayout.pack(ternary, lookupW);
        y = arena.allocate(4L * out, 64);
        float[] x = new float[in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        // One outlier column at full scale so some activations reach ±127 after rounding.
        x[3] = -x[3] * 40;
        int stride = layout.paddedIn();
        short[] q = new short[stride];
        s = ActivationQuantizer.quantize(MemorySegment.ofArray(x), 0, in, q, 0, stride);
        qTelescoped = q.clone();
        qSum = TernaryLayout.telescope(qTelescoped, 0, layout.blocks());
        lookupQ = new short[lookupLayout.paddedIn()];
        ActivationQuantizer.quantize(MemorySegment.ofArray(x), 0, in, lookupQ, 0, lookupQ.length);
        tables = new short[LookupMatmul.tableSize(lookupLayout)];

        float[] expected = new float[out];
        for (int j = 0; j < out; j++) {
            int acc = 0;
            for (int k = 0; k < in; k++) {
                acc += q[k] * ternary[j * in + k];
            }
            expected[j] = (float) acc / s * 0.5f;
        }
        for (String k : new String[] {"multiply", "lookup"}) {
            y.fill((byte) 0);
            run(k);
            for (int j = 0; j < out; j++) {
                float got = y.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(expected[j])) {
                    throw new IllegalStateException(k + " row " + j + ": " + got + " != scalar " + expected[j]);
                }
            }
        }
    }

    private void run(String k) {
        switch (k) {
            case "lookup" -> {
                LookupMatmul.tables(lookupQ, 0, lookupLayout.words(), tables, 0);
                LookupMatmul.gemv(lookupW, lookupLayout, tables, 0, s, 0.5f, y, 0, 0, lookupLayout.groups(), work);
            }
            case "tables" -> LookupMatmul.tables(lookupQ, 0, lookupLayout.words(), tables, 0);
            case "multiply" -> TernaryMatmul.gemv(w, layout, qTelescoped, 0, qSum, s, 0.5f, y, 0, 0, layout.groups());
            default -> throw new IllegalArgumentException("GemvKernelBenchmark kernel '" + k
                    + "'; expected multiply, lookup or tables");
        }
    }

    @Benchmark
    public void gemv() {
        run(kernel);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }
}
