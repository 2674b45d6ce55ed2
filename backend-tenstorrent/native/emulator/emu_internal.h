/*
 * Internal declarations of the device emulator (libbitnet_tt_emu.so). Everything here is private;
 * the public contract is bitnet_tt.h.
 *
 * Storage model: a tensor keeps its values as 4-byte elements (float for the float dtypes, already
 * rounded to what the device holds; uint32 for UINT32). TILE tensors keep the device's padding:
 * the last two dims are padded to multiples of 32 with zeros, so block-float groups see the same
 * 16 values a tile face holds. Capacity and traffic are accounted in device bytes, not host bytes.
 */
#ifndef EMU_INTERNAL_H
#define EMU_INTERNAL_H

/* Built with -fvisibility=hidden: only the header's functions are exported. */
#pragma GCC visibility push(default)
#include "bitnet_tt.h"
#pragma GCC visibility pop

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EMU_MAX_RANK 4
#define EMU_MAX_LINEAR 8 /* outputs one ternary_linear call may share a quantization with */
#define EMU_TILE 32
#define EMU_BLOCK 16      /* values sharing one exponent in a block-float dtype */
#define EMU_MSG_LEN 512

/* ---- tensors ---- */
typedef struct emu_tensor {
    uint32_t dtype, layout, memory, rank;
    int64_t dims[EMU_MAX_RANK];
    int64_t rows, cols;       /* 2-D view every op uses: product of the leading dims x last dim */
    int64_t height;           /* logical rows per padded batch: the second-to-last dim (1 for rank 1) */
    int64_t padded_height;    /* height rounded up to 32 for TILE, height for ROW_MAJOR */
    int64_t stride;           /* elements per stored row: cols rounded up to 32 for TILE */
    uint64_t stored_elements;
    uint64_t elements;        /* logical */
    uint64_t device_bytes;    /* what the tensor occupies on the device */
    void *data;               /* stored_elements x 4 bytes; NULL in count-only mode */
} emu_tensor;

/* ---- ops ---- */
typedef enum emu_op_kind {
    EMU_OP_TERNARY_LINEAR,
    EMU_OP_RMS_NORM,
    EMU_OP_ROTARY,
    EMU_OP_KV_CACHE_UPDATE,
    EMU_OP_ATTENTION,
    EMU_OP_RELU2_GATE,
    EMU_OP_ADD,
    EMU_OP_EMBEDDING,
    EMU_OP_OUTPUT_PROJECTION,
    EMU_OP_ARGMAX,
    EMU_OP_TOPK
} emu_op_kind;

/*
 * One validated op as queued or recorded in a trace. Tensors are kept as handles and resolved
 * again at execution, so a replay sees the current contents (positions included) and a tensor
 * deallocated since recording is detected. t[] order per kind:
 *   TERNARY_LINEAR  x, weights[0..n), outs[0..n)     (n = linear_count)
 *   RMS_NORM        x, weight, out
 *   ROTARY          x, cos, sin, position
 *   KV_CACHE_UPDATE cache, kv, position
 *   ATTENTION       q, k_cache, v_cache, position, out
 *   RELU2_GATE      gate, up, out
 *   ADD             a, b, out
 *   EMBEDDING       table, ids, out
 *   OUTPUT_PROJ     x, table, logits
 *   ARGMAX          logits, out
 *   TOPK            logits, values, indices
 * A position of 0 means "use start_pos".
 */
typedef struct emu_op {
    emu_op_kind kind;
    uint32_t tensor_count;
    btt_tensor t[1 + 2 * EMU_MAX_LINEAR];
    uint32_t linear_count;
    float scales[EMU_MAX_LINEAR];
    float eps;
    uint32_t start_pos, heads, kv_heads, k;
} emu_op;

typedef struct emu_op_list {
    emu_op *ops;
    size_t count, capacity;
} emu_op_list;

/* ---- handle tables ---- */
typedef struct emu_tensor_slot {
    uint32_t generation;
    bool used;
    emu_tensor tensor;
} emu_tensor_slot;

typedef struct emu_trace {
    uint32_t generation;
    bool used;
    bool ended;
    emu_op_list ops;
} emu_trace;

