package io.bitnettt.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.bitnettt.cpu.kernel.Bf16;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import io.bitnettt.spi.TransformerOps;

/**
 * Runs the device's kernels over a small synthetic layer in a background thread once a model has
 * loaded, so that C2 has compiled them by the time the first request comes: until then Vector API
 * code runs boxed, 10 to 100 times slower, and a fresh JVM's first request at 2B-4T shapes spent
 * 15 to 20 s in a prefill that takes 1 to 2 s warm (on the README's busy 2-core VM).
 *
 * <p>It starts when the device has received a ternary weight and then no allocation or upload for
 * {@link #QUIET_NANOS}: the load is over, and a request has not come yet (a user typing, an
 * application between start-up and its first call). Run during the load instead, its compilations
 * (most of them the Vector API's boxed fallbacks, which C2 compiles before the kernels because they
 * are called far more often) held the loader's own recompilations back for seconds in the JIT
 * queue and made a 2B-4T load two to three times slower. For the same reason it pauses whenever
 * the device uploads again, and whenever its thread got less than {@link #MIN_CPU_SHARE} of a CPU
 * over a window.
 *
 * <p>It runs what a model runs, through the same op code (decode steps and prefill blocks, with
 * this device's ternary kernel family, bf16 and int8 logits, argmax and top-k, and attention over
 * each KV cache type in {@link #CACHE_TYPES} in turn), on tensors and with
 * ops, scratch and a one-thread pool of its own, so it takes no lock the model's ops take. Its
 * tensors are native memory as the model's, with 128-wide heads and rows of 512 to 1024, so the
 * kernels' loops see trip counts like a real model's rather than a toy's (C2 unrolls no further
 * than the trip counts it profiled).
 *
 * <p>It ends after {@link #STEPS} decode steps, at the first op another thread calls on the device
 * (that request compiles whatever is left itself), or when the device closes, which waits for it.
 * It changes no result: the kernels give the same bits in every JIT tier, and nothing it touches
 * is the model's.
 */
final class KernelWarmup implements Runnable {
    /** Decode steps it runs at most; a prefill block every {@link #PREFILL_EVERY}. */
    static final int STEPS = 6000;
    static final int PREFILL_EVERY = 16;
    private static final int HIDDEN = 512;
    private static final int HEAD_DIM = 128;
    private static final int HEADS = HIDDEN / HEAD_DIM;
    private static final int KV_HEADS = 2;
    private static final int FFN = 1024;
    private static final int VOCAB = 1024;
    private static final int CONTEXT = 64;
    /** Tokens of a prefill block: past the multiply family's table-GEMM threshold, not a multiple of four. */
    private static final int BLOCK = 22;
    private static final int TOP_K = 40;
    /** One table entry in this many is set; the rest stay zero. */
    private static final int SPARSE = 61;
    /**
     * The KV cache types it runs attention over, one per step in turn: each has its own attention
     * kernel, and a model's cache type is not known here (the cache is allocated after the weights,
     * as plain memory), so a warm-up of F32 alone left a bf16 or int8 request to compile its own.
     */
    static final List<DType> CACHE_TYPES = List.of(DType.F32, DType.BF16, DType.INT8_ROWS);

    /** Below this share of the wall time on a CPU, over a window, the warm-up pauses. */
    static final double MIN_CPU_SHARE = 0.75;
    /** How long the device must have had no allocation or upload before the warm-up runs. */
    static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final CpuDevice device;
    private final Thread thread;
    private volatile boolean stopped;
    /** Whether a ternary weight has arrived, and when the device last allocated or uploaded. */
    private volatile boolean modelLoading;
    private volatile long lastLoadActivity = System.nanoTime();

    KernelWarmup(CpuDevice device) {
        this.device = device;
        this.thread = Thread.ofPlatform().daemon().name("bitnet-cpu-warmup").unstarted(this);
    }

    /** Starts warming the device's kernels in the background; call once the device can run ops. */
    void start() {
        thread.start();
    }

