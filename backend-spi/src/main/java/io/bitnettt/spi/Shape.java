package io.bitnettt.spi;

import java.util.Arrays;

/** An immutable tensor shape, outermost dimension first. */
public final class Shape {
    private final long[] dims;

    private Shape(long[] dims) {
        this.dims = dims;
    }

    public static Shape of(long... dims) {
        if (dims.length == 0) {
            throw new IllegalArgumentException("shape needs at least one dimension");
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] <= 0) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(dims) + ": dimension " + i + " must be positive, was " + dims[i]);
            }
        }
        long count = 1;
        for (long d : dims) {
            count = Math.multiplyExact(count, d);
        }
        return new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int i) {
        return dims[i];
    }

    /** Dimension {@code i} as an int, for sizes that index Java arrays and loops. */
    public int intDim(int i) {
        return Math.toIntExact(dims[i]);
    }

    public long elementCount() {
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        return count;
    }

    public long[] toArray() {
        return dims.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
