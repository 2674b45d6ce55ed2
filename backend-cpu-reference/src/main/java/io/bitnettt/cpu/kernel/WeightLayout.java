package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;

/**
 * How a ternary weight matrix sits in device memory for one family of kernels: {@link TernaryLayout}
 * for the multiply-add kernels, {@link LookupLayout} for the table-lookup ones. Both are repacked
 * once at upload from the checkpoint's codes and unpacked for download.
 */
public abstract sealed class WeightLayout permits TernaryLayout, LookupLayout {
    private final int out;
    private final int in;

    WeightLayout(int out, int in) {
        if (out <= 0 || in <= 0) {
            throw new IllegalArgumentException("ternary shape [" + out + ", " + in + "] needs positive dimensions");
        }
        this.out = out;
        this.in = in;
    }

    public final int out() {
        return out;
    }

    public final int in() {
        return in;
    }

    /** Row groups: the unit the kernels split over threads. */
    public abstract int groups();

    /** Columns including padding: the stride of the quantized-activation buffer. */
    public abstract int paddedIn();

    public abstract long byteSize();

    /** Writes a row-major ternary matrix into {@code dst} (at least {@link #byteSize()} bytes). */
    public abstract void pack(byte[] ternary, MemorySegment dst);

    /** Inverse of {@link #pack}, for download and tests. */
    public abstract byte[] unpack(MemorySegment src);
}
