package io.bitnettt.safetensors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bitnettt.model.StrictJson;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file by streaming: the header is computed from the planned tensors first,
 * then each tensor's body writes its bytes into a {@link ByteSink}. Heap use is a 1 MB buffer,
 * whatever the file size.
 */
public final class SafetensorsWriter {

    /** Produces the bytes of one tensor, exactly dtype size × element count of them. */
    @FunctionalInterface
    public interface Body {
        void writeTo(ByteSink sink) throws IOException;
    }

    /** A tensor to write. */
    public record Planned(String name, SafetensorsDType dtype, long[] shape, Body body) {
        public Planned {
            shape = shape.clone();
        }

        long byteSize() {
            long n = dtype.byteSize();
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    private SafetensorsWriter() {
    }

    /** Writes {@code tensors} in the given order; returns the number of data bytes written. */
    public static long write(Path file, Map<String, String> metadata, List<Planned> tensors) throws IOException {
        ObjectNode header = StrictJson.mapper().createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(SafetensorsHeader.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Planned t : tensors) {
            ObjectNode entry = header.putObject(t.name());
            entry.put("dtype", t.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            Arrays.stream(t.shape()).forEach(shape::add);
            ArrayNode offsets = entry.putArray("data_offsets");
            offsets.add(offset);
            offset += t.byteSize();
            offsets.add(offset);
        }
        byte[] json = StrictJson.mapper().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                .writeValueAsBytes(header);
        // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
        int padded = (json.length + 7) & ~7;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteSink sink = new ByteSink(ch);
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
            sink.put(len.array());
            sink.put(headerBytes);
            long dataStart = sink.position();
            for (Planned t : tensors) {
                long before = sink.position();
                t.body().writeTo(sink);
                long wrote = sink.position() - before;
                if (wrote != t.byteSize()) {
                    throw new IllegalStateException("tensor " + t.name() + " wrote " + wrote + " bytes, expected "
                            + t.byteSize());
                }
            }
            sink.flush();
            return sink.position() - dataStart;
        }
    }
}
