package io.bitnettt.spi;

import java.lang.foreign.MemorySegment;

/**
 * A tensor owned by a {@link Device}. Closing it deallocates its memory at once (TT-NN's
 * {@code deallocate}); using it afterwards throws {@link BackendException}.
 *
 * <p>The model never reads tensor memory directly: it moves data only through {@link #upload} and
 * {@link #download}, so the same model code drives host and device memory alike.
 */
public interface Tensor extends AutoCloseable {

    TensorSpec spec();

    default Shape shape() {
        return spec().shape();
    }

    default DType dtype() {
        return spec().dtype();
    }

    /**
     * The per-tensor dequantization scale: for {@link DType#TERNARY_INT2} the checkpoint's
     * {@code weight_scale} (multiplied, as in {@code autobitlinear}); 1 for every other type.
     */
    default float quantScale() {
        return 1f;
    }

    /** Copies a host buffer of exactly {@link TensorSpec#hostBytes()} bytes into this tensor. */
    void upload(MemorySegment source);

    /** Copies this tensor into a host buffer of exactly {@link TensorSpec#hostBytes()} bytes. */
    void download(MemorySegment destination);

    boolean isClosed();

    /** Deallocates; idempotent. */
    @Override
    void close();
}
