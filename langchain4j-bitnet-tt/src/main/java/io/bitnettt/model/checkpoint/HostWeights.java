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
}
