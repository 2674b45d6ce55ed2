/*
 * bitnet_tt.h: the C ABI between the Java Tenstorrent backend (Panama FFI) and a device library.
 *
 * One implementation, the shim (native/shim: these entry points and the fused primitives written
 * as TT-NN ops), linked against one of two adapters of those ops:
 *   - libbitnet_ttnn.so: the real TT-NN adapter (CMake, needs TT-Metalium and a card);
 *   - libbitnet_ttnn_hostdouble.so: the host double of TT-NN (native/hostdouble, built by Maven
 *     with g++ and bundled in the jar), which checks each op's preconditions, computes its numerics
 *     and counts what it costs.
 * The Java side only ever sees this header, so both are driven by the same bindings.
 *
 * Conventions
 *   - Every function returns a btt_status; 0 (BTT_OK) is success. On failure a message naming the
 *     function, the tensor handles and shapes involved is kept in a thread-local buffer, read with
 *     btt_last_error() (valid until the next failing call on the same thread).
 *   - Devices are opaque pointers; tensors are 64-bit handles (0 is never valid). A handle that was
 *     deallocated, or that belongs to another device, gives BTT_ERR_INVALID_HANDLE, never a crash.
 *   - Shapes are logical, row-major, rank 1..4, given as int64 dims. The library pads to 32x32 tiles
 *     internally for TILE layout; the caller never sees padding.
 *   - Host buffers are always dense logical row-major: float32 for the float dtypes (BFLOAT16,
 *     FLOAT32, BFLOAT8_B, BFLOAT4_B: the library rounds on the way in, exactly as the device stores
 *     them) and uint32 for UINT32. Their size in bytes must equal elements * 4.
 *   - Ops are asynchronous: they are enqueued and may run later. btt_tensor_download and
 *     btt_synchronize are barriers. Op arguments are validated at enqueue time.
 *   - Between btt_trace_begin and btt_trace_end ops are recorded, not executed; btt_trace_execute
 *     replays them. Positions that change per step are read from UINT32 [1] device tensors at
 *     execution time, so a replay after rewriting them advances the step.
 *   - Activations are [T, features]; ternary weights [out, in] with values exactly -1, 0, +1 stored
 *     in BFLOAT4_B or BFLOAT8_B and a float scale applied after the matmul.
 *   - The numerics of each op are those of the matching method of io.bitnettt.spi.TransformerOps, as
 *     far as TT-NN computes them (see native/shim/README.md, "Numerics").
 *   - Tensors get their device form from their use, as TT-NN's ops require (native/shim/README.md):
 *     a FLOAT32 KV cache becomes BFLOAT8_B (BFLOAT16 in accuracy mode) [1, Hkv, S, D] at its first use
 *     with known heads; embedding tables and cos/sin tables get a BFLOAT16 ROW_MAJOR copy; ternary
 *     weights a pre-transposed DRAM-sharded decode copy; UINT32 ids and positions a padded and an INT32
 *     copy. Such copies are made outside trace capture and rewritten by uploads; a copy an op wrote
 *     (btt_argmax into a one-token ids tensor in the decode step, btt_plus_one) stays current, while an
 *     op's write of the plain tensor makes it stale (BTT_ERR_STATE at the next use, until the next upload).
 *     An upload into a one-element UINT32 tensor whose ids copy exists (the decode step's token) writes only
 *     the id's slot of that copy (4 bytes); downloads read it from there.
 *   - btt_topk in the decode step keeps its results on the device in untilized form; a download of values or
 *     indices reads only their k elements.
 *   - In the decode step (one token, a position tensor) a result may live in another device form than
 *     its tensor's buffer, and carry a weight scale still to be applied (native/shim/README.md); downloads
 *     and every other op see the same logical values.
 */
#ifndef BITNET_TT_H
#define BITNET_TT_H

#include <stdint.h>

/* The entry points stay exported when an implementation is built with -fvisibility=hidden. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* 3: btt_plus_one (positions advance on the device inside a trace, so a greedy step writes nothing from
 * the host) and BTT_FLAG_ACCURACY. Everything of version 2 is unchanged. */
#define BTT_ABI_VERSION 3

typedef int32_t btt_status;
enum {
    BTT_OK = 0,
    BTT_ERR_INVALID_ARGUMENT = 1, /* wrong shape, dtype, layout, rank, value or null pointer */
    BTT_ERR_INVALID_HANDLE = 2,   /* unknown, deallocated or foreign tensor / trace handle */
    BTT_ERR_OUT_OF_MEMORY = 3,    /* DRAM or L1 capacity exceeded */
    BTT_ERR_DEVICE = 4,           /* the device or driver failed */
    BTT_ERR_CLOSED = 5,           /* the device was closed */
    BTT_ERR_UNSUPPORTED = 6,      /* the op or combination is not implemented by this library */
    BTT_ERR_STATE = 7             /* wrong order: e.g. trace_end without trace_begin, upload while capturing */
};

