/* Tensor lifetime and host transfers: allocate with capacity accounting, upload, download, free. */
#include "emu_internal.h"

#include <stdlib.h>
#include <string.h>

/* Far beyond any device, small enough that sizes never overflow 64 bits. */
#define MAX_ELEMENTS (1ll << 40)

static btt_status not_while_capturing(btt_device *d, const char *fn) {
    if (d->capturing != 0) {
        return emu_fail(BTT_ERR_STATE, "%s: not allowed while trace 0x%llx is being captured", fn,
                        (unsigned long long) d->capturing);
    }
    return BTT_OK;
}

static btt_status check_spec(uint32_t dtype, uint32_t layout, uint32_t memory, uint32_t rank, const int64_t *dims) {
    static const char fn[] = "btt_tensor_allocate";
    if (!emu_dtype_valid(dtype)) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: dtype %u is not a BTT_DTYPE_*", fn, dtype);
    }
    if (layout != BTT_LAYOUT_ROW_MAJOR && layout != BTT_LAYOUT_TILE) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: layout %u is not a BTT_LAYOUT_*", fn, layout);
    }
    if (memory > BTT_MEMORY_L1_WIDTH_SHARDED) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: memory %u is not a BTT_MEMORY_*", fn, memory);
    }
    if ((dtype == BTT_DTYPE_BFLOAT8_B || dtype == BTT_DTYPE_BFLOAT4_B) && layout != BTT_LAYOUT_TILE) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: %s requires TILE layout, got %s", fn, emu_dtype_name(dtype),
                        emu_layout_name(layout));
    }
    if (rank < 1 || rank > EMU_MAX_RANK) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: rank %u is outside 1..%d", fn, rank, EMU_MAX_RANK);
    }
    if (dims == NULL) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: dims is NULL", fn);
    }
    int64_t elements = 1;
    for (uint32_t i = 0; i < rank; i++) {
        if (dims[i] < 1 || dims[i] > MAX_ELEMENTS) {
            return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: dims[%u] = %lld is not a positive size", fn, i,
                            (long long) dims[i]);
        }
        if (elements > MAX_ELEMENTS / dims[i]) {
            return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: more than 2^40 elements", fn);
        }
        elements *= dims[i];
    }
    return BTT_OK;
}

static btt_status allocate(btt_device *d, uint32_t dtype, uint32_t layout, uint32_t memory, uint32_t rank,
                           const int64_t *dims, btt_tensor *out) {
    static const char fn[] = "btt_tensor_allocate";
    btt_status st = emu_device_check(d, fn);
    if (st != BTT_OK) {
        return st;
    }
    if (out == NULL) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    }
    *out = 0;
    if ((st = not_while_capturing(d, fn)) != BTT_OK || (st = check_spec(dtype, layout, memory, rank, dims)) != BTT_OK) {
        return st;
    }
    emu_tensor spec;
    memset(&spec, 0, sizeof spec);
    spec.dtype = dtype;
    spec.layout = layout;
    spec.memory = memory;
    spec.rank = rank;
    memcpy(spec.dims, dims, rank * sizeof *dims);
    emu_tensor_geometry(&spec);

    bool dram = memory == BTT_MEMORY_DRAM;
    uint64_t capacity = dram ? d->dram_capacity : d->l1_capacity;
    uint64_t used = dram ? d->dram_used : d->l1_used;
    if (spec.device_bytes > capacity - used) {
        return emu_fail(BTT_ERR_OUT_OF_MEMORY,
                        "%s: out of %s memory: %s %s %s needs %llu bytes but only %llu of %llu bytes are free", fn,
                        dram ? "DRAM" : "L1", emu_dtype_name(dtype), emu_layout_name(layout), emu_shape(&spec).s,
                        (unsigned long long) spec.device_bytes, (unsigned long long) (capacity - used),
                        (unsigned long long) capacity);
    }
    /* Count-only devices still keep UINT32 tensors (ids, positions: a few bytes) so positions steer
     * what attention and the caches count. */
    if (!d->count_only || dtype == BTT_DTYPE_UINT32) {
        spec.data = calloc(spec.stored_elements, 4);
        if (spec.data == NULL) {
            return emu_fail(BTT_ERR_OUT_OF_MEMORY, "%s: host memory exhausted storing %s %s (%llu elements)", fn,
                            emu_dtype_name(dtype), emu_shape(&spec).s, (unsigned long long) spec.stored_elements);
        }
    }
    emu_tensor *t;
    if ((st = emu_tensor_slot_new(d, out, &t)) != BTT_OK) {
        free(spec.data);
        return st;
    }
    *t = spec;
    if (dram) {
        d->dram_used += spec.device_bytes;
    } else {
        d->l1_used += spec.device_bytes;
    }
    d->counters[BTT_COUNTER_ALLOCATIONS]++;
    return BTT_OK;
}

