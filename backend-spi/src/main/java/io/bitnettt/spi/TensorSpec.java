package io.bitnettt.spi;

import java.util.Objects;

/** Everything a backend needs to allocate a tensor. */
public record TensorSpec(Shape shape, DType dtype, Layout layout, MemoryPlacement placement) {
    public TensorSpec {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(placement, "placement");
        if (dtype.isBlockFloat() && layout != Layout.TILE) {
            throw new IllegalArgumentException(dtype + " exists only in TILE layout, was " + layout);
        }
        if (dtype == DType.INT8_ROWS && (shape.rank() < 2 || layout != Layout.ROW_MAJOR)) {
            throw new IllegalArgumentException("INT8_ROWS needs a ROW_MAJOR shape of rank 2 or more (a scale per row of"
                    + " its last dimension), was " + shape + " " + layout);
        }
        if (dtype == DType.TERNARY_INT2 && (shape.rank() != 2 || shape.dim(0) % 4 != 0)) {
            throw new IllegalArgumentException(
                    "TERNARY_INT2 needs a 2-D [out, in] shape with out divisible by 4, was " + shape);
        }
    }

    /** Row-major F32 in device DRAM: the form of most activations. */
    public static TensorSpec f32(long... dims) {
        return new TensorSpec(Shape.of(dims), DType.F32, Layout.ROW_MAJOR, MemoryPlacement.DEVICE_DRAM);
    }

    public static TensorSpec of(DType dtype, long... dims) {
        return new TensorSpec(Shape.of(dims), dtype, Layout.ROW_MAJOR, MemoryPlacement.DEVICE_DRAM);
    }

    public TensorSpec withPlacement(MemoryPlacement p) {
        return new TensorSpec(shape, dtype, layout, p);
    }

    public TensorSpec withLayout(Layout l) {
        return new TensorSpec(shape, dtype, l, placement);
    }

    public long hostBytes() {
        return dtype.hostBytes(shape);
    }
}
