package io.bitnettt.tt.ffi;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** {@code btt_device_info}: what {@code btt_device_info_get} reports. */
public record BttDeviceInfo(String arch, int cores, long dramBytes, long l1BytesPerCore) {
    private static final int ARCH_BYTES = 32;

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(ARCH_BYTES, ValueLayout.JAVA_BYTE).withName("arch"),
            ValueLayout.JAVA_INT.withName("cores"),
            ValueLayout.JAVA_INT.withName("reserved"),
            ValueLayout.JAVA_LONG.withName("dram_bytes"),
            ValueLayout.JAVA_LONG.withName("l1_bytes_per_core"));

    /** Total L1 over all cores. */
    public long l1Bytes() {
        return l1BytesPerCore * cores;
    }

    static BttDeviceInfo read(MemorySegment s) {
        byte[] raw = s.asSlice(0, ARCH_BYTES).toArray(ValueLayout.JAVA_BYTE);
        int len = 0;
        // The library need not terminate a name that fills the field.
        while (len < raw.length && raw[len] != 0) {
            len++;
        }
        return new BttDeviceInfo(new String(raw, 0, len, StandardCharsets.US_ASCII),
                s.get(ValueLayout.JAVA_INT, offset("cores")),
                s.get(ValueLayout.JAVA_LONG, offset("dram_bytes")),
                s.get(ValueLayout.JAVA_LONG, offset("l1_bytes_per_core")));
    }

    private static long offset(String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }
}
