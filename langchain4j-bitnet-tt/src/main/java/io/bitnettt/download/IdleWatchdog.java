package io.bitnettt.download;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;

/**
 * Closes a response stream that has delivered nothing for too long. The JDK HTTP client's request timeout only
 * covers the response headers, so without this a connection that dies silently mid-body blocks a download
 * forever; closing the stream makes the blocked read return and the caller can report it.
 */
final class IdleWatchdog {

    private final long timeoutNanos;
    private final Closeable stream;
    private volatile long lastProgressNanos = System.nanoTime();
    private volatile boolean fired;
    private volatile boolean stopped;
    private Thread thread;

    private IdleWatchdog(Duration timeout, Closeable stream) {
        this.timeoutNanos = timeout.toNanos();
        this.stream = stream;
    }

    static IdleWatchdog start(Duration timeout, Closeable stream) {
        IdleWatchdog w = new IdleWatchdog(timeout, stream);
        long pollMillis = Math.clamp(timeout.toMillis() / 4, 1, 1000);
        w.thread = Thread.ofVirtual().name("hub-download-watchdog").start(() -> w.watch(pollMillis));
        return w;
    }

    private void watch(long pollMillis) {
        try {
            while (!stopped) {
                Thread.sleep(pollMillis);
                if (!stopped && System.nanoTime() - lastProgressNanos > timeoutNanos) {
                    fired = true;
                    try {
                        stream.close();
                    } catch (IOException ignored) {
                        // Closing is only a way to wake the reader; its failure changes nothing.
                    }
                    return;
                }
            }
        } catch (InterruptedException e) {
            // stop() interrupts: the transfer is over.
        }
    }

    void progressed() {
        lastProgressNanos = System.nanoTime();
    }

    /** True if the watchdog closed the stream because it went idle. */
    boolean fired() {
        return fired;
    }

    void stop() {
        stopped = true;
        thread.interrupt();
    }
}