/* Values match ttnn::DataType. */
enum {
    BTT_DTYPE_BFLOAT16 = 0,
    BTT_DTYPE_FLOAT32 = 1,
    BTT_DTYPE_UINT32 = 2,
    BTT_DTYPE_BFLOAT8_B = 3, /* 16 values share one 8-bit exponent; 7-bit mantissa + sign each; TILE only */
    BTT_DTYPE_BFLOAT4_B = 4  /* 16 values share one 8-bit exponent; 3-bit mantissa + sign each; TILE only */
};

/* Values match ttnn::Layout. */
enum {
    BTT_LAYOUT_ROW_MAJOR = 0,
    BTT_LAYOUT_TILE = 1
};

enum {
    BTT_MEMORY_DRAM = 0,             /* DRAM interleaved */
    BTT_MEMORY_L1 = 1,               /* L1 interleaved across the cores */
    BTT_MEMORY_L1_HEIGHT_SHARDED = 2,
    BTT_MEMORY_L1_WIDTH_SHARDED = 3
};

/* Indices into the array filled by btt_counters_read. */
enum {
    BTT_COUNTER_OPS = 0,                 /* TT-NN device programs executed (eagerly or by a replay) */
    BTT_COUNTER_HOST_TO_DEVICE_BYTES = 1,/* bytes of device representation written by uploads */
    BTT_COUNTER_DEVICE_TO_HOST_BYTES = 2,/* bytes of device representation read by downloads */
    BTT_COUNTER_ALLOCATIONS = 3,         /* device buffer allocations, op outputs and temporaries included */
    BTT_COUNTER_DEALLOCATIONS = 4,
    BTT_COUNTER_LAYOUT_CONVERSIONS = 5,  /* tilize/untilize programs run, explicit or inside a composite op */
    BTT_COUNTER_TRACE_CAPTURES = 6,
    BTT_COUNTER_TRACE_REPLAYS = 7,
    BTT_COUNTER_DRAM_BYTES_READ = 8,     /* bytes ops read from DRAM-resident tensors (for rooflines) */
    BTT_COUNTER_DRAM_BYTES_WRITTEN = 9,
    BTT_COUNTER_DRAM_BYTES_IN_USE = 10,  /* gauges, not reset by btt_counters_reset */
    BTT_COUNTER_L1_BYTES_IN_USE = 11,
    BTT_COUNTER_ABI_CALLS = 12,          /* fused primitives (btt_ternary_linear, ...) executed */
    BTT_COUNTER_COUNT = 13
};

typedef struct btt_device btt_device;
typedef uint64_t btt_tensor;
typedef uint64_t btt_trace;

/* Passed by pointer to btt_device_open; fields a library does not use are ignored. */
typedef struct btt_device_config {
    uint32_t struct_size;            /* sizeof(btt_device_config), for forward compatibility */
    int32_t device_id;               /* PCIe device index */
    uint64_t l1_small_size;          /* bytes reserved for L1_SMALL (0: library default) */
    uint64_t trace_region_size;      /* bytes reserved for traces (0: library default) */
    uint64_t dram_bytes;             /* host double: DRAM capacity (0: 12 GiB, an n150) */
    uint64_t l1_bytes_per_core;      /* host double: L1 per core (0: 1464 KiB) */
    uint32_t cores;                  /* host double: worker cores (0: 64, an 8x8 grid) */
    uint32_t flags;                  /* BTT_FLAG_* */
} btt_device_config;

/* Host double: keep shapes, counters and capacity accounting but store and compute nothing (integer
 * tensors excepted: positions still steer what is counted), so the full 2B-4T shapes can be counted
 * on a small machine (float downloads then return zeros). */
#define BTT_FLAG_COUNT_ONLY 1u
/* Accuracy mode of the decode step (tt_transformers' ModelOptimizations.accuracy): FP32 accumulation in
 * every matmul, HiFi3 attention, a BFLOAT16 KV cache. The default is its performance mode: LoFi for the
 * bfloat4_b gate/up matmuls, HiFi2 elsewhere, a BFLOAT8_B KV cache. */
#define BTT_FLAG_ACCURACY 2u

typedef struct btt_device_info {
    char arch[32];                   /* "wormhole_b0", "blackhole", "host-double" */
    uint32_t cores;
    uint32_t reserved;
    uint64_t dram_bytes;
    uint64_t l1_bytes_per_core;
} btt_device_info;

