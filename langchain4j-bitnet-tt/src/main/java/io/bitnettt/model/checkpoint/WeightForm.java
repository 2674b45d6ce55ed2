package io.bitnettt.model.checkpoint;

/** How {@link CheckpointWriter} stores the seven projections. */
public enum WeightForm {
    /** U8 {@code [out/4, in]} plus a BF16 {@code weight_scale}: the microsoft/bitnet-b1.58-2B-4T repo. */
    PACKED,
    /** BF16 {@code [out, in]} master weights, no scale: the -bf16 repo, quantized at load. */
    MASTER
}
