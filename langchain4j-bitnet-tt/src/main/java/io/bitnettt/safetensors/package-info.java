/**
 * A reader and a streaming writer for the safetensors format: an 8-byte little-endian header
 * length, a JSON header, then tensor bytes. {@link io.bitnettt.safetensors.SafetensorsFile} maps
 * one file read-only and hands out zero-copy {@link java.lang.foreign.MemorySegment} slices;
 * {@link io.bitnettt.safetensors.SafetensorsSet} adds sharded checkpoints
 * ({@code model.safetensors.index.json}). Every malformed input is reported as
 * {@link io.bitnettt.model.CheckpointException} naming the file and the tensor or field.
 */
package io.bitnettt.safetensors;
