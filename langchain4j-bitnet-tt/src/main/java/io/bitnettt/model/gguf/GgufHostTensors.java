package io.bitnettt.model.gguf;

import io.bitnettt.gguf.GgmlType;
import io.bitnettt.gguf.GgufFile;
import io.bitnettt.gguf.GgufTensorInfo;
import io.bitnettt.model.CheckpointException;
import io.bitnettt.model.checkpoint.HostTensor;
import io.bitnettt.model.checkpoint.MappedPages;
import io.bitnettt.safetensors.SafetensorsDType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Norms, the embedding table and an untied output table of a GGUF file as zero-copy
 * {@link HostTensor}s. They must be F32, F16 or BF16: quantized tables (Q8_0, Q6_K, which
 * {@code llama-quantize} writes unless told otherwise) are refused by name, since the engine keeps
 * the table in bf16 and would have to dequantize 330 M values into a second copy to use one.
 */
final class GgufHostTensors {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GgufHostTensors() {
    }

    static SafetensorsDType dtype(GgmlType type) {
        return switch (type) {
            case F32 -> SafetensorsDType.F32;
            case F16 -> SafetensorsDType.F16;
            case BF16 -> SafetensorsDType.BF16;
            default -> throw new IllegalArgumentException(type + " is not a plain float type");
        };
    }

    /** A norm weight of {@code width}, with finite values. */
    static HostTensor norm(GgufFile file, GgufTensorInfo t, long width) {
        if (!t.type().isFloat16or32()) {
            throw new CheckpointException(file.fileName(), t.name(), "type " + t.type() + " found, expected F32, F16"
                    + " or BF16");
        }
        if (!t.hasNe(width)) {
            throw new CheckpointException(file.fileName(), t.name(), "ne " + t.neString() + " found, expected ["
                    + width + "] (from the metadata)");
        }
        return checkFinite(file, new HostTensor(t.name(), dtype(t.type()), t.rowMajorShape(), file.data(t)));
    }

    /** A {@code [vocab, hidden]} table (ggml {@code ne = [hidden, vocab]}), with finite values. */
    static HostTensor table(GgufFile file, GgufTensorInfo t, long vocab, long hidden) {
        if (!t.type().isFloat16or32()) {
            throw new CheckpointException(file.fileName(), t.name(), "type " + t.type() + " is not supported for the"
                    + " embedding and output tables; expected F16, BF16 or F32 (requantize with llama-quantize"
                    + " --token-embedding-type f16 --output-tensor-type f16)");
        }
        if (!t.hasNe(hidden, vocab)) {
            throw new CheckpointException(file.fileName(), t.name(), "ne " + t.neString() + " found, expected ["
                    + hidden + ", " + vocab + "] (embedding_length, vocab_size)");
        }
        HostTensor table = checkFinite(file, new HostTensor(t.name(), dtype(t.type()), t.rowMajorShape(), file.data(t)));
        // Validated: read again when uploaded (or in place), not held resident meanwhile.
        MappedPages.release(table.data());
        return table;
    }

    /** A NaN or infinity in a norm or table silently poisons every token, so it fails the load. */
    private static HostTensor checkFinite(GgufFile file, HostTensor t) {
        long n = t.elementCount();
        MemorySegment d = t.data();
        long bad = -1;
        switch (t.dtype()) {
            case BF16 -> {
                for (long i = 0; i < n && bad < 0; i++) {
                    bad = (d.get(SHORT, i * 2) & 0x7F80) == 0x7F80 ? i : -1;
                }
            }
            case F16 -> {
                for (long i = 0; i < n && bad < 0; i++) {
                    bad = (d.get(SHORT, i * 2) & 0x7C00) == 0x7C00 ? i : -1;
                }
            }
            default -> {
                for (long i = 0; i < n && bad < 0; i++) {
                    bad = Float.isFinite(t.get(i)) ? -1 : i;
                }
            }
        }
        if (bad >= 0) {
            throw new CheckpointException(file.fileName(), t.name(), "non-finite value " + t.get(bad)
                    + " at flat index " + bad);
        }
        return t;
    }
}
