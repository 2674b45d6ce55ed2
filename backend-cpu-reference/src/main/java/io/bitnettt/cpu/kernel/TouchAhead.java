package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
 * <p>The loads only read: results are the same bits with or without them. A kernel folds the
 * touched bytes into one value and hands it to {@link #keep}, so the JIT cannot drop them as dead.
 * The system property {@value #PROPERTY} sets the distance in bytes ({@code 0} turns touching
 * off), for comparisons.
 */
public final class TouchAhead {
    public static final String PROPERTY = "bitnet.cpu.touchAhead";
    private static final String DEFAULT = "2048";
    /**
     * Bytes ahead of the current read; a multiple of {@link #LINE}. A bad property value falls back
     * to the default here, so no class initializer fails: {@link #checkProperty} names it at device open.
     */
    public static final long DISTANCE = distanceOrDefault(System.getProperty(PROPERTY, DEFAULT));
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
        distance(System.getProperty(PROPERTY, DEFAULT));
    }

    private static long distanceOrDefault(String value) {
        try {
            return distance(value);
        } catch (IllegalArgumentException e) {
            return distance(DEFAULT);
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
