package io.bitnettt.tt.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcall handles for every function of {@code bitnet_tt.h}, one library each. The methods mirror
 * the C signatures one to one (pointers as {@link MemorySegment}, {@code uint32_t} as {@code int},
 * handles as {@code long}) and return the raw {@code btt_status}; {@link #check} turns a failure into
 * a {@link BttException} carrying {@code btt_last_error()}, which must be read on the failing thread
 * before any other call, so callers check straight after each call.
 *
 * <p>A library is loaded once per path into an automatic arena and kept for the life of the JVM:
 * devices hold on to it, and unloading a device library under a live device would crash.
 */
public final class BttLibrary {
    public static final int ABI_VERSION = 3;

    private static final Map<String, BttLibrary> LOADED = new ConcurrentHashMap<>();
    private static final Linker LINKER = Linker.nativeLinker();

    private final String origin;
    private final String implementation;
    private final MethodHandle lastError;
    private final MethodHandle deviceCount;
    private final MethodHandle deviceOpen;
    private final MethodHandle deviceClose;
    private final MethodHandle deviceInfoGet;
    private final MethodHandle synchronize;
    private final MethodHandle countersRead;
    private final MethodHandle countersReset;
    private final MethodHandle opStatsSize;
    private final MethodHandle opStat;
    private final MethodHandle tensorAllocate;
    private final MethodHandle tensorUpload;
    private final MethodHandle tensorDownload;
    private final MethodHandle tensorDeallocate;
    private final MethodHandle ternaryLinear;
    private final MethodHandle rmsNorm;
    private final MethodHandle rotary;
    private final MethodHandle kvCacheUpdate;
    private final MethodHandle attention;
    private final MethodHandle relu2Gate;
    private final MethodHandle add;
    private final MethodHandle embedding;
    private final MethodHandle outputProjection;
    private final MethodHandle argmax;
    private final MethodHandle topk;
    private final MethodHandle plusOne;
    private final MethodHandle traceBegin;
    private final MethodHandle traceEnd;
    private final MethodHandle traceExecute;
    private final MethodHandle traceRelease;

    private BttLibrary(String origin, SymbolLookup lookup) {
        this.origin = origin;
        int abi;
        try {
            abi = (int) bind(lookup, "btt_abi_version", FunctionDescriptor.of(JAVA_INT)).invokeExact();
        } catch (Throwable t) {
            throw new BttLoadException(origin + ": btt_abi_version failed: " + t, t);
        }
        if (abi != ABI_VERSION) {
            throw new BttLoadException(origin + " implements bitnet_tt ABI version " + abi + ", these bindings need "
                    + ABI_VERSION, null);
        }
        MethodHandle impl = bind(lookup, "btt_implementation", FunctionDescriptor.of(ADDRESS));
        lastError = bind(lookup, "btt_last_error", FunctionDescriptor.of(ADDRESS));
        try {
            implementation = string((MemorySegment) impl.invokeExact());
        } catch (Throwable t) {
            throw new BttLoadException(origin + ": btt_implementation failed: " + t, t);
        }
        deviceCount = bind(lookup, "btt_device_count", status(ADDRESS));
        deviceOpen = bind(lookup, "btt_device_open", status(ADDRESS, ADDRESS));
        deviceClose = bind(lookup, "btt_device_close", status(ADDRESS));
        deviceInfoGet = bind(lookup, "btt_device_info_get", status(ADDRESS, ADDRESS));
        synchronize = bind(lookup, "btt_synchronize", status(ADDRESS));
        countersRead = bind(lookup, "btt_counters_read", status(ADDRESS, ADDRESS, JAVA_INT));
        countersReset = bind(lookup, "btt_counters_reset", status(ADDRESS));
        opStatsSize = bind(lookup, "btt_op_stats_size", status(ADDRESS, ADDRESS));
        opStat = bind(lookup, "btt_op_stat", status(ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        tensorAllocate = bind(lookup, "btt_tensor_allocate",
                status(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        tensorUpload = bind(lookup, "btt_tensor_upload", status(ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
        tensorDownload = bind(lookup, "btt_tensor_download", status(ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
        tensorDeallocate = bind(lookup, "btt_tensor_deallocate", status(ADDRESS, JAVA_LONG));
        ternaryLinear = bind(lookup, "btt_ternary_linear",
                status(ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        rmsNorm = bind(lookup, "btt_rms_norm", status(ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, JAVA_LONG));
        rotary = bind(lookup, "btt_rotary",
                status(ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
        kvCacheUpdate = bind(lookup, "btt_kv_cache_update", status(ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
        attention = bind(lookup, "btt_attention", status(ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG,
                JAVA_INT, JAVA_INT, JAVA_LONG));
        relu2Gate = bind(lookup, "btt_relu2_gate", status(ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        add = bind(lookup, "btt_add", status(ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        embedding = bind(lookup, "btt_embedding", status(ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        outputProjection = bind(lookup, "btt_output_projection", status(ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        argmax = bind(lookup, "btt_argmax", status(ADDRESS, JAVA_LONG, JAVA_LONG));
        topk = bind(lookup, "btt_topk", status(ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
        plusOne = bind(lookup, "btt_plus_one", status(ADDRESS, JAVA_LONG));
        traceBegin = bind(lookup, "btt_trace_begin", status(ADDRESS, ADDRESS));
        traceEnd = bind(lookup, "btt_trace_end", status(ADDRESS, JAVA_LONG));
        traceExecute = bind(lookup, "btt_trace_execute", status(ADDRESS, JAVA_LONG, JAVA_INT));
        traceRelease = bind(lookup, "btt_trace_release", status(ADDRESS, JAVA_LONG));
    }

    /**
     * Loads the library at {@code path} (once per JVM).
     *
     * @throws BttLoadException when it cannot be loaded, lacks a function, or speaks another ABI version
     */
    public static BttLibrary load(Path path) {
        String key = path.toAbsolutePath().normalize().toString();
        return LOADED.computeIfAbsent(key, k -> {
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(Path.of(k), Arena.ofAuto());
            } catch (IllegalArgumentException | IllegalCallerException e) {
                throw new BttLoadException("cannot load " + k + ": " + e.getMessage(), e);
            }
            return new BttLibrary(k, lookup);
        });
    }

    /** Loads a library by file name through the dynamic linker's search path ({@code LD_LIBRARY_PATH} etc.). */
    public static BttLibrary loadByName(String fileName) {
        return LOADED.computeIfAbsent("name:" + fileName, k -> {
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(fileName, Arena.ofAuto());
            } catch (IllegalArgumentException | IllegalCallerException e) {
                throw new BttLoadException(fileName + " is not on the library path: " + e.getMessage(), e);
            }
            return new BttLibrary(fileName, lookup);
        });
    }

    private static MethodHandle bind(SymbolLookup lookup, String name, FunctionDescriptor fd) {
        try {
            return LINKER.downcallHandle(lookup.findOrThrow(name), fd);
        } catch (NoSuchElementException e) {
            throw new BttLoadException("the library lacks " + name + " of bitnet_tt.h", e);
        }
    }

    private static FunctionDescriptor status(MemoryLayout... args) {
        return FunctionDescriptor.of(JAVA_INT, args);
    }

    private static String string(MemorySegment cString) {
        return cString.equals(MemorySegment.NULL) ? "" : cString.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** Where the library came from: its absolute path or the name given to the dynamic linker. */
    public String origin() {
        return origin;
    }

    /** {@code btt_implementation()}: the adapter the shim is linked against, "ttnn" or "ttnn-host-double". */
    public String implementation() {
        return implementation;
    }

    public String lastError() {
        try {
            return string((MemorySegment) lastError.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Throws when {@code status} is not {@code BTT_OK}, with the library's message for the calling
     * thread. Call straight after the failing call, on the same thread.
     */
    public void check(int status, String backend, String operation) {
        if (status != BttStatus.OK.code()) {
            String message = lastError();
            throw new BttException(backend, operation, BttStatus.of(status),
                    message.isEmpty() ? "the library returned status " + status + " without a message" : message);
        }
    }

    // ---- library / device ----------------------------------------------------------------

    public int deviceCount(MemorySegment count) {
        try {
            return (int) deviceCount.invokeExact(count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int deviceOpen(MemorySegment config, MemorySegment out) {
        try {
            return (int) deviceOpen.invokeExact(config, out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int deviceClose(MemorySegment device) {
        try {
            return (int) deviceClose.invokeExact(device);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int deviceInfoGet(MemorySegment device, MemorySegment out) {
        try {
            return (int) deviceInfoGet.invokeExact(device, out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int synchronize(MemorySegment device) {
        try {
            return (int) synchronize.invokeExact(device);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int countersRead(MemorySegment device, MemorySegment values, int count) {
        try {
            return (int) countersRead.invokeExact(device, values, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int countersReset(MemorySegment device) {
        try {
            return (int) countersReset.invokeExact(device);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int opStatsSize(MemorySegment device, MemorySegment entries) {
        try {
            return (int) opStatsSize.invokeExact(device, entries);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int opStat(MemorySegment device, int index, MemorySegment key, int keyCapacity, MemorySegment count) {
        try {
            return (int) opStat.invokeExact(device, index, key, keyCapacity, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- tensors ---------------------------------------------------------------------------

    public int tensorAllocate(MemorySegment device, int dtype, int layout, int memory, int rank, MemorySegment dims,
                              MemorySegment out) {
        try {
            return (int) tensorAllocate.invokeExact(device, dtype, layout, memory, rank, dims, out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int tensorUpload(MemorySegment device, long tensor, MemorySegment host, long bytes) {
        try {
            return (int) tensorUpload.invokeExact(device, tensor, host, bytes);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int tensorDownload(MemorySegment device, long tensor, MemorySegment host, long bytes) {
        try {
            return (int) tensorDownload.invokeExact(device, tensor, host, bytes);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int tensorDeallocate(MemorySegment device, long tensor) {
        try {
            return (int) tensorDeallocate.invokeExact(device, tensor);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- ops -------------------------------------------------------------------------------

    public int ternaryLinear(MemorySegment device, long x, int n, MemorySegment weights, MemorySegment scales,
                             MemorySegment outs) {
        try {
            return (int) ternaryLinear.invokeExact(device, x, n, weights, scales, outs);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int rmsNorm(MemorySegment device, long x, long weight, float eps, long out) {
        try {
            return (int) rmsNorm.invokeExact(device, x, weight, eps, out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int rotary(MemorySegment device, long x, int heads, long cos, long sin, int startPos, long position) {
        try {
            return (int) rotary.invokeExact(device, x, heads, cos, sin, startPos, position);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int kvCacheUpdate(MemorySegment device, long cache, long kv, int startPos, long position) {
        try {
            return (int) kvCacheUpdate.invokeExact(device, cache, kv, startPos, position);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int attention(MemorySegment device, long q, long kCache, long vCache, int startPos, long position, int heads,
                         int kvHeads, long out) {
        try {
            return (int) attention.invokeExact(device, q, kCache, vCache, startPos, position, heads, kvHeads, out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int relu2Gate(MemorySegment device, long gate, long up, long out) {
        try {
            return (int) relu2Gate.invokeExact(device, gate, up, out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int add(MemorySegment device, long a, long b, long out) {
        try {
            return (int) add.invokeExact(device, a, b, out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int embedding(MemorySegment device, long table, long ids, long out) {
        try {
            return (int) embedding.invokeExact(device, table, ids, out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int outputProjection(MemorySegment device, long x, long table, long logits) {
        try {
            return (int) outputProjection.invokeExact(device, x, table, logits);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int argmax(MemorySegment device, long logits, long out) {
        try {
            return (int) argmax.invokeExact(device, logits, out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int topk(MemorySegment device, long logits, int k, long values, long indices) {
        try {
            return (int) topk.invokeExact(device, logits, k, values, indices);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int plusOne(MemorySegment device, long tensor) {
        try {
            return (int) plusOne.invokeExact(device, tensor);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- traces ----------------------------------------------------------------------------

    public int traceBegin(MemorySegment device, MemorySegment out) {
        try {
            return (int) traceBegin.invokeExact(device, out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int traceEnd(MemorySegment device, long trace) {
        try {
            return (int) traceEnd.invokeExact(device, trace);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int traceExecute(MemorySegment device, long trace, int blocking) {
        try {
            return (int) traceExecute.invokeExact(device, trace, blocking);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int traceRelease(MemorySegment device, long trace) {
        try {
            return (int) traceRelease.invokeExact(device, trace);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** invokeExact declares Throwable; a downcall itself throws only on a binding mismatch. */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("downcall failed", t);
    }

    @Override
    public String toString() {
        return "bitnet_tt library " + origin + " (" + implementation + ")";
    }
}
