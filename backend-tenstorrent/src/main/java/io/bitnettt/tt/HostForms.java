package io.bitnettt.tt;

import io.bitnettt.spi.DType;
import io.bitnettt.spi.TensorSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Converts between the SPI host representation of a tensor ({@link DType#hostBytesPerElement()}:
 * 2-byte bf16, 4-byte F32/UINT32, block floats as F32, ternary HF-packed) and the ABI's, which is
 * always 4 bytes per element: float32 for every float dtype, uint32 for UINT32.
 */
final class HostForms {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private HostForms() {
    }

    /** Whether the SPI host form already is the ABI host form, so native memory can pass straight through. */
    static boolean sameForm(DType d) {
        return d == DType.F32 || d == DType.UINT32 || d.isBlockFloat();
    }

    static long abiBytes(TensorSpec spec) {
        return spec.shape().elementCount() * Float.BYTES;
    }

    /** The ABI host form of {@code source} (the caller checked its size): {@code source} itself when possible. */
    static MemorySegment toAbi(TensorSpec spec, MemorySegment source, Arena arena) {
        DType d = spec.dtype();
        if (sameForm(d) && source.isNative()) {
            return source;
        }
        MemorySegment abi = arena.allocate(abiBytes(spec), Float.BYTES);
        long n = spec.shape().elementCount();
        switch (d) {
            case BF16 -> {
                for (long i = 0; i < n; i++) {
                    // bf16 is the upper half of a float32: widening is exact.
                    abi.setAtIndex(ValueLayout.JAVA_FLOAT, i,
                            Float.intBitsToFloat((source.get(SHORT, 2 * i) & 0xFFFF) << 16));
                }
            }
            case TERNARY_INT2 -> HfTernary.decodeToFloats(source, spec.shape().intDim(0), spec.shape().intDim(1), abi);
            default -> MemorySegment.copy(source, 0, abi, 0, abi.byteSize());
        }
        return abi;
    }

    /** Writes the ABI host form {@code abi} into {@code destination} in the SPI host form. */
    static void fromAbi(TensorSpec spec, MemorySegment abi, MemorySegment destination) {
        DType d = spec.dtype();
        long n = spec.shape().elementCount();
        switch (d) {
            case BF16 -> {
                for (long i = 0; i < n; i++) {
                    destination.set(SHORT, 2 * i, bf16(abi.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
                }
            }
            case TERNARY_INT2 -> HfTernary.encodeFromFloats(abi, spec.shape().intDim(0), spec.shape().intDim(1), destination);
            default -> MemorySegment.copy(abi, 0, destination, 0, abi.byteSize());
        }
    }

    /** Round-to-nearest-even narrowing; exact for values the device stored as bf16. */
    static short bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }
}
