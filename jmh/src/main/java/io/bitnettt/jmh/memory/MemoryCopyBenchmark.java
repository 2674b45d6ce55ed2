package io.bitnettt.jmh.memory;

import io.bitnettt.jmh.BenchJvm;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The machine's practical memory bandwidth: a plain copy of {@code mib} MiB (far larger than any
 * L3) between two off-heap segments, split into {@code threads} contiguous slices copied in
 * parallel. The report counts read + write bytes ({@code 2 · mib · 2^20} per op), so a kernel's
 * streamed GB/s divided by this figure is its share of what the memory system moves.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.ADD_MODULES, BenchJvm.VECTOR, BenchJvm.NATIVE_ACCESS})
public class MemoryCopyBenchmark {
    @Param({"1", "2"})
    public int threads;

    @Param({"256"})
    public int mib;

    private Arena arena;
    private MemorySegment source;
    private MemorySegment target;
    private ExecutorService pool;
    private List<Callable<Void>> slices;

    @Setup(Level.Trial)
    public void setUp() {
        if (threads < 1 || mib < 1) {
            throw new IllegalArgumentException("MemoryCopyBenchmark needs threads >= 1 and mib >= 1, was threads="
                    + threads + " mib=" + mib);
        }
        long bytes = (long) mib << 20;
        arena = Arena.ofShared();
        source = arena.allocate(bytes, 64);
        target = arena.allocate(bytes, 64);
        // Touch every page of both buffers now so page faults stay out of the measurement.
        source.fill((byte) 1);
        target.fill((byte) 0);
        pool = Executors.newFixedThreadPool(threads);
        slices = new ArrayList<>();
        long chunk = Math.ceilDiv(bytes, threads);
        for (long start = 0; start < bytes; start += chunk) {
            long from = start;
            long length = Math.min(chunk, bytes - start);
            slices.add(() -> {
                MemorySegment.copy(source, from, target, from, length);
                return null;
            });
        }
    }

    @Benchmark
    public void copy() throws InterruptedException, ExecutionException {
        for (Future<Void> f : pool.invokeAll(slices)) {
            f.get();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdownNow();
        arena.close();
    }
}
