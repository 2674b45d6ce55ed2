package io.bitnettt.gguf;

import io.bitnettt.model.CheckpointException;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and checks everything before the tensor data: magic, version, counts, the key-value
 * metadata and the tensor table, then where the data section starts and that every tensor lies
 * inside it without overlapping another.
 *
 * <p>Counts are checked against the bytes left before anything is allocated or looped over, so a
 * corrupt count of 2^60 fails at once instead of exhausting the heap or spinning.
 */
record GgufHeader(int version, GgufMetadata metadata, List<GgufTensorInfo> tensors, long alignment, long dataStart) {

    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    static final String ALIGNMENT_KEY = "general.alignment";
    static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    static final int MAX_DIMS = 4;
    /** ggml's GGML_MAX_NAME counts the terminating NUL, so names hold at most 63 bytes. */
    static final int MAX_TENSOR_NAME_BYTES = 63;
    /** The GGUF spec caps keys at 65535 bytes. */
    static final int MAX_KEY_BYTES = 65535;
    /** Smallest possible key-value pair: empty key length (8), type (4), a one-byte value. */
    private static final int MIN_KV_BYTES = 8 + 4 + 1;
    /** Smallest possible tensor entry: name length (8), n_dims (4), one dimension (8), type (4), offset (8). */
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;

    static GgufHeader parse(MemorySegment file, String name) {
        GgufCursor in = new GgufCursor(file, name);
        long magic = in.u32("magic", "the magic number");
        if (magic != (MAGIC & 0xFFFF_FFFFL)) {
            throw new CheckpointException(name, "magic", "expected the bytes \"GGUF\" at the start of the file, found "
                    + String.format("%08x", Integer.reverseBytes((int) magic)) + " (not a GGUF file)");
        }
        long version = in.u32("version", "the version");
        if (version != 2 && version != 3) {
            String why = version == 1 ? " (GGUF v1 has 32-bit counts; convert the model again with a current llama.cpp)"
                    : (version & 0xFFFF) == 0 && version != 0 ? " (looks like a big-endian file; only little-endian GGUF is supported)"
                    : "";
            throw new CheckpointException(name, "version", "expected GGUF version 3 (or 2), found " + version + why);
        }
        long tensorCount = count(in, name, "tensor_count", MIN_TENSOR_INFO_BYTES);
        long kvCount = count(in, name, "metadata_kv_count", MIN_KV_BYTES);

        Map<String, GgufValue> values = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String where = "metadata key #" + i;
            String key = in.string(where, "the key of " + where);
            if (key.isEmpty() || key.length() > MAX_KEY_BYTES) {
                throw new CheckpointException(name, where, "expected a key of 1 to " + MAX_KEY_BYTES
                        + " bytes, found " + key.length() + " characters");
            }
            if (values.containsKey(key)) {
                throw new CheckpointException(name, key, "duplicate metadata key (second copy is entry #" + i + ")");
            }
            values.put(key, readValue(in, name, key));
        }
        GgufMetadata metadata = new GgufMetadata(name, values);
        long alignment = metadata.integer(ALIGNMENT_KEY, 1, 1L << 30).orElse(DEFAULT_ALIGNMENT);
        if (Long.bitCount(alignment) != 1) {
            throw new CheckpointException(name, ALIGNMENT_KEY, "expected a power of two, found " + alignment);
        }

