package io.bitnettt.jmh.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's read-only bandwidth: {@code threads} threads each stream their contiguous slice of
 * a buffer far larger than any cache with full-width vector loads, and the best of a few passes is
 * kept. A decode step only reads its weights, so this, not the copy benchmark's read + write, is
 * the ceiling its streams are set against.
 */
public final class ReadBandwidth {
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;
    private static final long STEP = LONGS.vectorByteSize() * 4L;

    private ReadBandwidth() {
    }

    /** Best-of-{@code passes} GB/s (10^9 bytes) reading {@code mib} MiB with {@code threads} threads. */
    public static double measure(int threads, int mib, int passes) {
        long bytes = (long) mib << 20;
        bytes -= bytes % (STEP * threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(bytes, 64);
            buffer.fill((byte) 1);
            long slice = bytes / threads;
            List<Future<Long>> parts = new ArrayList<>();
            double best = 0;
            // Warm the loop into C2 on a small span first, so no pass times the interpreter.
            for (int i = 0; i < 2000; i++) {
                read(buffer, 0, 1 << 16);
            }
            for (int p = 0; p < passes; p++) {
                parts.clear();
                long start = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    long from = t * slice;
                    parts.add(pool.submit(() -> read(buffer, from, slice)));
                }
                long sink = 0;
                for (Future<Long> f : parts) {
                    sink ^= f.get();
                }
                long nanos = System.nanoTime() - start;
                if (sink == 42) {
                    System.out.print(""); // keeps the reads live
                }
                best = Math.max(best, bytes / (double) nanos);
            }
            return best;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("read bandwidth measurement interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("read bandwidth measurement failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static long read(MemorySegment s, long from, long length) {
        LongVector a = LongVector.zero(LONGS), b = a, c = a, d = a;
        int w = LONGS.vectorByteSize();
        for (long o = from, end = from + length; o < end; o += STEP) {
            a = a.add(LongVector.fromMemorySegment(LONGS, s, o, ByteOrder.nativeOrder()));
            b = b.add(LongVector.fromMemorySegment(LONGS, s, o + w, ByteOrder.nativeOrder()));
            c = c.add(LongVector.fromMemorySegment(LONGS, s, o + 2L * w, ByteOrder.nativeOrder()));
            d = d.add(LongVector.fromMemorySegment(LONGS, s, o + 3L * w, ByteOrder.nativeOrder()));
        }
        return a.add(b).add(c).add(d).lane(0);
    }
}
