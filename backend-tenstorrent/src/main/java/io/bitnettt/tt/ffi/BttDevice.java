package io.bitnettt.tt.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One open {@code btt_device}: the typed, checked face of {@link BttLibrary}. Every method throws
 * {@link BttException} naming {@code operation} (the Java-level op that made the call) on failure.
 *
 * <p>Not thread-safe: the caller serializes calls, which also keeps the out-parameters in one
 * preallocated scratch block, so the per-token path allocates no native memory.
 */
public final class BttDevice {
    private static final int MAX_FUSED = 3;
    private static final int MAX_RANK = 4;

    private final BttLibrary lib;
    private final String backend;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment handles;   // btt_tensor[MAX_FUSED]: weights of a fused linear
    private final MemorySegment outs;      // btt_tensor[MAX_FUSED]: its outputs
    private final MemorySegment scales;    // float[MAX_FUSED]
    private final MemorySegment dims;      // int64[MAX_RANK]
    private final MemorySegment out64;     // one uint64 out-parameter
    private final MemorySegment counters;  // uint64[BTT_COUNTER_COUNT]
    private final MemorySegment pointer;
    private boolean closed;

    private BttDevice(BttLibrary lib, String backend, MemorySegment pointer) {
        this.lib = lib;
        this.backend = backend;
        this.pointer = pointer;
        handles = arena.allocate(ValueLayout.JAVA_LONG, MAX_FUSED);
        outs = arena.allocate(ValueLayout.JAVA_LONG, MAX_FUSED);
        scales = arena.allocate(ValueLayout.JAVA_FLOAT, MAX_FUSED);
        dims = arena.allocate(ValueLayout.JAVA_LONG, MAX_RANK);
        out64 = arena.allocate(ValueLayout.JAVA_LONG);
        counters = arena.allocate(ValueLayout.JAVA_LONG, BttCounter.COUNT);
    }

