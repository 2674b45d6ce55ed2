package io.bitnettt.jmh.engine;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Time and bytes per kind of op over the decode steps of a measurement, and the table that sets
 * each op's bytes against the machine's read bandwidth.
 */
final class OpTimes {
    private static final class Entry {
        long calls;
        long nanos;
        long bytes;
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private boolean recording;
    private long steps;

    /** Whether calls are counted: off during warm-up. */
    void recording(boolean on) {
        recording = on;
    }

    boolean recording() {
        return recording;
    }

    void stepDone() {
        if (recording) {
            steps++;
        }
    }

    void add(String op, long nanos, long bytes) {
        if (!recording) {
            return;
        }
        Entry e = entries.computeIfAbsent(op, k -> new Entry());
        e.calls++;
        e.nanos += nanos;
        e.bytes += bytes;
    }

    long steps() {
        return steps;
    }

    /**
     * One row per op: calls, µs and MB per token, its share of the step, its GB/s and that as a
     * share of {@code readGbps}; then the total.
     */
    String table(String title, double readGbps) {
        StringBuilder sb = new StringBuilder();
        sb.append(title).append('\n');
        sb.append(String.format(Locale.ROOT, "%-26s %8s %10s %7s %10s %8s %8s%n", "op", "calls/tk", "us/token",
                "share", "MB/token", "GB/s", "of read"));
        long totalNanos = 0;
        long totalBytes = 0;
        for (Entry e : entries.values()) {
            totalNanos += e.nanos;
            totalBytes += e.bytes;
        }
        double n = Math.max(1, steps);
        for (Map.Entry<String, Entry> me : entries.entrySet()) {
            row(sb, me.getKey(), me.getValue().calls / n, me.getValue().nanos / n, me.getValue().bytes / n,
                    totalNanos / n, readGbps);
        }
        row(sb, "total (ops)", entries.values().stream().mapToLong(e -> e.calls).sum() / n, totalNanos / n,
                totalBytes / n, totalNanos / n, readGbps);
        return sb.toString();
    }

    private static void row(StringBuilder sb, String op, double calls, double nanos, double bytes, double total,
                            double readGbps) {
        double gbps = nanos > 0 ? bytes / nanos : 0;
        sb.append(String.format(Locale.ROOT, "%-26s %8.1f %10.1f %6.1f%% %10.2f %8.2f %7.0f%%%n", op, calls,
                nanos / 1e3, 100 * nanos / total, bytes / 1e6, gbps, 100 * gbps / readGbps));
    }
}
