package io.bitnettt.gguf;

import java.util.Arrays;

/**
 * One entry of a GGUF tensor table.
 *
 * @param ne       the dimensions in ggml order: {@code ne[0]} varies fastest, so a matrix of
 *                 {@code rows × cols} is stored as {@code ne = [cols, rows]}
 * @param offset   start of the data, relative to the data section
 * @param byteSize bytes of the data, from the type and {@link #elementCount}
 */
public record GgufTensorInfo(String name, long[] ne, GgmlType type, long offset, long byteSize) {

    public GgufTensorInfo {
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    public int rank() {
        return ne.length;
    }

    public long ne(int i) {
        return ne[i];
    }

    /** Product of the dimensions; the reader has checked it does not overflow. */
    public long elementCount() {
        long n = 1;
        for (long d : ne) {
            n *= d;
        }
        return n;
    }

    /** The shape in row-major (Hugging Face) order: {@code ne} reversed. */
    public long[] rowMajorShape() {
        long[] s = new long[ne.length];
        for (int i = 0; i < ne.length; i++) {
            s[i] = ne[ne.length - 1 - i];
        }
        return s;
    }

    /** Whether {@code ne} equals {@code expected}, given in ggml order. */
    public boolean hasNe(long... expected) {
        return Arrays.equals(ne, expected);
    }

    public String neString() {
        return Arrays.toString(ne);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && Arrays.equals(ne, t.ne) && type == t.type
                && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(ne);
    }

    @Override
    public String toString() {
        return name + " " + type + " ne=" + neString() + " @" + offset + "+" + byteSize;
    }
}