struct btt_device {
    uint32_t serial;
    bool count_only;
    uint32_t cores;
    uint64_t l1_bytes_per_core;
    uint64_t dram_capacity, l1_capacity;
    uint64_t dram_used, l1_used;
    uint64_t counters[BTT_COUNTER_COUNT];

    emu_tensor_slot *tensors;
    size_t tensor_slots;
    emu_trace *traces;
    size_t trace_slots;

    emu_op_list queue;       /* enqueued, not yet executed */
    btt_trace capturing;     /* trace being recorded, 0 if none */

    btt_status pending_status; /* first failure of an executed op, reported by the next barrier */
    char pending_message[EMU_MSG_LEN];
};

/* ---- errors and locking (emu_status.c) ---- */
btt_status emu_fail(btt_status status, const char *format, ...) __attribute__((format(printf, 2, 3)));
void emu_lock(void);
void emu_unlock(void);

typedef struct emu_shape_text {
    char s[96];
} emu_shape_text;
emu_shape_text emu_shape(const emu_tensor *t);
const char *emu_dtype_name(uint32_t dtype);
const char *emu_layout_name(uint32_t layout);

/* ---- device registry and handles (emu_device.c) ---- */
/* Returns BTT_OK if device is open and usable by fn; otherwise sets the error. */
btt_status emu_device_check(btt_device *device, const char *fn);
/* Resolves a tensor handle; on failure sets the error (naming fn and arg) and returns NULL. */
emu_tensor *emu_tensor_arg(btt_device *d, const char *fn, const char *arg, btt_tensor handle, btt_status *status);
/* Resolves a handle without reporting; NULL if not a live tensor of d. */
emu_tensor *emu_tensor_find(btt_device *d, btt_tensor handle);
btt_status emu_tensor_slot_new(btt_device *d, btt_tensor *handle, emu_tensor **tensor);
void emu_tensor_slot_free(btt_device *d, btt_tensor handle);
emu_trace *emu_trace_find(btt_device *d, btt_trace handle);
btt_status emu_trace_slot_new(btt_device *d, btt_trace *handle, emu_trace **trace);
void emu_trace_slot_free(btt_device *d, btt_trace handle);

/* ---- storage and number formats (emu_storage.c) ---- */
float emu_round_bf16(float x);
/* Rounds n = EMU_BLOCK consecutive values to one shared exponent with mantissa_bits (incl. hidden). */
void emu_round_block(float *values, int mantissa_bits);
bool emu_dtype_valid(uint32_t dtype);
bool emu_is_float(uint32_t dtype);
/* Fills the geometry and device size of t from its dtype, layout and dims (no storage). */
void emu_tensor_geometry(emu_tensor *t);
/* Device bytes holding logical rows [first, first + count) (whole tiles for TILE). */
uint64_t emu_rows_bytes(const emu_tensor *t, int64_t first, int64_t count);
float *emu_row(const emu_tensor *t, int64_t row);
uint32_t *emu_row_u32(const emu_tensor *t, int64_t row);
/* Rounds the stored row to the tensor's dtype, in place (whole block-float groups). */
void emu_round_row(const emu_tensor *t, int64_t row);
void emu_release_storage(btt_device *d, emu_tensor *t);

/* ---- queue and traces (emu_queue.c) ---- */
/* Appends a validated op to the trace being captured, or to the queue. */
btt_status emu_submit(btt_device *d, const char *fn, const emu_op *op);
/* Executes every queued op in order; failures become the pending error. */
void emu_drain(btt_device *d);
/* Drains, then returns and clears the pending error (a barrier). */
btt_status emu_barrier(btt_device *d);
void emu_op_list_free(emu_op_list *list);
/* The public function that enqueues ops of this kind, for messages. */
const char *emu_op_name(emu_op_kind kind);

/* ---- op execution (emu_kernels.c) ---- */
/* Runs one op: counts it and, unless count-only, computes it. On failure sets the error. */
btt_status emu_execute(btt_device *d, const emu_op *op);

#endif /* EMU_INTERNAL_H */
