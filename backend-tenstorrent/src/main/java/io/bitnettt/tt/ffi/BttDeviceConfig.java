package io.bitnettt.tt.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code btt_device_config}. Zero in a capacity field means the library's default.
 *
 * @param deviceId        PCIe device index
 * @param l1SmallSize     bytes reserved for L1_SMALL
 * @param traceRegionSize bytes reserved for traces
 * @param dramBytes       host double only: DRAM capacity
 * @param l1BytesPerCore  host double only: L1 per core
 * @param cores           host double only: worker cores
 * @param flags           {@code BTT_FLAG_*}
 */
public record BttDeviceConfig(int deviceId, long l1SmallSize, long traceRegionSize, long dramBytes, long l1BytesPerCore,
                              int cores, int flags) {
    /** {@code BTT_FLAG_COUNT_ONLY}: the host double keeps shapes and counters but stores and computes nothing. */
    public static final int FLAG_COUNT_ONLY = 1;
    /** {@code BTT_FLAG_ACCURACY}: the decode step's accuracy mode (FP32 accumulation, HiFi3 attention, BF16 KV cache). */
    public static final int FLAG_ACCURACY = 2;

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("struct_size"),
            ValueLayout.JAVA_INT.withName("device_id"),
            ValueLayout.JAVA_LONG.withName("l1_small_size"),
            ValueLayout.JAVA_LONG.withName("trace_region_size"),
            ValueLayout.JAVA_LONG.withName("dram_bytes"),
            ValueLayout.JAVA_LONG.withName("l1_bytes_per_core"),
            ValueLayout.JAVA_INT.withName("cores"),
            ValueLayout.JAVA_INT.withName("flags"));

    public BttDeviceConfig {
        if (deviceId < 0 || l1SmallSize < 0 || traceRegionSize < 0 || dramBytes < 0 || l1BytesPerCore < 0 || cores < 0) {
            throw new IllegalArgumentException("device config fields must be >= 0 (0 = library default): " + this);
        }
    }

    public static BttDeviceConfig device(int deviceId) {
        return new BttDeviceConfig(deviceId, 0, 0, 0, 0, 0, 0);
    }

    /** The struct in {@code arena}, with {@code struct_size} set. */
    public MemorySegment toNative(Arena arena) {
        MemorySegment s = arena.allocate(LAYOUT);
        s.set(ValueLayout.JAVA_INT, LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("struct_size")),
                (int) LAYOUT.byteSize());
        s.set(ValueLayout.JAVA_INT, offset("device_id"), deviceId);
        s.set(ValueLayout.JAVA_LONG, offset("l1_small_size"), l1SmallSize);
        s.set(ValueLayout.JAVA_LONG, offset("trace_region_size"), traceRegionSize);
        s.set(ValueLayout.JAVA_LONG, offset("dram_bytes"), dramBytes);
        s.set(ValueLayout.JAVA_LONG, offset("l1_bytes_per_core"), l1BytesPerCore);
        s.set(ValueLayout.JAVA_INT, offset("cores"), cores);
        s.set(ValueLayout.JAVA_INT, offset("flags"), flags);
        return s;
    }

    private static long offset(String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }
}
