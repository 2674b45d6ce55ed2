/**
 * Loading and writing Hugging Face BitNet b1.58 model folders.
 *
 * <p>Engine entry point: {@link io.bitnettt.model.checkpoint.Checkpoint#open(java.nio.file.Path)}
 * validates everything up front and exposes, per layer, seven
 * {@link io.bitnettt.model.checkpoint.PackedTernary} projections (HF packed layout plus a
 * multiply-semantics scale, ready for {@code Device.uploadTernary}) and four norm
 * {@link io.bitnettt.model.checkpoint.HostTensor}s, plus the embedding, the final norm and the
 * output weight. Packed checkpoints are zero-copy; master-weight (-bf16) checkpoints are absmean
 * quantized at open. {@link io.bitnettt.model.checkpoint.CheckpointWriter} writes the same format,
 * streaming, from any {@link io.bitnettt.model.checkpoint.WeightSource}.
 */
package io.bitnettt.model.checkpoint;
