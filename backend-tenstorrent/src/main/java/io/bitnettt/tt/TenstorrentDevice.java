package io.bitnettt.tt;

import io.bitnettt.spi.AbstractDevice;
import io.bitnettt.spi.BackendException;
import io.bitnettt.spi.Capabilities;
import io.bitnettt.spi.CapturedStep;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;
import io.bitnettt.spi.TransformerOps;
import io.bitnettt.tt.ffi.BttDevice;
import io.bitnettt.tt.ffi.BttDeviceConfig;
import io.bitnettt.tt.ffi.BttDeviceInfo;
import io.bitnettt.tt.ffi.BttLibrary;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Map;

/**
 * A Tenstorrent device driven over the C ABI: the shim over TT-NN on a card, or the same shim over the
 * host double of TT-NN.
 *
 * <p>Every native call holds this device's monitor, the one {@link AbstractDevice#close()} takes,
 * so a close waits for a call in flight and no call ever reaches a closed device: a closed device
 * or tensor is refused in Java with a {@link BackendException} naming the op.
 */
public final class TenstorrentDevice extends AbstractDevice {
    private final BttDevice nat;
    private final BttDeviceInfo info;
    private final Capabilities capabilities;
    private final TtOps ops;

    private TenstorrentDevice(String backendName, BttDevice nat) {
        super(backendName);
        this.nat = nat;
        BttDeviceInfo i;
        try {
            i = nat.info();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.info = i;
        this.capabilities = new Capabilities(
                EnumSet.of(DType.F32, DType.BF16, DType.BFP8_B, DType.BFP4_B, DType.UINT32, DType.TERNARY_INT2),
                Map.of(MemoryPlacement.DEVICE_DRAM, i.dramBytes(), MemoryPlacement.DEVICE_L1, i.l1Bytes()),
                true, 32, i.cores());
        this.ops = new TtOps(this);
    }

    /** Opens device {@code config.deviceId()} of {@code library}; {@code backendName} names it in errors. */
    public static TenstorrentDevice open(BttLibrary library, String backendName, BttDeviceConfig config) {
        return new TenstorrentDevice(backendName, BttDevice.open(library, backendName, config));
    }

    /**
     * Opens the shim over the host double of TT-NN with the library {@link TtLibraries#hostDouble()}
     * finds: the system property {@value TtLibraries#HOST_DOUBLE_PROPERTY} or the copy inside this jar.
     */
    public static TenstorrentDevice openEmulator(EmulatorConfig config) {
        BttLibrary lib = TtLibraries.hostDouble().orElseThrow(TenstorrentEmulatorProvider.NAME);
        return open(lib, TenstorrentEmulatorProvider.NAME, config.toNative(0));
    }

    /** What the library reports about the device: architecture, cores, capacities. */
    public BttDeviceInfo info() {
        return info;
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public TransformerOps ops() {
        return ops;
    }

    // ---- tensors ---------------------------------------------------------------------------

    @Override
    public Tensor allocate(TensorSpec spec) {
        return allocate(spec, 1f, "allocate");
    }

    private TtTensor allocate(TensorSpec spec, float scale, String op) {
        var dtype = AbiMapping.dtype(spec.dtype(), backendName(), op);
        var memory = AbiMapping.memory(spec.placement(), backendName(), op);
        synchronized (this) {
            requireOpen(op);
            long handle = nat.allocate(dtype, AbiMapping.layout(spec), memory, spec.shape().toArray(), op);
            return track(new TtTensor(this, spec, handle, scale));
        }
    }

    @Override
    public Tensor uploadTernary(long out, long in, MemorySegment hfPacked, float scale, MemoryPlacement placement) {
        String op = "uploadTernary";
        requireOpen(op);
        if (!Float.isFinite(scale) || scale <= 0f) {
            throw new BackendException(backendName(), op,
                    "weight [" + out + ", " + in + "] has scale " + scale + "; it must be finite and positive");
        }
        if (out <= 0 || in <= 0 || out % 4 != 0 || out > Integer.MAX_VALUE || in > Integer.MAX_VALUE) {
            throw new BackendException(backendName(), op,
                    "weight [" + out + ", " + in + "] needs positive int dims and out divisible by 4");
        }
        TtTensor t = allocate(TensorSpec.of(DType.TERNARY_INT2, out, in)
                .withPlacement(placement), scale, op);
        try {
            upload(t, hfPacked, op);
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    void upload(TtTensor t, MemorySegment source, String op) {
        TensorSpec spec = t.spec();
        requireHostSize(op, spec, source);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment abi;
            try {
                abi = HostForms.toAbi(spec, source, arena);
            } catch (IllegalArgumentException e) {
                throw new BackendException(backendName(), op, "tensor " + spec.shape() + " " + spec.dtype() + ": "
                        + e.getMessage(), e);
            }
            synchronized (this) {
                requireUsable(op, t);
                nat.upload(t.handle(), abi, op);
            }
        }
    }

    void download(TtTensor t, MemorySegment destination) {
        String op = "download";
        TensorSpec spec = t.spec();
        requireHostSize(op, spec, destination);
        if (HostForms.sameForm(spec.dtype()) && destination.isNative()) {
            synchronized (this) {
                requireUsable(op, t);
                nat.download(t.handle(), destination, op);
            }
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment abi = arena.allocate(HostForms.abiBytes(spec), Float.BYTES);
            synchronized (this) {
                requireUsable(op, t);
                nat.download(t.handle(), abi, op);
            }
            try {
                HostForms.fromAbi(spec, abi, destination);
            } catch (IllegalStateException e) {
                throw new BackendException(backendName(), op, "tensor " + spec.shape() + ": " + e.getMessage(), e);
            }
        }
    }

    /** Deallocates {@code t} once; after the device closed, btt_device_close has freed it already. */
    void free(TtTensor t) {
        synchronized (this) {
            if (!t.markClosed()) {
                return;
            }
            try {
                if (!isClosed()) {
                    nat.deallocate(t.handle(), "deallocate");
                }
            } finally {
                untrack(t);
            }
        }
    }

    private void requireHostSize(String op, TensorSpec spec, MemorySegment host) {
        if (host == null || host.byteSize() != spec.hostBytes()) {
            throw new BackendException(backendName(), op, "tensor " + spec.shape() + " " + spec.dtype()
                    + " needs a host buffer of " + spec.hostBytes() + " bytes, got "
                    + (host == null ? "null" : host.byteSize()));
        }
    }

    private void requireUsable(String op, TtTensor t) {
        requireOpen(op);
        if (t.isClosed()) {
            throw new BackendException(backendName(), op, "tensor " + t.shape() + " was already deallocated");
        }
    }

    // ---- capture, synchronization, counters ------------------------------------------------

    /**
     * Runs {@code step} once eagerly (which also compiles its kernels, and leaves valid outputs),
     * then records it into a trace that {@link CapturedStep#replay()} executes. The device's
     * monitor is held throughout, so no other thread's ops slip into the recording.
     */
    @Override
    public synchronized CapturedStep capture(Runnable step) {
        String op = "capture";
        requireOpen(op);
        step.run();
        long trace = nat.traceBegin(op);
        try {
            step.run();
        } catch (RuntimeException e) {
            abandon(trace, e);
            throw e;
        }
        try {
            nat.traceEnd(trace, op);
        } catch (RuntimeException e) {
            release(trace, e);
            throw e;
        }
        return new TtCapturedStep(this, trace);
    }

    /** A recording the step broke off: end it so the device leaves capture mode, then free it. */
    private void abandon(long trace, RuntimeException cause) {
        try {
            nat.traceEnd(trace, "capture");
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
        release(trace, cause);
    }

    private void release(long trace, RuntimeException cause) {
        try {
            nat.traceRelease(trace, "capture");
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    synchronized void replay(long trace) {
        requireOpen("replay");
        nat.traceExecute(trace, false, "replay");
    }

    /** Frees a trace unless the device is closed (btt_device_close freed it then). */
    synchronized void releaseTrace(long trace) {
        if (!isClosed()) {
            nat.traceRelease(trace, "releaseTrace");
        }
    }

    @Override
    public synchronized void synchronize() {
        requireOpen("synchronize");
        nat.synchronize("synchronize");
    }

    /** The counters after every enqueued op has finished. */
    public synchronized DeviceCounters counters() {
        requireOpen("counters");
        nat.synchronize("counters");
        return DeviceCounters.of(nat.counters("counters"));
    }

    /**
     * What the device executed since the last reset, by key: {@code op:<TT-NN op>} per op,
     * {@code compute:<op> <config>} per compute kernel config, {@code program:<op> <config>} per
     * program config, {@code view:} for zero-cost views and {@code hazard:} for what a card would
     * not survive (see native/hostdouble/README.md). The real TT-NN adapter reports what its wrappers
     * dispatched.
     */
    public synchronized java.util.Map<String, Long> opStats() {
        requireOpen("opStats");
        nat.synchronize("opStats");
        return nat.opStats("opStats");
    }

    /** Zeroes the cumulative counters (not the in-use gauges). */
    public synchronized void resetCounters() {
        requireOpen("resetCounters");
        nat.synchronize("resetCounters");
        nat.resetCounters("resetCounters");
    }

    // ---- for TtOps -------------------------------------------------------------------------

    BttDevice nat() {
        return nat;
    }

    void requireOpen(String op) {
        ensureOpen(op);
    }

    @Override
    protected void release() {
        nat.close();
    }

    @Override
    public String toString() {
        return backendName() + " device (" + info.arch() + ", " + info.cores() + " cores, library "
                + nat.library().origin() + ")";
    }
}