        List<GgufTensorInfo> tensors = new ArrayList<>();
        Map<String, GgufTensorInfo> byName = new HashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufTensorInfo t = readTensorInfo(in, name, i, alignment);
            if (byName.putIfAbsent(t.name(), t) != null) {
                throw new CheckpointException(name, t.name(), "duplicate tensor name (second copy is tensor #" + i + ")");
            }
            tensors.add(t);
        }
        long dataStart = align(in.position(), alignment);
        if (!tensors.isEmpty() && dataStart > in.size()) {
            throw new CheckpointException(name, "data section", "file ends at byte " + in.size()
                    + " before the data section, which starts at byte " + dataStart + " (truncated file)");
        }
        checkExtents(name, tensors, Math.max(0, in.size() - dataStart));
        return new GgufHeader((int) version, metadata, List.copyOf(tensors), alignment, dataStart);
    }

    /** A u64 count that cannot possibly describe more entries than the bytes left could hold. */
    private static long count(GgufCursor in, String name, String field, int minEntryBytes) {
        long n = in.u64(field, "the " + field);
        if (n < 0 || n > in.remaining() / minEntryBytes) {
            throw new CheckpointException(name, field, "declares " + Long.toUnsignedString(n) + " entries but only "
                    + in.remaining() + " bytes follow, room for at most " + in.remaining() / minEntryBytes
                    + " (corrupt count or truncated file)");
        }
        return n;
    }

    private static GgufValue readValue(GgufCursor in, String name, String key) {
        long typeId = in.u32(key, "the value type of " + key);
        GgufValueType type = GgufValueType.fromId(typeId);
        if (type == null) {
            throw new CheckpointException(name, key, "unknown value type id " + typeId + ", expected 0 to 12");
        }
        if (type != GgufValueType.ARRAY) {
            return new GgufValue(type, scalar(in, name, key, type));
        }
        long elementId = in.u32(key, "the element type of " + key);
        GgufValueType element = GgufValueType.fromId(elementId);
        if (element == null) {
            throw new CheckpointException(name, key, "unknown array element type id " + elementId + ", expected 0 to 12");
        }
        if (element == GgufValueType.ARRAY) {
            throw new CheckpointException(name, key, "nested arrays are not supported (llama.cpp writes none)");
        }
        long count = in.u64(key, "the element count of " + key);
        long minBytes = element == GgufValueType.STRING ? 8 : element.byteSize();
        if (count < 0 || count > in.remaining() / minBytes) {
            throw new CheckpointException(name, key, "array declares " + Long.toUnsignedString(count) + " "
                    + element.label() + " elements but only " + in.remaining()
                    + " bytes follow (corrupt count or truncated file)");
        }
        if (element == GgufValueType.STRING) {
            if (count > Integer.MAX_VALUE - 8) {
                throw new CheckpointException(name, key, "array of " + count + " strings is larger than Java supports");
            }
            List<String> strings = new ArrayList<>((int) count);
            for (long j = 0; j < count; j++) {
                strings.add(in.string(key, "element " + j + " of " + key));
            }
            return new GgufValue(type, new GgufArray(element, count, null, strings));
        }
        MemorySegment numbers = in.slice(count * element.byteSize(), key, "the elements of " + key);
        if (element == GgufValueType.BOOL) {
            for (long j = 0; j < count; j++) {
                checkBool(name, key, numbers.get(java.lang.foreign.ValueLayout.JAVA_BYTE, j) & 0xFF, "element " + j);
            }
        }
        return new GgufValue(type, new GgufArray(element, count, numbers, null));
    }

    private static Object scalar(GgufCursor in, String name, String key, GgufValueType type) {
        String what = "the value of " + key;
        return switch (type) {
            case UINT8 -> (long) in.u8(key, what);
            case INT8 -> (long) (byte) in.u8(key, what);
            case UINT16 -> (long) (in.u8(key, what) | in.u8(key, what) << 8);
            case INT16 -> (long) (short) (in.u8(key, what) | in.u8(key, what) << 8);
            case UINT32 -> in.u32(key, what);
            case INT32 -> (long) (int) in.u32(key, what);
            case UINT64, INT64 -> in.u64(key, what);
            case FLOAT32 -> (double) Float.intBitsToFloat((int) in.u32(key, what));
            case FLOAT64 -> Double.longBitsToDouble(in.u64(key, what));
            case BOOL -> checkBool(name, key, in.u8(key, what), "the value");
            case STRING -> in.string(key, what);
            case ARRAY -> throw new IllegalStateException();
        };
    }

    private static Boolean checkBool(String name, String key, int b, String what) {
        if (b > 1) {
            throw new CheckpointException(name, key, what + " is the byte " + b + ", expected a bool (0 or 1)");
        }
        return b == 1;
    }

    private static GgufTensorInfo readTensorInfo(GgufCursor in, String name, long index, long alignment) {
        String where = "tensor #" + index;
        String tensor = in.string(where, "the name of " + where);
        if (tensor.isEmpty()) {
            throw new CheckpointException(name, where, "expected a tensor name, found an empty string");
        }
        int nameBytes = tensor.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (nameBytes > MAX_TENSOR_NAME_BYTES) {
            throw new CheckpointException(name, tensor, "tensor name has " + nameBytes + " bytes, expected at most "
                    + MAX_TENSOR_NAME_BYTES + " (ggml's limit)");
        }
        long dims = in.u32(tensor, "the dimension count of " + tensor);
        if (dims < 1 || dims > MAX_DIMS) {
            throw new CheckpointException(name, tensor, "expected 1 to " + MAX_DIMS + " dimensions, found " + dims);
        }
        long[] ne = new long[(int) dims];
        long elements = 1;
        for (int d = 0; d < dims; d++) {
            ne[d] = in.u64(tensor, "dimension " + d + " of " + tensor);
            if (ne[d] < 1) {
                throw new CheckpointException(name, tensor, "dimension " + d + " is "
                        + Long.toUnsignedString(ne[d]) + ", expected at least 1");
            }
            try {
                elements = Math.multiplyExact(elements, ne[d]);
            } catch (ArithmeticException e) {
                throw new CheckpointException(name, tensor, "dimensions " + Arrays.toString(Arrays.copyOf(ne, d + 1))
                        + " overflow a 64-bit element count");
            }
        }
        long typeId = in.u32(tensor, "the type of " + tensor);
        GgmlType type = GgmlType.fromId(typeId);
        if (type == null) {
            throw new CheckpointException(name, tensor, "unknown ggml tensor type id " + typeId
                    + " (known: " + knownTypes() + ")");
        }
        if (ne[0] % type.blockSize() != 0) {
            throw new CheckpointException(name, tensor, "first dimension " + ne[0] + " is not a multiple of "
                    + type.blockSize() + ", the block size of " + type);
        }
        if (type == GgmlType.I2_S && elements % 4 != 0) {
            throw new CheckpointException(name, tensor, elements + " elements is not a multiple of 4, as I2_S's"
                    + " 2-bit packing needs");
        }
        long offset = in.u64(tensor, "the data offset of " + tensor);
        if (offset < 0 || offset % alignment != 0) {
            throw new CheckpointException(name, tensor, "data offset " + Long.toUnsignedString(offset)
                    + " is not a multiple of the alignment " + alignment);
        }
        return new GgufTensorInfo(tensor, ne, type, offset, type.byteSize(elements));
    }

    /** Every tensor inside the data section, and no two sharing a byte. */
    private static void checkExtents(String name, List<GgufTensorInfo> tensors, long dataBytes) {
        for (GgufTensorInfo t : tensors) {
            if (t.offset() > dataBytes || t.byteSize() > dataBytes - t.offset()) {
                throw new CheckpointException(name, t.name(), "data [" + t.offset() + ", " + (t.offset() + t.byteSize())
                        + ") of the data section lies past its end at " + dataBytes + " (truncated file or corrupt offset)");
            }
        }
        List<GgufTensorInfo> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        for (int i = 1; i < sorted.size(); i++) {
            GgufTensorInfo prev = sorted.get(i - 1);
            GgufTensorInfo t = sorted.get(i);
            if (t.offset() < prev.offset() + prev.byteSize()) {
                throw new CheckpointException(name, t.name(), "data [" + t.offset() + ", " + (t.offset() + t.byteSize())
                        + ") overlaps " + prev.name() + " [" + prev.offset() + ", " + (prev.offset() + prev.byteSize())
                        + ")");
            }
        }
    }

    static long align(long position, long alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }

    private static String knownTypes() {
        StringBuilder sb = new StringBuilder();
        for (GgmlType t : GgmlType.values()) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(t).append('=').append(t.id());
        }
        return sb.toString();
    }
}
