package io.bitnettt.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads that splits an index range into one contiguous part per thread.
 * The calling thread runs part 0 itself, so a 1-thread device never hands work off and an
 * n-thread device needs only n−1 workers. A call allocates nothing.
 *
 * <p>Why not a {@code ForkJoinPool}: its idle workers park at once, and waking a parked thread
 * took 20 to 60 µs per call on the README's VM, as long as a whole 2560 × 640 GEMV; a decode step
 * makes hundreds of calls. Here a worker spins for {@link #SPIN_NANOS} after each part, so the
 * next op of the same step usually finds it awake, and only then parks.
 *
 * <p>When another process takes a core, a spinning or preempted worker makes things worse than
 * one thread: the caller waits a whole scheduler slice for a part that the worker holds but does
 * not run. So:
 * <ul>
 *   <li>a part is claimed by whoever comes first: when the caller has finished its own part and a
 *       worker has not started its one, the caller runs it;</li>
 *   <li>the caller waits for a started part by spinning as long as its own part took (an equal
 *       part should end about then), then parks until the worker is done, leaving the core to it;</li>
 *   <li>a worker that was spinning, yet let the caller take its part, was off its core, and a part
 *       that ran much longer than the caller's means the worker was preempted in it. When that
 *       shows in half of the last {@link SoloRule#WINDOW} calls, the pool runs the next calls on
 *       the caller alone (every part in turn), for a number of calls that doubles while it keeps
 *       happening, and then tries the workers again ({@link SoloRule}).</li>
 * </ul>
 * Which thread runs a part never changes a part's number or range, so results do not depend on it.
 */
final class WorkerPool implements AutoCloseable {
    /** Work on indices {@code [from, to)}; {@code part} is unique among concurrent calls, for per-part scratch. */
    @FunctionalInterface
    interface RangeBody {
        void run(int part, int from, int to);
    }

    /** How long an idle worker polls for the next part before it parks. */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    /**
     * How long the caller polls for a started part before it parks until the worker is done: as
     * long as its own part took, within these bounds, since an equal part started at the same time
     * should end about then, and a park costs a wake-up of 20 to 60 µs.
     */
    static final long MIN_WAIT_SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(20);
    static final long MAX_WAIT_SPIN_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * A worker's part taking twice the caller's and this much more counts as the worker having been
     * preempted in it: a third of the shortest slice Linux's scheduler gives a thread on 2 CPUs
     * (0.75 ms × 2), so a preemption shows, while a vCPU the host runs slower for a while, which
     * makes parts a little over twice as long, mostly does not.
     */
    static final long LATE_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

    private final int threads;
    private final Worker[] workers;
    private long generation;
    private boolean closed;
    private final SoloRule solo = new SoloRule();
    private final Chunks chunked = new Chunks();
    /**
     * Chunks per thread of {@link #forChunks(int, RangeBody)}: enough that one chunk is a small part
     * of a call (a 2-thread call over the 128 256 rows of 2B-4T's vocabulary has chunks of 8 016),
     * few enough that claiming one costs nothing.
     */
    static final int CHUNKS_PER_THREAD = 8;

    WorkerPool(int threads) {
        this(threads, true);
    }

    /** With {@code startWorkers} false the workers wait for {@link #startWorkers()}: tests use it to make the caller take every part. */
    WorkerPool(int threads, boolean startWorkers) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
        }
        if (startWorkers) {
            startWorkers();
        }
    }

    void startWorkers() {
        for (Worker w : workers) {
            w.thread.start();
        }
    }

    /** Whether the next call runs on the caller alone because a core looked taken; for tests. */
    synchronized boolean runsAlone() {
        return solo.runsAlone();
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
        if (solo.runsAlone()) {
            if (solo.endSoloCall() == 0) {
                for (Worker w : workers) {
                    w.wake(); // so the first call back with workers finds them spinning
                }
            }
            runAlone(n, parts, body);
            return;
        }
        long g = ++generation;
        Thread caller = Thread.currentThread();
        for (int p = 1; p < parts; p++) {
            workers[p - 1].post(g, body, from(n, parts, p), from(n, parts, p + 1), caller);
        }
        Throwable first = null;
        long start = System.nanoTime();
        try {
            body.run(0, 0, from(n, parts, 1));
        } catch (RuntimeException | Error e) {
            first = e;
        }
        long own = System.nanoTime() - start;
        boolean contended = false;
        for (int p = 1; p < parts; p++) {
            Worker w = workers[p - 1];
            Throwable t;
            if (w.steal(g)) {
                contended |= !w.parkedAtPost;
                t = runPart(body, p, from(n, parts, p), from(n, parts, p + 1));
            } else {
                t = w.await(g, Math.clamp(own, MIN_WAIT_SPIN_NANOS, MAX_WAIT_SPIN_NANOS));
                contended |= w.partNanos > 2 * own + LATE_NANOS;
            }
            first = first == null ? t : first;
        }
        solo.afterParallelCall(contended);
        rethrow(first);
    }

    /**
     * Runs {@code body} over {@code [0, n)} cut into {@link #CHUNKS_PER_THREAD} contiguous chunks per
     * thread (fewer where {@code n} is smaller), which the threads claim one at a time until none is
     * left, so a thread the host runs slower for a while takes fewer of them. On the README's 2-vCPU VM the two halves of a 2-thread GEMV (231 to
     * 805 µs each at the median) differed by 65 to 93 µs at the median and by 378 to 590 µs at the
     * 90th percentile, and a call lasts as long as its slower half. Only for bodies whose result
     * for a range does not depend on how {@code [0, n)} is cut and which use {@code part} only to
     * pick scratch: a thread runs its chunks one after another under one part number, none of them
     * concurrently.
     */
    void forChunks(int n, RangeBody body) {
        forChunks(n, CHUNKS_PER_THREAD * threads, body);
    }

    /**
     * As {@link #forChunks(int, RangeBody)}, cut into {@code chunks} chunks; one range per thread,
     * as {@link #forRange}, where that is no more than the threads.
     */
    synchronized void forChunks(int n, int chunks, RangeBody body) {
        if (threads == 1 || chunks <= threads || n <= threads) {
            forRange(n, body);
            return;
        }
        chunked.start(n, Math.min(chunks, n), body);
        try {
            forRange(threads, chunked);
        } finally {
            chunked.body = null;
        }
    }

    /** The body every part of a {@link #forChunks} call runs: claim a chunk, run it, repeat. */
    private static final class Chunks implements RangeBody {
        private final AtomicInteger next = new AtomicInteger();
        // written before forRange posts the parts (a volatile write), read by the parts after
        private RangeBody body;
        private int n;
        private int count;

        void start(int n, int count, RangeBody body) {
            this.n = n;
            this.count = count;
            this.body = body;
            next.set(0);
        }

        @Override
        public void run(int part, int from, int to) {
            for (int c = next.getAndIncrement(); c < count; c = next.getAndIncrement()) {
                body.run(part, from(n, count, c), from(n, count, c + 1));
            }
        }
    }

    /** Every part on the caller, in order, with its usual number and range. */
    private static void runAlone(int n, int parts, RangeBody body) {
        Throwable first = null;
        for (int p = 0; p < parts; p++) {
            Throwable t = runPart(body, p, from(n, parts, p), from(n, parts, p + 1));
            first = first == null ? t : first;
        }
        rethrow(first);
    }

    private static Throwable runPart(RangeBody body, int part, int from, int to) {
        try {
            body.run(part, from, to);
            return null;
        } catch (RuntimeException | Error e) {
            return e;
        }
    }

    private static void rethrow(Throwable first) {
        if (first instanceof RuntimeException e) {
            throw e;
        }
        if (first instanceof Error e) {
            throw e;
        }
    }

    /** Where part {@code p} of {@code parts} over {@code [0, n)} starts. */
    private static int from(int n, int parts, int p) {
        return (int) ((long) n * p / parts);
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (Worker w : workers) {
            w.stop();
        }
    }

    /**
     * When the pool runs calls on the caller alone. One late part, or one part taken from a
     * spinning worker, does not show a taken core: on a quiet 2-vCPU VM the host runs a vCPU slower
     * for a while and some parts come late, a few in a hundred calls, and going alone for 32 to
     * 4096 calls on each of them cut 2-thread decode under {@code -XX:UseAVX=2} from 9–11.6 to 6.5
     * tokens/s (README, "Busy machines"). A process that holds a core shows in most calls while it
     * runs, so the rule waits until {@link #CONTENDED} of the last {@link #WINDOW} parallel calls
     * showed contention. Runs alone for {@link #MIN_SOLO_CALLS} calls, doubling up to
     * {@link #MAX_SOLO_CALLS} while it keeps happening, halving for each clean call after a
     * window's worth of them in a row. Not thread-safe: the pool calls it under its lock.
     */
    static final class SoloRule {
        /** Parallel calls judged together, and how many of them must show contention. */
        static final int WINDOW = 16;
        static final int CONTENDED = 8;
        /**
         * Calls run alone after a trip, first and at most. The most is about 7 decode steps of
         * 2B-4T, so after the neighbour leaves the workers are back within a second or two.
         */
        static final int MIN_SOLO_CALLS = 32;
        static final int MAX_SOLO_CALLS = 1024;
        private static final int WINDOW_MASK = (1 << WINDOW) - 1;

        /** Bit i: whether the (i+1)-th latest parallel call showed contention. */
        private int history;
        /** Parallel calls in a row that showed no contention. */
        private int cleanRun;
        private int soloLeft;
        private int soloNext = MIN_SOLO_CALLS;

        boolean runsAlone() {
            return soloLeft > 0;
        }

        /** Counts off one call run alone; the calls alone left after it. */
        int endSoloCall() {
            return --soloLeft;
        }

        /** Records whether a call on the workers showed a taken core. */
        void afterParallelCall(boolean contended) {
            history = (history << 1 | (contended ? 1 : 0)) & WINDOW_MASK;
            cleanRun = contended ? 0 : cleanRun + 1;
            if (Integer.bitCount(history) >= CONTENDED) {
                soloLeft = soloNext;
                soloNext = Math.min(2 * soloNext, MAX_SOLO_CALLS);
                history = 0;
            } else if (cleanRun >= WINDOW) {
                soloNext = Math.max(soloNext / 2, MIN_SOLO_CALLS);
            }
        }
    }

    private static final class Worker implements Runnable {
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Worker.class, "state", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Thread thread;
        private final int part;
        // written by the caller before the volatile write of state, read by whoever claims the part
        private RangeBody body;
        private int from;
        private int to;
        private Throwable failure;
        private Thread caller;
        /** Whether the worker was parked when the caller posted the part it may now take. */
        boolean parkedAtPost;
        /** How long the worker's last part ran, from its claim; read by the caller after {@link #done}. */
        long partNanos;
        /** {@code g} once part {@code g} is posted; {@code -g} once the worker or the caller claimed it. */
        private volatile long state;
        private volatile long done;
        private volatile boolean parked;
        private volatile boolean callerParked;
        private volatile boolean stopped;

        Worker(int part) {
            this.part = part;
            this.thread = Thread.ofPlatform().daemon().name("bitnet-cpu-worker-" + part).unstarted(this);
        }

        void post(long generation, RangeBody body, int from, int to, Thread caller) {
            this.body = body;
            this.from = from;
            this.to = to;
            this.failure = null;
            this.caller = caller;
            state = generation;
            parkedAtPost = parked;
            if (parkedAtPost) {
                LockSupport.unpark(thread);
            }
        }

        /** The caller takes part {@code generation} if the worker has not: true if it must run it. */
        boolean steal(long generation) {
            if (STATE.compareAndSet(this, generation, -generation)) {
                body = null;
                return true;
            }
            return false;
        }

        /** Unparks the worker if it is parked, so it spins for the next post. */
        void wake() {
            if (parked) {
                LockSupport.unpark(thread);
            }
        }

        /**
         * Waits for the worker to finish part {@code generation}, which it claimed, polling for
         * {@code spinNanos} before parking; its failure or null.
         */
        Throwable await(long generation, long spinNanos) {
            long start = System.nanoTime();
            while (done != generation) {
                if (System.nanoTime() - start < spinNanos) {
                    Thread.onSpinWait();
                    continue;
                }
                // Dekker-style handshake with run(): either this re-read sees done or the worker
                // sees callerParked and unparks; a stale unpark only ends one park early.
                callerParked = true;
                if (done != generation) {
                    LockSupport.park(this);
                }
                callerParked = false;
            }
            return failure;
        }

        void stop() {
            stopped = true;
            if (thread.getState() == Thread.State.NEW) {
                return;
            }
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
                if (!STATE.compareAndSet(this, g, -g)) {
                    continue; // the caller took it
                }
                RangeBody b = body;
                body = null;
                long start = System.nanoTime();
                try {
                    b.run(part, from, to);
                } catch (Throwable t) {
                    failure = t;
                }
                partNanos = System.nanoTime() - start;
                Thread waiting = caller;
                caller = null;
                done = g;
                if (callerParked) {
                    LockSupport.unpark(waiting);
                }
            }
        }

        /** The next posted generation, or {@code seen} once stopped. */
        private long waitForPost(long seen) {
            long spinStart = System.nanoTime();
            while (!stopped) {
                long g = state;
                if (g > seen) {
                    return g;
                }
                if (System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                // Dekker-style handshake with post(): either this re-read sees the new generation
                // or post() sees parked and unparks; a stale unpark only ends one park early.
                parked = true;
                if (state <= seen && !stopped) {
                    LockSupport.park(this);
                }
                parked = false;
                spinStart = System.nanoTime();
            }
            return seen;
        }
    }
}
