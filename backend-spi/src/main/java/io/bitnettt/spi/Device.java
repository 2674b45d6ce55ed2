package io.bitnettt.spi;

import java.lang.foreign.MemorySegment;

/**
 * An open compute device: allocates tensors and runs {@link TransformerOps} on them.
 * Opened by {@link BackendProvider#open}, closed deterministically with try-with-resources; closing
 * frees every tensor still allocated on it.
 */
public interface Device extends AutoCloseable {

    /** The name of the backend that opened this device. */
    String backendName();

    Capabilities capabilities();

    /** Allocates an uninitialized tensor. */
    Tensor allocate(TensorSpec spec);

    /** Allocates a tensor and fills it from a host buffer in {@code spec}'s host representation. */
    default Tensor upload(TensorSpec spec, MemorySegment source) {
        Tensor t = allocate(spec);
        try {
            t.upload(source);
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /**
     * A tensor holding {@code host}'s bytes (in {@code spec}'s host representation) that a backend
     * computing in host memory may read in place rather than copy; other backends copy it as
     * {@link #upload} does, which is the default. The caller keeps {@code host} alive and unchanged
     * until the tensor is closed. A memory-mapped weight wrapped this way stays in the page cache,
     * shared and reclaimable, instead of being copied into the process.
     */
    default Tensor wrapHost(TensorSpec spec, MemorySegment host) {
        return upload(spec, host);
    }

    /**
     * Uploads a ternary weight matrix of shape {@code [out, in]} given in the Hugging Face packed
     * layout (uint8 {@code [out/4, in]}: bits 2i..2i+1 of byte [r, c] hold row i·out/4 + r as code − 1)
     * with its per-tensor scale. The backend repacks it once into its own layout.
     */
    Tensor uploadTernary(long out, long in, MemorySegment hfPacked, float scale, MemoryPlacement placement);

    TransformerOps ops();

    /**
     * Records {@code step} (which must only enqueue {@link #ops()} calls on tensors allocated
     * beforehand) and returns a handle that replays it. Runs the step once as part of capturing, so
     * the outputs of the first step are valid on return.
     */
    default CapturedStep capture(Runnable step) {
        return CapturedStep.eager(step);
    }

    /** Waits until every enqueued operation has finished (a no-op on synchronous backends). */
    default void synchronize() {
    }

    boolean isClosed();

    /** Closes the device and frees its tensors; idempotent. */
    @Override
    void close();
}
