package io.bitnettt.jmh.cpu;

import java.util.concurrent.TimeUnit;

import io.bitnettt.jmh.BenchJvm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The machine's float multiply-add rate on one thread at the preferred vector width: sixteen
 * independent FMA chains, so latency never limits it. The score is vector FMAs a second (an op is
 * one FMA of {@code FloatVector.SPECIES_PREFERRED.length()} lanes). It is the arithmetic floor of
 * kernels that spend one FMA per product, such as int8 attention: at context 4096, 2B-4T's scores
 * and values take {@code 2 · 30 · 20 · 128 · 4096 / 16} = 39.3 M sixteen-lane FMAs a token
 * (README, "What bounds int8 attention").
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS})
public class FmaPeakBenchmark {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 16;
    private static final int STEPS = 1024;

    /** Kept in fields so the JIT cannot fold the chains into constants. */
    public float a = 0.999f;
    public float b = 0.001f;

    @Benchmark
    @OperationsPerInvocation(CHAINS * STEPS)
    public float fma() {
        FloatVector x = FloatVector.broadcast(F, a);
        FloatVector y = FloatVector.broadcast(F, b);
        FloatVector s0 = FloatVector.broadcast(F, 1f);
        FloatVector s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        FloatVector s8 = s0, s9 = s0, s10 = s0, s11 = s0, s12 = s0, s13 = s0, s14 = s0, s15 = s0;
        for (int i = 0; i < STEPS; i++) {
            s0 = s0.fma(x, y);
            s1 = s1.fma(x, y);
            s2 = s2.fma(x, y);
            s3 = s3.fma(x, y);
            s4 = s4.fma(x, y);
            s5 = s5.fma(x, y);
            s6 = s6.fma(x, y);
            s7 = s7.fma(x, y);
            s8 = s8.fma(x, y);
            s9 = s9.fma(x, y);
            s10 = s10.fma(x, y);
            s11 = s11.fma(x, y);
            s12 = s12.fma(x, y);
            s13 = s13.fma(x, y);
            s14 = s14.fma(x, y);
            s15 = s15.fma(x, y);
        }
        return s0.add(s1).add(s2).add(s3).add(s4).add(s5).add(s6).add(s7).add(s8).add(s9).add(s10).add(s11)
                .add(s12).add(s13).add(s14).add(s15).reduceLanes(VectorOperators.ADD);
    }
}