    /** {@code btt_device_open}. */
    public static BttDevice open(BttLibrary lib, String backend, BttDeviceConfig config) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            lib.check(lib.deviceOpen(config.toNative(a), out), backend, "open");
            MemorySegment p = out.get(ValueLayout.ADDRESS, 0);
            if (p.equals(MemorySegment.NULL)) {
                throw new BttException(backend, "open", BttStatus.DEVICE, "btt_device_open returned no device");
            }
            return new BttDevice(lib, backend, p);
        }
    }

    /** {@code btt_device_count}. */
    public static int count(BttLibrary lib, String backend) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_INT);
            lib.check(lib.deviceCount(out), backend, "deviceCount");
            return out.get(ValueLayout.JAVA_INT, 0);
        }
    }

    public BttLibrary library() {
        return lib;
    }

    public BttDeviceInfo info() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(BttDeviceInfo.LAYOUT);
            check(lib.deviceInfoGet(ptr("info"), s), "info");
            return BttDeviceInfo.read(s);
        }
    }

    public void synchronize(String operation) {
        check(lib.synchronize(ptr(operation)), operation);
    }

    /** {@code btt_counters_read}, indexed by {@link BttCounter#index()}. */
    public long[] counters(String operation) {
        check(lib.countersRead(ptr(operation), counters, BttCounter.COUNT), operation);
        return counters.toArray(ValueLayout.JAVA_LONG);
    }

    public void resetCounters(String operation) {
        check(lib.countersReset(ptr(operation)), operation);
    }

    /**
     * {@code btt_op_stats_size} and {@code btt_op_stat}: execution counts by key ("op:ttnn::linear",
     * "compute:ttnn::linear HiFi2 fp32_acc", ...), in the library's order.
     */
    public java.util.Map<String, Long> opStats(String operation) {
        java.util.Map<String, Long> stats = new java.util.LinkedHashMap<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment entries = a.allocate(ValueLayout.JAVA_INT);
            check(lib.opStatsSize(ptr(operation), entries), operation);
            int n = entries.get(ValueLayout.JAVA_INT, 0);
            int capacity = 256;
            MemorySegment key = a.allocate(capacity);
            MemorySegment count = a.allocate(ValueLayout.JAVA_LONG);
            for (int i = 0; i < n; i++) {
                check(lib.opStat(ptr(operation), i, key, capacity, count), operation);
                stats.put(key.getString(0), count.get(ValueLayout.JAVA_LONG, 0));
            }
        }
        return stats;
    }

    public long allocate(BttDType dtype, BttLayout layout, BttMemory memory, long[] shape, String operation) {
        if (shape.length < 1 || shape.length > MAX_RANK) {
            throw new BttException(backend, operation, BttStatus.INVALID_ARGUMENT,
                    "rank " + shape.length + " is outside 1.." + MAX_RANK);
        }
        MemorySegment.copy(shape, 0, dims, ValueLayout.JAVA_LONG, 0, shape.length);
        check(lib.tensorAllocate(ptr(operation), dtype.code(), layout.code(), memory.code(), shape.length, dims, out64), operation);
        return out64.get(ValueLayout.JAVA_LONG, 0);
    }

    /** {@code host} must be native memory of exactly elements × 4 bytes. */
    public void upload(long tensor, MemorySegment host, String operation) {
        check(lib.tensorUpload(ptr(operation), tensor, host, host.byteSize()), operation);
    }

    public void download(long tensor, MemorySegment host, String operation) {
        check(lib.tensorDownload(ptr(operation), tensor, host, host.byteSize()), operation);
    }

    public void deallocate(long tensor, String operation) {
        check(lib.tensorDeallocate(ptr(operation), tensor), operation);
    }

    /** {@code btt_ternary_linear} over up to three weights sharing one quantization of {@code x}. */
    public void ternaryLinear(long x, long[] weights, float[] weightScales, long[] outputs, String operation) {
        int n = weights.length;
        if (n < 1 || n > MAX_FUSED || weightScales.length != n || outputs.length != n) {
            throw new BttException(backend, operation, BttStatus.INVALID_ARGUMENT,
                    "a fused linear takes 1.." + MAX_FUSED + " weights with one scale and one output each");
        }
        for (int i = 0; i < n; i++) {
            handles.setAtIndex(ValueLayout.JAVA_LONG, i, weights[i]);
            outs.setAtIndex(ValueLayout.JAVA_LONG, i, outputs[i]);
            scales.setAtIndex(ValueLayout.JAVA_FLOAT, i, weightScales[i]);
        }
        check(lib.ternaryLinear(ptr(operation), x, n, handles, scales, outs), operation);
    }

    public void rmsNorm(long x, long weight, float eps, long out, String operation) {
        check(lib.rmsNorm(ptr(operation), x, weight, eps, out), operation);
    }

    /** {@code position} 0 means "use {@code startPos}". */
    public void rotary(long x, int heads, long cos, long sin, int startPos, long position, String operation) {
        check(lib.rotary(ptr(operation), x, heads, cos, sin, startPos, position), operation);
    }

    public void kvCacheUpdate(long cache, long kv, int startPos, long position, String operation) {
        check(lib.kvCacheUpdate(ptr(operation), cache, kv, startPos, position), operation);
    }

    public void attention(long q, long kCache, long vCache, int startPos, long position, int heads, int kvHeads, long out,
                          String operation) {
        check(lib.attention(ptr(operation), q, kCache, vCache, startPos, position, heads, kvHeads, out), operation);
    }

    public void relu2Gate(long gate, long up, long out, String operation) {
        check(lib.relu2Gate(ptr(operation), gate, up, out), operation);
    }

    public void add(long a, long b, long out, String operation) {
        check(lib.add(ptr(operation), a, b, out), operation);
    }

    public void embedding(long table, long ids, long out, String operation) {
        check(lib.embedding(ptr(operation), table, ids, out), operation);
    }

    public void outputProjection(long x, long table, long logits, String operation) {
        check(lib.outputProjection(ptr(operation), x, table, logits), operation);
    }

    public void argmax(long logits, long out, String operation) {
        check(lib.argmax(ptr(operation), logits, out), operation);
    }

    public void topk(long logits, int k, long values, long indices, String operation) {
        check(lib.topk(ptr(operation), logits, k, values, indices), operation);
    }

    public void plusOne(long tensor, String operation) {
        check(lib.plusOne(ptr(operation), tensor), operation);
    }

    public long traceBegin(String operation) {
        check(lib.traceBegin(ptr(operation), out64), operation);
        return out64.get(ValueLayout.JAVA_LONG, 0);
    }

    public void traceEnd(long trace, String operation) {
        check(lib.traceEnd(ptr(operation), trace), operation);
    }

    public void traceExecute(long trace, boolean blocking, String operation) {
        check(lib.traceExecute(ptr(operation), trace, blocking ? 1 : 0), operation);
    }

    public void traceRelease(long trace, String operation) {
        check(lib.traceRelease(ptr(operation), trace), operation);
    }

    public boolean isClosed() {
        return closed;
    }

    /** {@code btt_device_close}, which frees every tensor and trace; idempotent. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            lib.check(lib.deviceClose(pointer), backend, "close");
        } finally {
            arena.close();
        }
    }

    /** The device pointer, refused once closed: a freed pointer must never reach the library. */
    private MemorySegment ptr(String operation) {
        if (closed) {
            throw new BttException(backend, operation, BttStatus.CLOSED, "the device was closed");
        }
        return pointer;
    }

    private void check(int status, String operation) {
        lib.check(status, backend, operation);
    }
}
