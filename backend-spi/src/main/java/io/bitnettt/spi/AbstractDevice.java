package io.bitnettt.spi;

import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bookkeeping every device needs: registration with the shutdown hook, the set of live tensors
 * (freed when the device closes), and idempotent close. Backends implement {@link #release()}.
 */
public abstract class AbstractDevice implements Device {
    private final String backendName;
    private final Set<Tensor> live = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    protected AbstractDevice(String backendName) {
        this.backendName = backendName;
        OpenDevices.register(this);
    }

    @Override
    public final String backendName() {
        return backendName;
    }

    /** Call from every tensor factory. */
    protected final <T extends Tensor> T track(T tensor) {
        live.add(tensor);
        return tensor;
    }

    /** Call from a tensor's close. */
    protected final void untrack(Tensor tensor) {
        live.remove(tensor);
    }

    /** Tensors allocated and not yet closed; lets tests prove nothing leaks. */
    public final int liveTensorCount() {
        return live.size();
    }

    protected final void ensureOpen(String op) {
        if (closed) {
            throw new BackendException(backendName, op, "device is closed");
        }
    }

    @Override
    public final boolean isClosed() {
        return closed;
    }

    @Override
    public final synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            for (Tensor t : new ArrayList<>(live)) {
                t.close();
            }
            live.clear();
            release();
        } finally {
            OpenDevices.unregister(this);
        }
    }

    /** Frees the device itself after its tensors are gone. */
    protected abstract void release();
}