btt_status btt_tensor_allocate(btt_device *device, uint32_t dtype, uint32_t layout, uint32_t memory, uint32_t rank,
                               const int64_t *dims, btt_tensor *out) {
    emu_lock();
    btt_status st = allocate(device, dtype, layout, memory, rank, dims, out);
    emu_unlock();
    return st;
}

static btt_status check_host(const char *fn, const emu_tensor *t, const void *host, uint64_t bytes) {
    if (host == NULL) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: host buffer is NULL", fn);
    }
    if (bytes != t->elements * 4) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: %llu bytes given for %s %s, which needs %llu (4 per element)",
                        fn, (unsigned long long) bytes, emu_dtype_name(t->dtype), emu_shape(t).s,
                        (unsigned long long) (t->elements * 4));
    }
    return BTT_OK;
}

static btt_status upload(btt_device *d, btt_tensor tensor, const void *host, uint64_t bytes) {
    static const char fn[] = "btt_tensor_upload";
    btt_status st = emu_device_check(d, fn);
    if (st != BTT_OK || (st = not_while_capturing(d, fn)) != BTT_OK) {
        return st;
    }
    emu_tensor *t = emu_tensor_arg(d, fn, "tensor", tensor, &st);
    if (t == NULL || (st = check_host(fn, t, host, bytes)) != BTT_OK) {
        return st;
    }
    /* An enqueued op may still read this tensor: run the queue first so order is kept. */
    emu_drain(d);
    if (t->data != NULL) {
        const uint32_t *src = host;
        for (int64_t r = 0; r < t->rows; r++) {
            memcpy(emu_row_u32(t, r), src + r * t->cols, (size_t) t->cols * 4);
            emu_round_row(t, r);
        }
    }
    d->counters[BTT_COUNTER_HOST_TO_DEVICE_BYTES] += t->device_bytes;
    return BTT_OK;
}

btt_status btt_tensor_upload(btt_device *device, btt_tensor tensor, const void *host, uint64_t bytes) {
    emu_lock();
    btt_status st = upload(device, tensor, host, bytes);
    emu_unlock();
    return st;
}

static btt_status download(btt_device *d, btt_tensor tensor, void *host, uint64_t bytes) {
    static const char fn[] = "btt_tensor_download";
    btt_status st = emu_device_check(d, fn);
    if (st != BTT_OK || (st = not_while_capturing(d, fn)) != BTT_OK) {
        return st;
    }
    emu_tensor *t = emu_tensor_arg(d, fn, "tensor", tensor, &st);
    if (t == NULL || (st = check_host(fn, t, host, bytes)) != BTT_OK) {
        return st;
    }
    st = emu_barrier(d);
    uint32_t *dst = host;
    for (int64_t r = 0; r < t->rows; r++) {
        if (t->data == NULL) {
            memset(dst + r * t->cols, 0, (size_t) t->cols * 4);
        } else {
            memcpy(dst + r * t->cols, emu_row_u32(t, r), (size_t) t->cols * 4);
        }
    }
    d->counters[BTT_COUNTER_DEVICE_TO_HOST_BYTES] += t->device_bytes;
    return st;
}

btt_status btt_tensor_download(btt_device *device, btt_tensor tensor, void *host, uint64_t bytes) {
    emu_lock();
    btt_status st = download(device, tensor, host, bytes);
    emu_unlock();
    return st;
}

static btt_status deallocate(btt_device *d, btt_tensor tensor) {
    static const char fn[] = "btt_tensor_deallocate";
    btt_status st = emu_device_check(d, fn);
    if (st != BTT_OK || (st = not_while_capturing(d, fn)) != BTT_OK) {
        return st;
    }
    emu_tensor *t = emu_tensor_arg(d, fn, "tensor", tensor, &st);
    if (t == NULL) {
        return st;
    }
    emu_drain(d); /* queued ops may still use it */
    emu_release_storage(d, t);
    emu_tensor_slot_free(d, tensor);
    d->counters[BTT_COUNTER_DEALLOCATIONS]++;
    return BTT_OK;
}

btt_status btt_tensor_deallocate(btt_device *device, btt_tensor tensor) {
    emu_lock();
    btt_status st = deallocate(device, tensor);
    emu_unlock();
    return st;
}
