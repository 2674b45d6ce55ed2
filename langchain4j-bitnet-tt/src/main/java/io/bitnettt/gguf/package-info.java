/**
 * A reader and a streaming writer for GGUF, the single-file model format of llama.cpp and
 * bitnet.cpp (version 3, little-endian; version 2 has the same layout and is read too).
 *
 * <p>{@link io.bitnettt.gguf.GgufFile} maps one file read-only and checks its whole structure at
 * open: magic, version, counts, every string and array length, value and tensor type ids, tensor
 * shapes against their block sizes, offsets aligned, inside the data section and not overlapping.
 * Tensor data is handed out as zero-copy {@link java.lang.foreign.MemorySegment} slices of the
 * mapping. Every malformed input is reported as {@link io.bitnettt.model.CheckpointException}
 * naming the file, the key or tensor, and what was expected.
 *
 * <p>This package knows the container only; what the tensors mean for a BitNet model is
 * {@code io.bitnettt.model.gguf}'s job.
 */
package io.bitnettt.gguf;
