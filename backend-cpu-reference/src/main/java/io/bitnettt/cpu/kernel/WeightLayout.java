package io.bitnettt.cpu.kernel;

import java.lang.foreign.MemorySegment;

/**
 * How a ternary weight matrix sits in device memory for one family of kernels: {@link TernaryLayout}
 * for the multiply-add kernels, {@link LookupLayout} for the table-lookup ones. Both are repacked
 * once at upload from the checkpoint's codes and unpacked for download.
 */
public sealed interface WeightLayout permits TernaryLayout, LookupLayout {
    int out();

    int in();

    /** Row groups: the unit the kernels split over threads. */
    int groups();

    /** Columns including padding: the stride of the quantized-activation buffer. */
    int paddedIn();

    long byteSize();

    /** Writes a row-major ternary matrix into {@code dst} (at least {@link #byteSize()} bytes). */
    void pack(byte[] ternary, MemorySegment dst);

    /** Inverse of {@link #pack}, for download and tests. */
    byte[] unpack(MemorySegment src);
}
