package io.bitnettt.download;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line text progress bar for a single file, redrawn in place with '\r'. Redraws are throttled because a
 * multi-gigabyte download calls {@link #update} for every buffer and a terminal cannot keep up with that.
 */
final class ProgressBar {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final long initial;
    private final LongSupplier nanoClock;
    private final long intervalNanos;
    private final long startNanos;
    private long lastDrawNanos;
    private boolean drawn;

    /**
     * @param total   expected bytes, or -1 if unknown
     * @param initial bytes already on disk (a resumed part), excluded from the speed
     */
    ProgressBar(PrintStream out, String label, long total, long initial, LongSupplier nanoClock, long intervalNanos) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.initial = initial;
        this.nanoClock = nanoClock;
        this.intervalNanos = intervalNanos;
        this.startNanos = nanoClock.getAsLong();
    }

    void update(long done) {
        long now = nanoClock.getAsLong();
        if (drawn && now - lastDrawNanos < intervalNanos) {
            return;
        }
        draw(done, now);
    }

    /** Draws the final state and ends the line. */
    void finish(long done) {
        draw(done, nanoClock.getAsLong());
        out.println();
        out.flush();
    }

    private void draw(long done, long now) {
        lastDrawNanos = now;
        drawn = true;
        StringBuilder line = new StringBuilder("\r").append(label).append(' ');
        if (total > 0) {
            int filled = (int) Math.min(WIDTH, done * WIDTH / total);
            line.append('[').append("#".repeat(filled)).append("-".repeat(WIDTH - filled)).append("] ")
                    .append(String.format(Locale.ROOT, "%3d%% ", Math.min(100, done * 100 / total)))
                    .append(megabytes(done)).append('/').append(megabytes(total)).append(" MB");
        } else {
            line.append(megabytes(done)).append(" MB");
        }
        double seconds = (now - startNanos) / 1e9;
        if (seconds > 0) {
            line.append(String.format(Locale.ROOT, "  %.1f MB/s", (done - initial) / 1e6 / seconds));
        }
        out.print(line);
        out.flush();
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1e6);
    }
}