    /** Called around every allocation and upload (but its own); {@code ternary} for a weight. */
    void loadActivity(boolean ternary) {
        if (Thread.currentThread() == thread) {
            return;
        }
        lastLoadActivity = System.nanoTime();
        if (ternary && !modelLoading) {
            modelLoading = true;
        }
    }

    /** Waits until a model has loaded and the device has been quiet; false if stopped first. */
    private boolean awaitQuiet() {
        while (!stopped) {
            long quietFor = System.nanoTime() - lastLoadActivity;
            if (modelLoading && quietFor >= QUIET_NANOS) {
                return true;
            }
            LockSupport.parkNanos(this, Math.max(QUIET_NANOS - quietFor, PAUSE_NANOS));
        }
        return false;
    }

    /**
     * Called at the start of every op: an op from any other thread ends the warm-up, and the
     * warm-up's own next op then leaves at once, so it runs no op between that thread's ones.
     */
    void opStarting() {
        if (Thread.currentThread() == thread) {
            if (stopped) {
                throw new Stopped();
            }
        } else if (!stopped) {
            stopped = true;
        }
    }

    /** Unwinds the warm-up from inside an op, before the op touches anything. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super("cpu warm-up stopped", null, false, false);
        }
    }

    /** Ends the warm-up and waits for its thread. */
    void stop() {
        stopped = true;
        if (Thread.currentThread() == thread) {
            return;
        }
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean isRunning() {
        return thread.isAlive();
    }

    @Override
    public void run() {
        if (!awaitQuiet()) {
            return;
        }
        try {
            runSteps(STEPS, true);
        } catch (RuntimeException e) {
            // Stopped, the device closed under it, or an op failed: there is nothing left to warm
            // for, and a real op will report a real failure itself.
        } finally {
            stopped = true;
        }
    }

    /**
     * Runs the first {@code steps} steps on the calling thread, without waiting for a quiet device
     * and with failures thrown rather than ending the warm-up quietly; for tests, on a device that
     * runs no warm-up of its own.
     */
    void runSteps(int steps) {
        runSteps(steps, false);
    }

    /**
     * Up to {@code steps} steps on tensors, ops and a pool of its own; in the background, only while
     * the device is quiet, pausing while the thread gets too little of a CPU.
     */
    private void runSteps(int steps, boolean background) {
        List<CpuTensor> owned = new ArrayList<>();
        WorkerPool pool = new WorkerPool(1);
        CpuOps ops = new CpuOps(device, pool);
        try (Arena host = Arena.ofConfined()) {
            Layer layer = new Layer(ops, host, owned);
            Throttle throttle = background ? new Throttle() : null;
            for (int i = 0; i < steps && (!background || awaitQuiet()); i++) {
                layer.step(i);
                if (throttle != null) {
                    throttle.afterStep();
                }
            }
        } finally {
            owned.forEach(CpuTensor::close);
            ops.close();
            pool.close();
        }
    }

    /** Pauses the warm-up while its thread is not getting a CPU to itself: someone else wants the cores. */
    private final class Throttle {
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private final boolean measurable = threads.isCurrentThreadCpuTimeSupported();
        private long wall0 = System.nanoTime();
        private long cpu0 = measurable ? threads.getCurrentThreadCpuTime() : 0;

        void afterStep() {
            long wall = System.nanoTime() - wall0;
            if (!measurable || wall < WINDOW_NANOS) {
                return;
            }
            if (threads.getCurrentThreadCpuTime() - cpu0 < MIN_CPU_SHARE * wall && !stopped) {
                LockSupport.parkNanos(this, PAUSE_NANOS);
            }
            wall0 = System.nanoTime();
            cpu0 = threads.getCurrentThreadCpuTime();
        }
    }

    /** One layer's weights and activations, and the op sequences of a decode step and a prefill block. */
    private final class Layer {
        final TransformerOps ops;
        final SplittableRandom random = new SplittableRandom(1);
        final List<CpuTensor> owned;
        final MemorySegment scalar;
        final Tensor norm, ffnNorm, wq, wk, wv, wo, wGate, wUp, wDown, table, tableQ, rowScales, cos, sin;
        /** A key and value cache of each of {@link #CACHE_TYPES}, in that order. */
        final Cache[] caches;
        final Tensor id, id1, position, best, topValues, topIds;
        final Activations one, block;

        Layer(TransformerOps ops, Arena host, List<CpuTensor> owned) {
            this.ops = ops;
            this.owned = owned;
            scalar = host.allocate(4);
            norm = ones(HIDDEN);
            ffnNorm = ones(FFN);
            wq = ternary(HIDDEN, HIDDEN);
            wk = ternary(KV_HEADS * HEAD_DIM, HIDDEN);
            wv = ternary(KV_HEADS * HEAD_DIM, HIDDEN);
            wo = ternary(HIDDEN, HIDDEN);
            wGate = ternary(FFN, HIDDEN);
            wUp = ternary(FFN, HIDDEN);
            wDown = ternary(HIDDEN, FFN);
            table = bf16(VOCAB, HIDDEN);
            tableQ = int8(VOCAB, HIDDEN);
            rowScales = ones(VOCAB);
            cos = zeros(CONTEXT, HEAD_DIM);
            sin = zeros(CONTEXT, HEAD_DIM);
            caches = CACHE_TYPES.stream().map(Cache::new).toArray(Cache[]::new);
            id = tensor(TensorSpec.of(DType.UINT32, BLOCK));
            id1 = tensor(TensorSpec.of(DType.UINT32, 1));
            position = tensor(TensorSpec.of(DType.UINT32, 1));
            best = tensor(TensorSpec.of(DType.UINT32, 1));
            topValues = tensor(TensorSpec.of(DType.F32, TOP_K));
            topIds = tensor(TensorSpec.of(DType.UINT32, TOP_K));
            one = new Activations(1);
            block = new Activations(BLOCK);
        }

        /** Step {@code i}: a prefill block every {@link #PREFILL_EVERY} steps, else a decode step; the cache types in turn. */
        void step(int i) {
            if (i % PREFILL_EVERY == 0) {
                prefill(caches[i / PREFILL_EVERY % caches.length]);
            } else {
                decode(i % CONTEXT, caches[i % caches.length]);
            }
        }

        void decode(int pos, Cache c) {
            scalar.set(ValueLayout.JAVA_INT, 0, pos);
            position.upload(scalar);
            Activations a = one;
            ops.embedding(table, id1, a.x);
            layer(a, pos, true, c);
            ops.rmsNorm(a.x, norm, 1e-5f, a.normed);
            if (pos % 2 == 0) {
                ops.outputProjection(a.normed, table, a.logits);
            } else {
                ops.outputProjectionInt8(a.normed, tableQ, rowScales, a.logits);
            }
            ops.argmax(a.logits, best);
            best.download(scalar);
            if (pos % 8 == 0) {
                ops.topK(a.logits, TOP_K, topValues, topIds);
            }
        }

        void prefill(Cache c) {
            ops.embedding(table, id, block.x);
            layer(block, 0, false, c);
        }

        private void layer(Activations a, int pos, boolean decode, Cache c) {
            ops.rmsNorm(a.x, norm, 1e-5f, a.normed);
            ops.ternaryLinearQkv(a.normed, wq, wk, wv, a.q, a.k, a.v);
            if (decode) {
                ops.rotaryDecode(a.q, HEADS, cos, sin, position);
                ops.rotaryDecode(a.k, KV_HEADS, cos, sin, position);
                ops.kvCacheUpdate(c.k, a.k, position);
                ops.kvCacheUpdate(c.v, a.v, position);
                ops.attentionDecode(a.q, c.k, c.v, position, HEADS, KV_HEADS, a.attn);
            } else {
                ops.rotaryPrefill(a.q, HEADS, cos, sin, pos);
                ops.rotaryPrefill(a.k, KV_HEADS, cos, sin, pos);
                ops.kvCacheFill(c.k, a.k, pos);
                ops.kvCacheFill(c.v, a.v, pos);
                ops.attentionPrefill(a.q, c.k, c.v, pos, HEADS, KV_HEADS, a.attn);
            }
            ops.rmsNorm(a.attn, norm, 1e-5f, a.attn);
            ops.ternaryLinear(a.attn, wo, a.proj);
            ops.add(a.x, a.proj, a.x);
            ops.rmsNorm(a.x, norm, 1e-5f, a.normed);
            ops.ternaryLinearGateUp(a.normed, wGate, wUp, a.gate, a.up);
            ops.relu2Gate(a.gate, a.up, a.gate);
            ops.rmsNorm(a.gate, ffnNorm, 1e-5f, a.gate);
            ops.ternaryLinear(a.gate, wDown, a.proj);
            ops.add(a.x, a.proj, a.x);
        }

        // ---- tensors of its own, freed by the warm-up, not by the device ----
        // Filled sparsely: a loop over every element would profile the JDK's memory accessors, which
        // the loader shares, with the warm-up's writes. Zero activations are fine for every op.

        private CpuTensor tensor(TensorSpec spec) {
            CpuTensor t = device.ownTensor(spec);
            owned.add(t);
            return t;
        }

        private Tensor zeros(long... dims) {
            return tensor(TensorSpec.f32(dims));
        }

        private Tensor ones(int n) {
            CpuTensor t = tensor(TensorSpec.f32(n));
            for (int i = 0; i < n; i++) {
                t.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
            }
            return t;
        }

        /** Every {@link #SPARSE}th entry varied, so logits differ by row and top-k's branches go both ways. */
        private Tensor bf16(int rows, int cols) {
            CpuTensor t = tensor(TensorSpec.of(DType.BF16, rows, cols));
            for (long i = 0; i < (long) rows * cols; i += SPARSE) {
                t.segment().setAtIndex(ValueLayout.JAVA_SHORT, i, Bf16.fromFloat((random.nextInt(255) - 127) / 64f));
            }
            return t;
        }

        private Tensor int8(int rows, int cols) {
            CpuTensor t = tensor(TensorSpec.of(DType.INT8, rows, cols));
            for (long i = 0; i < (long) rows * cols; i += SPARSE) {
                t.segment().set(ValueLayout.JAVA_BYTE, i, (byte) (random.nextInt(255) - 127));
            }
            return t;
        }

        /**
         * A weight left as allocated, all zero bits: any bits are valid words of either layout, and
         * packing one would profile the loader's repacking loop with the warm-up's small matrices
         * (C2 then compiled it for them, and a 2B-4T load took twice as long).
         */
        private Tensor ternary(int out, int in) {
            CpuTernaryTensor t = device.ownTernary(out, in, 0.02f);
            owned.add(t);
            return t;
        }

        /** A key and a value cache of one type, shaped as the SPI asks of that type. */
        private final class Cache {
            final Tensor k, v;

            Cache(DType type) {
                long[] shape = type == DType.INT8_ROWS ? new long[] {CONTEXT, KV_HEADS, HEAD_DIM}
                        : new long[] {CONTEXT, KV_HEADS * HEAD_DIM};
                k = tensor(TensorSpec.of(type, shape));
                v = tensor(TensorSpec.of(type, shape));
            }
        }

        /** The activations of {@code tokens} tokens. */
        private final class Activations {
            final Tensor x, normed, q, k, v, attn, proj, gate, up, logits;

            Activations(int tokens) {
                x = zeros(tokens, HIDDEN);
                normed = zeros(tokens, HIDDEN);
                q = zeros(tokens, HIDDEN);
                k = zeros(tokens, KV_HEADS * HEAD_DIM);
                v = zeros(tokens, KV_HEADS * HEAD_DIM);
                attn = zeros(tokens, HIDDEN);
                proj = zeros(tokens, HIDDEN);
                gate = zeros(tokens, FFN);
                up = zeros(tokens, FFN);
                logits = zeros(tokens, VOCAB);
            }
        }
    }
}
