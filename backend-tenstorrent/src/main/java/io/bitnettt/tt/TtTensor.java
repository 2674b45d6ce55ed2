package io.bitnettt.tt;

import io.bitnettt.spi.Tensor;
import io.bitnettt.spi.TensorSpec;

import java.lang.foreign.MemorySegment;

/** A device tensor: its ABI handle, and for ternary weights the scale applied after the matmul. */
final class TtTensor implements Tensor {
    private final TenstorrentDevice device;
    private final TensorSpec spec;
    private final long handle;
    private final float scale;
    private volatile boolean closed;

    TtTensor(TenstorrentDevice device, TensorSpec spec, long handle, float scale) {
        this.device = device;
        this.spec = spec;
        this.handle = handle;
        this.scale = scale;
    }

    @Override
    public TensorSpec spec() {
        return spec;
    }

    @Override
    public float quantScale() {
        return scale;
    }

    TenstorrentDevice device() {
        return device;
    }

    long handle() {
        return handle;
    }

    @Override
    public void upload(MemorySegment source) {
        device.upload(this, source, "upload");
    }

    @Override
    public void download(MemorySegment destination) {
        device.download(this, destination);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Marks the tensor closed; true the first time, so the device frees it once. */
    boolean markClosed() {
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            return true;
        }
    }

    @Override
    public void close() {
        device.free(this);
    }

    @Override
    public String toString() {
        return "TtTensor" + spec.shape() + " " + spec.dtype() + " #" + handle;
    }
}
