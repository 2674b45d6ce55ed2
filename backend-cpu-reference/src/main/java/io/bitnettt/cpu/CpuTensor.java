package io.bitnettt.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.bitnettt.spi.BackendException;
import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;

/**
 * A tensor in its own shared arena, so closing it frees its memory at once whichever thread
 * allocated it. Dense types are stored in their host representation; block floats as F32.
 */
class CpuTensor implements Tensor {
    private final CpuDevice device;
    private final TensorSpec spec;
    private final Arena arena;
    private final MemorySegment segment;
    private volatile boolean closed;

    /** A tensor over the caller's memory, which it reads and writes in place and never frees. */
    CpuTensor(CpuDevice device, TensorSpec spec, MemorySegment external) {
        this.device = device;
        this.spec = spec;
        this.arena = null;
        this.segment = external;
    }

    CpuTensor(CpuDevice device, TensorSpec spec, long storageBytes) {
        this(device, spec, storageBytes, false);
    }

    /** A tensor of its own memory; {@code hugePages} asks for {@link HugePages} where they are offered. */
    CpuTensor(CpuDevice device, TensorSpec spec, long storageBytes, boolean hugePages) {
        this.device = device;
        this.spec = spec;
        this.arena = Arena.ofShared();
        try {
            MemorySegment mapped = hugePages ? HugePages.allocate(storageBytes, arena) : null;
            this.segment = mapped != null ? mapped : arena.allocate(storageBytes, 64);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw new BackendException(CpuDevice.NAME, "allocate",
                    "cannot allocate " + storageBytes + " bytes for " + spec.shape() + " " + spec.dtype(), e);
        }
    }

    @Override
    public TensorSpec spec() {
        return spec;
    }

    /** The backing memory; callers have already checked the tensor is open. */
    MemorySegment segment() {
        return segment;
    }

    CpuDevice device() {
        return device;
    }

    @Override
    public void upload(MemorySegment source) {
        checkUsable("upload");
        requireHostSize("upload", source);
        writeHost(source);
        device.loadActivity(false);
    }

    @Override
    public void download(MemorySegment destination) {
        checkUsable("download");
        requireHostSize("download", destination);
        readHost(destination);
    }

    /** Copies a host buffer of the right size into storage; ternary tensors repack here. */
    void writeHost(MemorySegment source) {
        segment.copyFrom(source);
    }

    void readHost(MemorySegment destination) {
        destination.copyFrom(segment);
    }

    private void requireHostSize(String op, MemorySegment host) {
        if (host == null || host.byteSize() != spec.hostBytes()) {
            throw new BackendException(CpuDevice.NAME, op, "tensor " + spec.shape() + " " + spec.dtype() + " needs a host buffer of "
                    + spec.hostBytes() + " bytes, got " + (host == null ? "null" : host.byteSize()));
        }
    }

    void checkUsable(String op) {
        if (closed) {
            throw new BackendException(CpuDevice.NAME, op, "tensor " + spec.shape() + " was already deallocated");
        }
        device.requireOpen(op);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (arena != null) {
            arena.close();
        }
        device.forget(this);
    }
}
