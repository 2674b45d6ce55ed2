package io.bitnettt.model.checkpoint;

import io.bitnettt.safetensors.HalfFloats;
import io.bitnettt.safetensors.SafetensorsDType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A float tensor as stored in the checkpoint (BF16, F16 or F32, little-endian), usually a slice of
 * the memory-mapped file. Used for norms, the embedding table and an untied lm_head.
 */
public record HostTensor(String name, SafetensorsDType dtype, long[] shape, MemorySegment data) {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK = 1 << 16;

    public HostTensor {
        if (!dtype.isFloat16or32()) {
            throw new IllegalArgumentException(name + ": dtype " + dtype + " is not a float type");
        }
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        return data.byteSize() / dtype.byteSize();
    }

    /** Element {@code i} of the flattened tensor, widened to float. */
    public float get(long i) {
        return switch (dtype) {
            case BF16 -> HalfFloats.bf16ToFloat(data.get(SHORT, i * 2));
            case F16 -> HalfFloats.f16ToFloat(data.get(SHORT, i * 2));
            case F32 -> data.get(FLOAT, i * 4);
            default -> throw new IllegalStateException();
        };
    }

    /**
     * Reads {@code dst.length} elements starting at flat index {@code start}, widened to float.
     * Bulk-copies first, which is several times faster than {@link #get} per element.
     */
    public void read(long start, float[] dst) {
        read(start, dst, dtype == SafetensorsDType.F32 ? null : new short[dst.length]);
    }

    /**
     * As {@link #read(long, float[])}, staging 16-bit values in {@code scratch} (at least
     * {@code dst.length} long; unused for F32), for callers that read many rows and should not
     * leave a row of garbage each.
     */
    public void read(long start, float[] dst, short[] scratch) {
        int n = dst.length;
        switch (dtype) {
            case F32 -> MemorySegment.copy(data, FLOAT, start * 4, dst, 0, n);
            case BF16 -> {
                short[] s = scratch;
                MemorySegment.copy(data, SHORT, start * 2, s, 0, n);
                for (int i = 0; i < n; i++) {
                    dst[i] = Float.intBitsToFloat((s[i] & 0xFFFF) << 16);
                }
            }
            case F16 -> {
                short[] s = scratch;
                MemorySegment.copy(data, SHORT, start * 2, s, 0, n);
                for (int i = 0; i < n; i++) {
                    dst[i] = Float.float16ToFloat(s[i]);
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    /** Copies the tensor to a float array; only for tensors small enough for the heap (norms, rows). */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(elementCount())];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i);
        }
        return out;
    }

    /** The data as BF16: this tensor's own bytes if already BF16, else a converted copy in {@code arena}. */
    public MemorySegment asBf16(Arena arena) {
        if (dtype == SafetensorsDType.BF16) {
            return data;
        }
        long n = elementCount();
        MemorySegment out = arena.allocate(n * 2, 2);
        // In chunks through the bulk read: a GGUF's F16 embedding is 328 M values for 2B-4T.
        float[] chunk = new float[(int) Math.min(n, CHUNK)];
        short[] bits = new short[chunk.length];
        for (long start = 0; start < n; start += chunk.length) {
            int len = (int) Math.min(chunk.length, n - start);
            float[] f = len == chunk.length ? chunk : new float[len];
            read(start, f);
            for (int i = 0; i < len; i++) {
                bits[i] = HalfFloats.floatToBf16(f[i]);
            }
            MemorySegment.copy(bits, 0, out, SHORT, start * 2, len);
        }
        return out;
    }

    /** The data as F32: this tensor's own bytes if already F32, else a converted copy in {@code arena}. */
    public MemorySegment asF32(Arena arena) {
        if (dtype == SafetensorsDType.F32) {
            return data;
        }
        long n = elementCount();
        MemorySegment out = arena.allocate(n * 4, 4);
        for (long i = 0; i < n; i++) {
            out.set(FLOAT, i * 4, get(i));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostTensor t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && data.equals(t.data);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