/* ---- library ---- */
int32_t btt_abi_version(void);
/* The adapter the shim is linked against: "ttnn" or "ttnn-host-double". */
const char *btt_implementation(void);
/* The last error message of the calling thread ("" if none). */
const char *btt_last_error(void);
btt_status btt_device_count(int32_t *count);

/* ---- device ---- */
btt_status btt_device_open(const btt_device_config *config, btt_device **out);
/* Frees every tensor and trace still allocated; the pointer is invalid afterwards. */
btt_status btt_device_close(btt_device *device);
btt_status btt_device_info_get(btt_device *device, btt_device_info *out);
btt_status btt_synchronize(btt_device *device);
btt_status btt_counters_read(btt_device *device, uint64_t *values, uint32_t count);
btt_status btt_counters_reset(btt_device *device);
/* Per-key execution counts since the last reset: "op:<TT-NN op>", "compute:<op> <compute config>",
 * "program:<op> <program config>". btt_op_stats_size gives the number of entries; btt_op_stat copies
 * entry index's key (NUL-terminated, truncated to key_capacity) and count. */
btt_status btt_op_stats_size(btt_device *device, uint32_t *entries);
btt_status btt_op_stat(btt_device *device, uint32_t index, char *key, uint32_t key_capacity, uint64_t *count);

/* ---- tensors ---- */
btt_status btt_tensor_allocate(btt_device *device, uint32_t dtype, uint32_t layout, uint32_t memory,
                               uint32_t rank, const int64_t *dims, btt_tensor *out);
btt_status btt_tensor_upload(btt_device *device, btt_tensor tensor, const void *host, uint64_t bytes);
btt_status btt_tensor_download(btt_device *device, btt_tensor tensor, void *host, uint64_t bytes);
btt_status btt_tensor_deallocate(btt_device *device, btt_tensor tensor);

/* ---- fused transformer primitives (see io.bitnettt.spi.TransformerOps) ---- */
/* For i in 0..n-1: outs[i] = (quant_int8(x) . weights[i]^T) / s * scales[i], with one per-token
 * absmax quantization of x shared by all n (n = 1 plain, 2 gate/up, 3 QKV). */
btt_status btt_ternary_linear(btt_device *device, btt_tensor x, uint32_t n, const btt_tensor *weights,
                              const float *scales, const btt_tensor *outs);
btt_status btt_rms_norm(btt_device *device, btt_tensor x, btt_tensor weight, float eps, btt_tensor out);
/* position: UINT32 [1] tensor holding the first token's position, or 0 to use start_pos. */
btt_status btt_rotary(btt_device *device, btt_tensor x, uint32_t heads, btt_tensor cos, btt_tensor sin,
                      uint32_t start_pos, btt_tensor position);
btt_status btt_kv_cache_update(btt_device *device, btt_tensor cache, btt_tensor kv, uint32_t start_pos,
                               btt_tensor position);
btt_status btt_attention(btt_device *device, btt_tensor q, btt_tensor k_cache, btt_tensor v_cache,
                         uint32_t start_pos, btt_tensor position, uint32_t heads, uint32_t kv_heads,
                         btt_tensor out);
btt_status btt_relu2_gate(btt_device *device, btt_tensor gate, btt_tensor up, btt_tensor out);
btt_status btt_add(btt_device *device, btt_tensor a, btt_tensor b, btt_tensor out);
btt_status btt_embedding(btt_device *device, btt_tensor table, btt_tensor ids, btt_tensor out);
btt_status btt_output_projection(btt_device *device, btt_tensor x, btt_tensor table, btt_tensor logits);
btt_status btt_argmax(btt_device *device, btt_tensor logits, btt_tensor out);
btt_status btt_topk(btt_device *device, btt_tensor logits, uint32_t k, btt_tensor values, btt_tensor indices);
/* Adds 1 to every element of a UINT32 tensor on the device (TT-NN plus_one); recorded into a trace like any
 * op, so a replayed decode step advances its own position. */
btt_status btt_plus_one(btt_device *device, btt_tensor tensor);

/* ---- traces ---- */
btt_status btt_trace_begin(btt_device *device, btt_trace *out);
btt_status btt_trace_end(btt_device *device, btt_trace trace);
/* blocking != 0 waits for the replay to finish. */
btt_status btt_trace_execute(btt_device *device, btt_trace trace, int32_t blocking);
btt_status btt_trace_release(btt_device *device, btt_trace trace);

#ifdef __cplusplus
}
#endif

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#endif /* BITNET_TT_H */
