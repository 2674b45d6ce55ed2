package io.bitnettt.jmh.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.bitnettt.cpu.kernel.ActivationQuantizer;
import io.bitnettt.cpu.kernel.LookupLayout;
import io.bitnettt.cpu.kernel.LookupMatmul;
import io.bitnettt.jmh.BenchJvm;
import io.bitnettt.cpu.kernel.TableGemm;
import io.bitnettt.cpu.kernel.TernaryLayout;
import io.bitnettt.cpu.kernel.TernaryMatmul;
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
 * The prefill kernels alone on one thread, 128 tokens through 2560 → 2560, so kernel variants can
 * be compared in one fork: {@code kernel=gemv} runs the multiply-add decode GEMV once per token
 * (the baseline a prefill kernel must beat), {@code table} is {@link TableGemm} (the backend's
 * prefill where vectors are narrower than 512 bits), {@code lookup} runs {@link LookupMatmul#gemm}
 * over groups of four tokens (its prefill at 512 bits; {@code GemvKernelBenchmark} has its GEMV).
 * Quantization, transposition and lookup tables happen in setup.
 * {@code token-Gweights/s = ops/s · tokens · out · in / 1e9}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS})
public class PrefillKernelBenchmark {
    @Param({"gemv", "table", "lookup"})
    public String kernel;

    @Param({"128"})
    public int tokens;

    @Param({"2560"})
    public int out;

    @Param({"2560"})
    public int in;

    private Arena arena;
    private TernaryLayout layout;
    private MemorySegment w;
    private MemorySegment y;
    private short[] q;
    private short[] qTelescoped;
    private int[] sums;
    private short[] xt;
    private float[] s;
    private final TableGemm.Work work = new TableGemm.Work();
    private LookupLayout lookupLayout;
    private MemorySegment lookupW;
    private short[] tables;
    private final LookupMatmul.Work lookupWork = new LookupMatmul.Work();

    @Setup(Level.Trial)
    public void setUp() {
        Random r = new Random(7);
        arena = Arena.ofShared();
        layout = new TernaryLayout(out, in);
        byte[] ternary = new byte[out * in];
        for (int i = 0; i < ternary.length; i++) {
            ternary[i] = (byte) (r.nextInt(3) - 1);
        }
        w = arena.allocate(layout.byteSize(), 64);
        layout.pack(ternary, w);
        y = arena.allocate(4L * tokens * out, 64);
        int stride = layout.paddedIn();
        float[] x = new float[tokens * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        q = new short[tokens * stride];
        s = new float[tokens];
        for (int t = 0; t < tokens; t++) {
            s[t] = ActivationQuantizer.quantize(MemorySegment.ofArray(x), 4L * t * in, in, q, t * stride, stride);
        }
        xt = new short[TableGemm.transposedSize(tokens, stride)];
        TableGemm.transpose(q, stride, tokens, stride, xt);
        qTelescoped = q.clone();
        sums = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            sums[t] = TernaryLayout.telescope(qTelescoped, t * stride, layout.blocks());
        }
        lookupLayout = new LookupLayout(out, in);
        lookupW = arena.allocate(lookupLayout.byteSize(), 64);
        lookupLayout.pack(ternary, lookupW);
        int lookupStride = lookupLayout.paddedIn();
        short[] lq = new short[lookupStride];
        tables = new short[tokens * LookupMatmul.tableSize(lookupLayout)];
        for (int t = 0; t < tokens; t++) {
            ActivationQuantizer.quantize(MemorySegment.ofArray(x), 4L * t * in, in, lq, 0, lookupStride);
            LookupMatmul.tables(lq, 0, lookupLayout.words(), tables, t * LookupMatmul.tableSize(lookupLayout));
        }
    }

    @Benchmark
    public void prefill() {
        if (kernel.equals("table")) {
            TableGemm.run(w, layout, xt, tokens, s, 0.5f, y, 4L * out, 0, layout.groups(), work);
        } else if (kernel.equals("lookup")) {
            int tabStride = LookupMatmul.tableSize(lookupLayout);
            int t = 0;
            for (; t + LookupMatmul.TOKENS <= tokens; t += LookupMatmul.TOKENS) {
                LookupMatmul.gemm(lookupW, lookupLayout, tables, t * tabStride, tabStride, s, t, 0.5f, y,
                        4L * t * out, 4L * out, 0, lookupLayout.groups(), lookupWork);
            }
            for (; t < tokens; t++) {
                LookupMatmul.gemv(lookupW, lookupLayout, tables, t * tabStride, s[t], 0.5f, y, 4L * t * out, 0,
                        lookupLayout.groups(), lookupWork);
            }
        } else {
            int stride = layout.paddedIn();
            for (int t = 0; t < tokens; t++) {
                TernaryMatmul.gemv(w, layout, qTelescoped, t * stride, sums[t], s[t], 0.5f, y, 4L * t * out, 0,
                        layout.groups());
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        work.close();
        arena.close();
    }
}
