package io.bitnettt.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import io.bitnettt.cpu.kernel.TouchAhead;
import io.bitnettt.cpu.kernel.WeightLayout;
import io.bitnettt.spi.AbstractDevice;
import io.bitnettt.spi.BackendException;
import io.bitnettt.spi.Capabilities;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.DeviceOptions;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.Shape;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import io.bitnettt.spi.TransformerOps;

/**
 * The host as a device: every placement is host memory, every tensor an off-heap segment, and the
 * ops run synchronously on a fixed worker pool.
 *
 * <p>Block floats (BFP8_B, BFP4_B) are stored as plain F32, losslessly: their host form is F32
 * already and the CPU gains nothing from the block format. The F32-only ops still reject them by
 * dtype, so a model that meant them for an accelerator gets a clear error rather than silent
 * reinterpretation. Layout is ignored: TILE tensors are stored row-major, the host order.
 */
public final class CpuDevice extends AbstractDevice {
    public static final String NAME = "cpu";

    private final WorkerPool pool;
    private final CpuOps ops;
    private final Capabilities capabilities;
    /** Fixed at open so every weight of this device has the same layout. */
    private final TernaryKernel kernel;
    /** Compiles the kernels in the background while the model loads; null when turned off. */
    private final KernelWarmup warmup;
    private final AtomicReference<byte[]> repackBuffer = new AtomicReference<>();

    CpuDevice(DeviceOptions options) {
        super(checkedName()); // a bad setting is refused before the device is registered for closing at exit
        try {
            this.kernel = TernaryKernel.chosen();
            boolean warm = warmupEnabled();
            this.pool = new WorkerPool(options.effectiveThreads());
            this.ops = new CpuOps(this, pool);
            long memory = hostMemoryBytes();
            Map<MemoryPlacement, Long> mem = new EnumMap<>(MemoryPlacement.class);
            for (MemoryPlacement p : MemoryPlacement.values()) {
                mem.put(p, memory);
            }
            this.capabilities = new Capabilities(EnumSet.allOf(DType.class), mem, false, 1, pool.threads());
            this.warmup = warm ? new KernelWarmup(this) : null;
            if (warmup != null) {
                warmup.start(); // after the field is set: the warm-up's own ops read it
            }
        } catch (RuntimeException | Error e) {
            close(); // frees what was made and leaves no half-made device for the exit hook
            throw e;
        }
    }

    /** {@link #NAME}, once every system property the device reads has been checked. */
    private static String checkedName() {
        TouchAhead.checkProperty();
        HugePages.checkProperty();
        warmupEnabled();
        return NAME;
    }

    /** System property {@value #WARMUP_PROPERTY}: {@code true} (default) or {@code false}. */
    static final String WARMUP_PROPERTY = "bitnet.cpu.warmup";

    static boolean warmupEnabled() {
        return SwitchProperty.on(WARMUP_PROPERTY);
    }

