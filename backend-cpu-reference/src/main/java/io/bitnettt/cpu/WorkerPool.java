package io.bitnettt.cpu;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads that splits an index range into one contiguous part per thread.
 * The calling thread runs part 0 itself, so a 1-thread device never hands work off and an
 * n-thread device needs only n−1 workers. A call allocates nothing.
 *
 * <p>Why not a {@code ForkJoinPool}: its idle workers park at once, and waking a parked thread
 * took 20 to 60 µs per call on the README's VM, as long as a whole 2560 × 640 GEMV; a decode step
 * makes hundreds of calls. Here a worker spins for {@link #SPIN_NANOS} after each part, so the
 * next op of the same step finds it awake, and only then parks.
 */
final class WorkerPool implements AutoCloseable {
    /** Work on indices {@code [from, to)}; {@code part} is unique among concurrent calls, for per-part scratch. */
    @FunctionalInterface
    interface RangeBody {
        void run(int part, int from, int to);
    }

    /** How long an idle worker polls for the next part before it parks. */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private final int threads;
    private final Worker[] workers;
    private long generation;
    private boolean closed;

    WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    int threads() {
        return threads;
    }

    /** Runs {@code body} over {@code [0, n)} split into contiguous parts; rethrows the first failure. */
    synchronized void forRange(int n, RangeBody body) {
        if (closed) {
            throw new IllegalStateException("the worker pool is closed");
        }
        int parts = Math.min(threads, n);
        if (parts <= 1) {
            if (n > 0) {
                body.run(0, 0, n);
            }
            return;
        }
        long g = ++generation;
        for (int p = 1; p < parts; p++) {
            workers[p - 1].post(g, body, (int) ((long) n * p / parts), (int) ((long) n * (p + 1) / parts));
        }
        Throwable first = null;
        try {
            body.run(0, 0, (int) ((long) n / parts));
        } catch (RuntimeException | Error e) {
            first = e;
        }
        for (int p = 1; p < parts; p++) {
            Throwable t = workers[p - 1].await(g);
            if (first == null) {
                first = t;
            }
        }
        if (first instanceof RuntimeException e) {
            throw e;
        }
        if (first instanceof Error e) {
            throw e;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (Worker w : workers) {
            w.stop();
        }
    }

    private static final class Worker implements Runnable {
        final Thread thread;
        private final int part;
        // written by the caller before the volatile write of posted, read by the worker after reading it
        private RangeBody body;
        private int from;
        private int to;
        private Throwable failure;
        private volatile long posted;
        private volatile long done;
        private volatile boolean parked;
        private volatile boolean stopped;

        Worker(int part) {
            this.part = part;
            this.thread = Thread.ofPlatform().daemon().name("bitnet-cpu-worker-" + part).unstarted(this);
        }

        void post(long generation, RangeBody body, int from, int to) {
            this.body = body;
            this.from = from;
            this.to = to;
            this.failure = null;
            posted = generation;
            if (parked) {
                LockSupport.unpark(thread);
            }
        }

        Throwable await(long generation) {
            long start = System.nanoTime();
            while (done != generation) {
                // when more threads are runnable than cores, yield so the worker can get one
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            body = null;
            return failure;
        }

        void stop() {
            stopped = true;
            LockSupport.unpark(thread);
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long g = waitForPost(seen);
                if (g == seen) {
                    return; // stopped
                }
                seen = g;
                try {
                    body.run(part, from, to);
                } catch (Throwable t) {
                    failure = t;
                }
                done = g;
            }
        }

        /** The next posted generation, or {@code seen} once stopped. */
        private long waitForPost(long seen) {
            long spinStart = System.nanoTime();
            while (!stopped) {
                long g = posted;
                if (g != seen) {
                    return g;
                }
                if (System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                // Dekker-style handshake with post(): either this re-read sees the new generation
                // or post() sees parked and unparks; a stale unpark only ends one park early.
                parked = true;
                if (posted == seen && !stopped) {
                    LockSupport.park(this);
                }
                parked = false;
                spinStart = System.nanoTime();
            }
            return seen;
        }
    }
}
