package io.bitnettt.tt;

import io.bitnettt.spi.BackendException;
import io.bitnettt.spi.DType;
import io.bitnettt.spi.MemoryPlacement;
import io.bitnettt.spi.TensorSpec;
import io.bitnettt.tt.ffi.BttDType;
import io.bitnettt.tt.ffi.BttLayout;
import io.bitnettt.tt.ffi.BttMemory;

/** How SPI tensor specs map onto the C ABI's dtypes, layouts and memory kinds. */
final class AbiMapping {
    private AbiMapping() {
    }

    /**
     * The ABI dtype storing {@code d}. Ternary weights become BFLOAT4_B holding exactly -1, 0 and +1
     * (a shared exponent of 2^0 and 3-bit mantissas represent them without error), with the scale
     * kept on the Java tensor and applied after the matmul.
     */
    static BttDType dtype(DType d, String backend, String op) {
        return switch (d) {
            case F32 -> BttDType.FLOAT32;
            case BF16 -> BttDType.BFLOAT16;
            case BFP8_B -> BttDType.BFLOAT8_B;
            case BFP4_B, TERNARY_INT2 -> BttDType.BFLOAT4_B;
            case UINT32 -> BttDType.UINT32;
            case INT8, INT32, INT8_ROWS -> throw new BackendException(backend, op, "dtype " + d
                    + " is not supported on Tenstorrent; use F32, BF16, BFP8_B, BFP4_B, UINT32 or TERNARY_INT2");
        };
    }

    /**
     * The device layout. Host buffers are row-major whatever the layout, so this is the backend's
     * choice: every float tensor lives in TILE, which matmul, norms and element-wise ops consume
     * without a conversion; UINT32 ids and positions stay ROW_MAJOR, the form embedding lookups and
     * position reads use.
     */
    static BttLayout layout(TensorSpec spec) {
        return spec.dtype() == DType.UINT32 ? BttLayout.ROW_MAJOR : BttLayout.TILE;
    }

    static BttMemory memory(MemoryPlacement p, String backend, String op) {
        return switch (p) {
            case DEVICE_DRAM -> BttMemory.DRAM;
            case DEVICE_L1 -> BttMemory.L1;
            case HOST -> throw new BackendException(backend, op,
                    "placement HOST is not device memory; Tenstorrent tensors live in DEVICE_DRAM or DEVICE_L1");
        };
    }
}