    /** Opens a device directly, for tests and benchmarks that do not go through the provider. */
    public static CpuDevice open(DeviceOptions options) {
        return new CpuDevice(options);
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public Tensor allocate(TensorSpec spec) {
        requireOpen("allocate");
        loadActivity(false);
        if (spec.dtype() == DType.TERNARY_INT2) {
            return track(new CpuTernaryTensor(this, spec, layoutOf(spec.shape(), "allocate"), 1f));
        }
        if (spec.dtype() == DType.INT8_ROWS) {
            return track(CpuRowScaledTensor.allocate(this, spec));
        }
        return track(new CpuTensor(this, spec, spec.hostBytes()));
    }

    /**
     * Reads {@code host} in place when it is a dense type aligned to its element size (the kernels'
     * scalar accesses need that); copies it otherwise, and for ternary weights, which are repacked.
     */
    @Override
    public Tensor wrapHost(TensorSpec spec, MemorySegment host) {
        requireOpen("wrapHost");
        int element = spec.dtype().hostBytesPerElement();
        boolean converted = spec.dtype() == DType.TERNARY_INT2 || spec.dtype() == DType.INT8_ROWS
                || spec.dtype().isBlockFloat();
        if (converted || host == null || !host.isNative() || host.byteSize() != spec.hostBytes()
                || host.address() % element != 0) {
            return upload(spec, host);
        }
        return track(new CpuTensor(this, spec, host));
    }

    @Override
    public Tensor uploadTernary(long out, long in, MemorySegment hfPacked, float scale, MemoryPlacement placement) {
        requireOpen("uploadTernary");
        if (!Float.isFinite(scale) || scale <= 0f) {
            throw new BackendException(NAME, "uploadTernary",
                    "weight [" + out + ", " + in + "] has scale " + scale + "; it must be finite and positive");
        }
        if (out <= 0 || in <= 0 || out % 4 != 0) {
            throw new BackendException(NAME, "uploadTernary", "weight [" + out + ", " + in + "] needs positive dims and out divisible by 4");
        }
        TensorSpec spec = TensorSpec.of(DType.TERNARY_INT2, out, in).withPlacement(placement);
        loadActivity(true);
        CpuTernaryTensor t = track(new CpuTernaryTensor(this, spec, layoutOf(spec.shape(), "uploadTernary"), scale));
        try {
            t.upload(hfPacked);
            loadActivity(true);
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private WeightLayout layoutOf(Shape shape, String op) {
        try {
            return kernel.layout(shape.intDim(0), shape.intDim(1));
        } catch (ArithmeticException e) {
            throw new BackendException(NAME, op, "ternary weight " + shape + " is too large for the CPU layout", e);
        }
    }

    @Override
    public TransformerOps ops() {
        return ops;
    }

    /**
     * Bytes this device holds for {@code t}: a ternary weight's repacked layout, a dense tensor's
     * host form. For benchmarks that count the bytes an op streams.
     */
    public long storedBytes(Tensor t) {
        if (t instanceof CpuTensor c && c.device() == this) {
            return c.segment().byteSize();
        }
        throw new BackendException(NAME, "storedBytes", "tensor " + t.shape() + " was not allocated on this cpu device");
    }

    /**
     * Totals of the screened output projections since the device opened: calls, rows recomputed
     * in full precision, and calls that had to compute every row.
     */
    public long[] screenStatistics() {
        ScreenCall.Statistics s = ops.screenStatistics();
        return new long[] {s.calls(), s.rowsRecomputed(), s.fullPasses()};
    }

    /** The ternary kernel family this device runs ({@code lookup} or {@code multiply}). */
    public String ternaryKernel() {
        return kernel.name().toLowerCase(java.util.Locale.ROOT);
    }

    void requireOpen(String op) {
        ensureOpen(op);
    }

    /** The start of every op of {@link CpuOps}: checks the device is open and ends the warm-up for others' ops. */
    void enterOp(String op) {
        if (warmup != null) {
            warmup.opStarting();
        }
        ensureOpen(op);
    }

    /** Tells the warm-up the device is loading, so it waits; {@code ternary} for a weight. */
    void loadActivity(boolean ternary) {
        if (warmup != null) {
            warmup.loadActivity(ternary);
        }
    }

    /** Whether the background warm-up is still running; for tests. */
    boolean warmingUp() {
        return warmup != null && warmup.isRunning();
    }

    /** A tensor on this device that the caller frees: the device does not track it. */
    CpuTensor ownTensor(TensorSpec spec) {
        if (spec.dtype() == DType.INT8_ROWS) {
            return CpuRowScaledTensor.allocate(this, spec);
        }
        return new CpuTensor(this, spec, spec.hostBytes());
    }

    /** A ternary weight on this device that the caller fills ({@code writeHost}) and frees. */
    CpuTernaryTensor ownTernary(int out, int in, float scale) {
        return new CpuTernaryTensor(this, TensorSpec.of(DType.TERNARY_INT2, out, in), kernel.layout(out, in), scale);
    }

    /**
     * The buffer a ternary upload decodes into before repacking, at least {@code bytes} long. One
     * is kept for all uploads (hand it back with {@link #returnRepackBuffer}): a fresh matrix-sized
     * array per weight left about 2 GB of garbage per 2B-4T load, which grew the Java heap, and with
     * it the resident set, by over a gigabyte. An upload that finds it taken (another thread's) gets its own.
     */
    byte[] takeRepackBuffer(int bytes) {
        byte[] b = repackBuffer.getAndSet(null);
        return b != null && b.length >= bytes ? b : new byte[bytes];
    }

    void returnRepackBuffer(byte[] buffer) {
        if (!isClosed()) {
            repackBuffer.set(buffer);
        }
    }

    void forget(Tensor t) {
        untrack(t);
    }

    @Override
    protected void release() {
        // null-safe: a constructor that failed part way closes the device too
        if (warmup != null) {
            warmup.stop();
        }
        if (ops != null) {
            ops.close();
        }
        if (pool != null) {
            pool.close();
        }
        repackBuffer.set(null);
    }

    private static long hostMemoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }
}
