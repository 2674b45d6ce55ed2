package io.bitnettt.tt;

import io.bitnettt.tt.ffi.BttCounter;

/**
 * The device's counters ({@code btt_counters_read}). All are cumulative since the last reset except
 * the two gauges {@link #dramBytesInUse} and {@link #l1BytesInUse}.
 *
 * @param ops        TT-NN device programs executed (the shim's ops, eagerly or by replays)
 * @param abiCalls   fused primitives of the C ABI executed ({@code btt_ternary_linear}, ...)
 */
public record DeviceCounters(long ops, long hostToDeviceBytes, long deviceToHostBytes, long allocations,
                             long deallocations, long layoutConversions, long traceCaptures, long traceReplays,
                             long dramBytesRead, long dramBytesWritten, long dramBytesInUse, long l1BytesInUse,
                             long abiCalls) {

    static DeviceCounters of(long[] v) {
        if (v.length != BttCounter.COUNT) {
            throw new IllegalArgumentException("expected " + BttCounter.COUNT + " counters, got " + v.length);
        }
        return new DeviceCounters(v[BttCounter.OPS.index()], v[BttCounter.HOST_TO_DEVICE_BYTES.index()],
                v[BttCounter.DEVICE_TO_HOST_BYTES.index()], v[BttCounter.ALLOCATIONS.index()],
                v[BttCounter.DEALLOCATIONS.index()], v[BttCounter.LAYOUT_CONVERSIONS.index()],
                v[BttCounter.TRACE_CAPTURES.index()], v[BttCounter.TRACE_REPLAYS.index()],
                v[BttCounter.DRAM_BYTES_READ.index()], v[BttCounter.DRAM_BYTES_WRITTEN.index()],
                v[BttCounter.DRAM_BYTES_IN_USE.index()], v[BttCounter.L1_BYTES_IN_USE.index()],
                v[BttCounter.ABI_CALLS.index()]);
    }

    /** What happened between {@code earlier} and this reading; the gauges keep this reading's values. */
    public DeviceCounters since(DeviceCounters earlier) {
        return new DeviceCounters(ops - earlier.ops, hostToDeviceBytes - earlier.hostToDeviceBytes,
                deviceToHostBytes - earlier.deviceToHostBytes, allocations - earlier.allocations,
                deallocations - earlier.deallocations, layoutConversions - earlier.layoutConversions,
                traceCaptures - earlier.traceCaptures, traceReplays - earlier.traceReplays,
                dramBytesRead - earlier.dramBytesRead, dramBytesWritten - earlier.dramBytesWritten,
                dramBytesInUse, l1BytesInUse, abiCalls - earlier.abiCalls);
    }
}
