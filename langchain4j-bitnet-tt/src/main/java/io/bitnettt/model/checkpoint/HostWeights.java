package io.bitnettt.model.checkpoint;

import java.util.List;

/**
 * A model's weights on the host, in checkpoint form: what an uploader needs to put a model on a
 * device. A {@link Checkpoint} is one; {@link ConstantWeights} is a stand-in with the right shapes.
 */
public interface HostWeights {

    /** One entry per decoder layer, in order. */
    List<LayerWeights> layers();

    /** {@code model.embed_tokens.weight}, {@code [vocab, hidden]}. */
    HostTensor embedding();

    /** {@code model.norm.weight}, {@code [hidden]}. */
    HostTensor finalNorm();

    /** The logits weight {@code [vocab, hidden]}: the embedding when tied. */
    HostTensor outputWeight();

    boolean outputTied();

    /**
     * Frees the ternary weights converted at open (decoded from a GGUF, quantized from master
     * weights) once a device holds its own copy, so that an object kept open for its memory-mapped
     * tables does not also keep them; mapped tensors stay readable until it is closed, and a
     * converted weight read afterwards fails with {@link IllegalStateException}. Nothing where
     * every weight is read in place. Idempotent.
     */
    default void releaseConverted() {
    }
}
