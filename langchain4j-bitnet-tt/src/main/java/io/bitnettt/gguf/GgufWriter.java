package io.bitnettt.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF v3 file, streaming: metadata and the tensor table first, then each tensor's bytes
 * as its {@link Body} produces them, padded to the alignment. Used for the synthetic full-size
 * model of the load benchmark and for tests that need files the real tools do not make.
 */
public final class GgufWriter {

    /** Produces a tensor's bytes; it must write exactly the size its type and shape give. */
    @FunctionalInterface
    public interface Body {
        void write(OutputStream out) throws IOException;
    }

    private record Entry(String name, GgmlType type, long[] ne, long byteSize, long offset, Body body) {
    }

    private final long alignment;
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Entry> tensors = new ArrayList<>();
    private long dataSize;

    public GgufWriter() {
        this(GgufHeader.DEFAULT_ALIGNMENT);
    }

    public GgufWriter(long alignment) {
        if (alignment < 1 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, was " + alignment);
        }
        this.alignment = alignment;
        if (alignment != GgufHeader.DEFAULT_ALIGNMENT) {
            metadata.put(GgufHeader.ALIGNMENT_KEY, new GgufValue(GgufValueType.UINT32, alignment));
        }
    }

    public GgufWriter put(String key, GgufValue value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, new GgufValue(GgufValueType.STRING, value));
    }

    public GgufWriter putUint32(String key, long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(key + ": " + value + " does not fit a u32");
        }
        return put(key, new GgufValue(GgufValueType.UINT32, value));
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, new GgufValue(GgufValueType.INT32, (long) value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, new GgufValue(GgufValueType.FLOAT32, (double) value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, new GgufValue(GgufValueType.BOOL, value));
    }

    public GgufWriter putStrings(String key, List<String> values) {
        return put(key, new GgufValue(GgufValueType.ARRAY,
                new GgufArray(GgufValueType.STRING, values.size(), null, values)));
    }

    public GgufWriter putInt32s(String key, int[] values) {
        MemorySegment le = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) {
            le.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, values[i]);
        }
        return put(key, new GgufValue(GgufValueType.ARRAY, new GgufArray(GgufValueType.INT32, values.length, le, null)));
    }

    /**
     * Adds a tensor of ggml dimensions {@code ne} (fastest first); {@code body} runs during
     * {@link #write}, in the order tensors were added.
     */
    public GgufWriter tensor(String name, GgmlType type, long[] ne, Body body) {
        long elements = 1;
        for (long d : ne) {
            elements = Math.multiplyExact(elements, d);
        }
        if (ne.length == 0 || ne[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException(name + ": first dimension must be a multiple of " + type.blockSize());
        }
        long size = type.byteSize(elements);
        tensors.add(new Entry(name, type, ne.clone(), size, dataSize, body));
        dataSize = GgufHeader.align(dataSize + size, alignment);
        return this;
    }

    /** Bytes of the tensor of {@code name} as added, for callers that size bodies. */
    public long byteSize(String name) {
        return tensors.stream().filter(e -> e.name.equals(name)).findFirst().orElseThrow().byteSize;
    }

    public void write(Path file) throws IOException {
        try (OutputStream raw = Files.newOutputStream(file);
             CountingStream out = new CountingStream(new BufferedOutputStream(raw, 1 << 20))) {
            writeU32(out, GgufHeader.MAGIC);
            writeU32(out, 3);
            writeU64(out, tensors.size());
            writeU64(out, metadata.size());
            for (var e : metadata.entrySet()) {
                writeString(out, e.getKey());
                writeValue(out, e.getValue());
            }
            for (Entry t : tensors) {
                writeString(out, t.name);
                writeU32(out, t.ne.length);
                for (long d : t.ne) {
                    writeU64(out, d);
                }
                writeU32(out, t.type.id());
                writeU64(out, t.offset);
            }
            pad(out);
            long dataStart = out.count;
            for (Entry t : tensors) {
                long before = out.count;
                t.body.write(out);
                long written = out.count - before;
                if (written != t.byteSize) {
                    throw new IllegalStateException(t.name + ": body wrote " + written + " bytes, expected " + t.byteSize);
                }
                if (out.count - dataStart != t.offset + t.byteSize) {
                    throw new IllegalStateException(t.name + ": data out of place");
                }
                pad(out);
            }
        }
    }

    private void pad(CountingStream out) throws IOException {
        long target = GgufHeader.align(out.count, alignment);
        while (out.count < target) {
            out.write(0);
        }
    }

    private static void writeValue(OutputStream out, GgufValue v) throws IOException {
        writeU32(out, v.type().id());
        if (v.type() == GgufValueType.ARRAY) {
            GgufArray a = (GgufArray) v.value();
            writeU32(out, a.elementType().id());
            writeU64(out, a.count());
            if (a.elementType() == GgufValueType.STRING) {
                for (String s : a.strings()) {
                    writeString(out, s);
                }
            } else {
                out.write(a.numbers().toArray(ValueLayout.JAVA_BYTE));
            }
            return;
        }
        writeScalar(out, v.type(), v.value());
    }

    private static void writeScalar(OutputStream out, GgufValueType type, Object value) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.write((int) (long) (Long) value);
            case UINT16, INT16 -> {
                long n = (Long) value;
                out.write((int) n);
                out.write((int) (n >>> 8));
            }
            case UINT32, INT32 -> writeU32(out, (int) (long) (Long) value);
            case UINT64, INT64 -> writeU64(out, (Long) value);
            case FLOAT32 -> writeU32(out, Float.floatToRawIntBits((float) (double) (Double) value));
            case FLOAT64 -> writeU64(out, Double.doubleToRawLongBits((Double) value));
            case BOOL -> out.write((Boolean) value ? 1 : 0);
            case STRING -> writeString(out, (String) value);
            case ARRAY -> throw new IllegalStateException();
        }
    }

    private static void writeString(OutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeU64(out, b.length);
        out.write(b);
    }

    private static void writeU32(OutputStream out, long v) throws IOException {
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
    }

    private static void writeU64(OutputStream out, long v) throws IOException {
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    /** Counts bytes so offsets can be checked as they are written. */
    private static final class CountingStream extends OutputStream {
        private final OutputStream out;
        long count;

        CountingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
