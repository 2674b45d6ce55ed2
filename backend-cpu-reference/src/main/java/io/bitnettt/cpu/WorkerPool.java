package io.bitnettt.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * A fixed set of worker threads that splits an index range into one contiguous part per thread.
 * The calling thread runs part 0 itself, so a 1-thread device never hands work off and an
 * n-thread device needs only n−1 workers. Per call it allocates only the small task objects.
 */
final class WorkerPool implements AutoCloseable {
    /** Work on indices {@code [from, to)}; {@code part} is unique among concurrent calls, for per-part scratch. */
    @FunctionalInterface
    interface RangeBody {
        void run(int part, int from, int to);
    }

    private final int threads;
    private final ForkJoinPool pool;

    WorkerPool(int threads) {
        this.threads = threads;
        this.pool = threads > 1 ? new ForkJoinPool(threads - 1) : null;
    }

    int threads() {
        return threads;
    }

    void forRange(int n, RangeBody body) {
        int parts = Math.min(threads, n);
        if (parts <= 1) {
            if (n > 0) {
                body.run(0, 0, n);
            }
            return;
        }
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[parts - 1];
        for (int p = 1; p < parts; p++) {
            int part = p;
            int from = (int) ((long) n * p / parts);
            int to = (int) ((long) n * (p + 1) / parts);
            tasks[p - 1] = pool.submit(() -> body.run(part, from, to));
        }
        RuntimeException first = null;
        try {
            body.run(0, 0, (int) ((long) n / parts));
        } catch (RuntimeException e) {
            first = e;
        }
        for (ForkJoinTask<?> t : tasks) {
            try {
                t.join();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
