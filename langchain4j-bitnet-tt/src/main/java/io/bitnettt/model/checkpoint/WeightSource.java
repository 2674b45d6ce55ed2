package io.bitnettt.model.checkpoint;

/**
 * Weights for {@link CheckpointWriter}, pulled one row at a time so a writer can stream models of
 * any size. Row indices are those of the unpacked {@code [out, in]} weight; packing is the
 * writer's job. Implementations must return the same values whenever asked for the same row.
 */
public interface WeightSource {

    /** Fills {@code out} (length {@code in}) with row {@code row} of a ternary weight, values in {-1, 0, 1}. */
    void ternaryRow(int layer, Projection p, int row, byte[] out);

    /** The multiplier of a ternary weight; written as BF16, so should be BF16-representable. */
    float weightScale(int layer, Projection p);

    /** Fills {@code out} with row {@code row} of a master (unquantized) weight; used by the master form. */
    void masterRow(int layer, Projection p, int row, float[] out);

    /** Fills {@code out} with a layer norm weight. */
    void norm(int layer, LayerNorm n, float[] out);

    /** Fills {@code out} with {@code model.norm.weight}. */
    void finalNorm(float[] out);

    /** Fills {@code out} with row {@code token} of the embedding table. */
    void embeddingRow(int token, float[] out);

    /** Fills {@code out} with row {@code token} of {@code lm_head.weight}; asked only for untied configs. */
    default void lmHeadRow(int token, float[] out) {
        throw new UnsupportedOperationException("this weight source has no untied lm_head");
    }
}
