package io.bitnettt.cpu.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Touch-ahead loads for the kernels that stream from memory. Java has no prefetch instruction, and
 * one thread running a kernel over a matrix leaves the memory system idle between its demand misses:
 * the lookup GEMV streamed its weights at 51–60 % of one thread's read bandwidth, and bf16 attention
 * at 4096 positions its cache at 33 %. A plain one-byte load {@link #DISTANCE} bytes ahead of the data
 * being multiplied starts each line's miss early, and the load that then reads the line for the
 * arithmetic finds it in cache: 62–69 % and about 40 % ({@code DecodeBreakdownBenchmark}, README,
 * "Touch-ahead loads"). Used by {@link LookupMatmul#gemv} and {@link AttentionKernel#block}; in the
 * multiply-add GEMV it measured no gain under {@code -XX:UseAVX=2}, and written into that kernel it
 * cost C2 the inlining of the vector helpers, whose vectors it then boxed.
 *
 * <p>A touch that misses still holds up retirement as any load does, so it gathers a row's misses
 * into one wait rather than hiding them behind the arithmetic: bf16 attention at 4096 positions
 * over 30 layers costs about its cache-resident arithmetic plus a plain read of its cache (README,
 * "Where bf16 attention's time goes").
 *
 * <p>On AMD processors the same loads cost: on a Zen 4 VM, one thread, the lookup GEMV streamed at
 * 9.7–11.3 GB/s with them and 12.3–14.2 without, attention at 5.5 and 6.6–7.2, and the decode step went
 * from 12.8–13.1 to 15–17 tokens/s (README, "Touch-ahead on AMD"). Their hardware prefetchers
 * already run ahead of these streams, and a touch that misses holds up retirement. So the default
 * distance is {@value #DEFAULT} bytes, and 0 where {@code /proc/cpuinfo} names an AMD processor.
 *
 * <p>The loads only read: results are the same bits with or without them. A kernel folds the
 * touched bytes into one value and hands it to {@link #keep}, so the JIT cannot drop them as dead.
 * The system property {@value #PROPERTY} sets the distance in bytes ({@code 0} turns touching
 * off), for comparisons.
 */
public final class TouchAhead {
    public static final String PROPERTY = "bitnet.cpu.touchAhead";
    /** The default distance where the processor is not AMD's. */
    static final String DEFAULT = "2048";
    static final String AMD = "AuthenticAMD";
    private static final String MACHINE_DEFAULT = defaultFor(vendor(Path.of("/proc/cpuinfo")));
    /**
     * Bytes ahead of the current read; a multiple of {@link #LINE}. A bad property value falls back
     * to the default here, so no class initializer fails: {@link #checkProperty} names it at device open.
     */
    public static final long DISTANCE = distanceOrDefault(System.getProperty(PROPERTY, MACHINE_DEFAULT));
    /** The cache line size the touches step by. */
    public static final int LINE = 64;
    /** Touching is on. */
    public static final boolean ON = DISTANCE > 0;
    private static final long UNLIKELY = 0x5DEECE66DL;
    @SuppressWarnings("unused")
    private static volatile long sink;

    private TouchAhead() {
    }

    /** Refuses a bad {@value #PROPERTY} by name; the CPU device calls it when it opens. */
    public static void checkProperty() {
        distance(System.getProperty(PROPERTY, MACHINE_DEFAULT));
    }

    /** The default distance for a processor of {@code vendor} (as {@code /proc/cpuinfo}'s {@code vendor_id} names it). */
    static String defaultFor(String vendor) {
        return AMD.equals(vendor) ? "0" : DEFAULT;
    }

    /**
     * The {@code vendor_id} of the first processor in {@code cpuinfo}, or "" where the file is absent
     * or unreadable (not Linux) or names none: the default distance then stays on.
     */
    static String vendor(Path cpuinfo) {
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("vendor_id"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("");
        } catch (IOException | UncheckedIOException | SecurityException e) {
            return "";
        }
    }

    private static long distanceOrDefault(String value) {
        try {
            return distance(value);
        } catch (IllegalArgumentException e) {
            return distance(MACHINE_DEFAULT);
        }
    }

    static long distance(String value) {
        long d;
        try {
            d = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property " + PROPERTY + " is '" + value
                    + "'; expected a distance in bytes (0 turns touch-ahead off)", e);
        }
        if (d < 0 || d > (1 << 20)) {
            throw new IllegalArgumentException("system property " + PROPERTY + " is " + d
                    + "; expected 0 to 1048576 bytes");
        }
        return d / LINE * LINE;
    }

    /** The byte {@link #DISTANCE} past {@code offset} in {@code s}, or its last byte where that is past the end. */
    static byte ahead(MemorySegment s, long offset) {
        return s.get(ValueLayout.JAVA_BYTE, Math.min(offset + DISTANCE, s.byteSize() - 1));
    }

    /**
     * Touches the lines of {@code [offset, offset + bytes)} shifted {@link #DISTANCE} ahead and returns
     * their bytes folded together, for {@link #keep}.
     */
    static long lines(MemorySegment s, long offset, long bytes) {
        return linesHere(s, offset + DISTANCE, bytes);
    }

    /**
     * Touches the lines of {@code [offset, offset + bytes)} themselves (those past the end read the
     * last byte), for data another pass reads later; their bytes folded together, for {@link #keep}.
     */
    static long linesHere(MemorySegment s, long offset, long bytes) {
        long folded = 0;
        long last = s.byteSize() - 1;
        for (long l = 0; l < bytes; l += LINE) {
            folded += s.get(ValueLayout.JAVA_BYTE, Math.min(offset + l, last));
        }
        return folded;
    }

    /** Keeps a kernel's touch loads alive: the JIT cannot prove this store never runs. */
    static void keep(long folded) {
        if (folded == UNLIKELY) {
            sink = folded;
        }
    }
}
