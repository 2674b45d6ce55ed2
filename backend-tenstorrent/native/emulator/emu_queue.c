/* The in-order command queue, the barriers that drain it, and trace capture and replay. */
#include "emu_internal.h"

#include <stdlib.h>
#include <string.h>

const char *emu_op_name(emu_op_kind kind) {
    switch (kind) {
        case EMU_OP_TERNARY_LINEAR: return "btt_ternary_linear";
        case EMU_OP_RMS_NORM: return "btt_rms_norm";
        case EMU_OP_ROTARY: return "btt_rotary";
        case EMU_OP_KV_CACHE_UPDATE: return "btt_kv_cache_update";
        case EMU_OP_ATTENTION: return "btt_attention";
        case EMU_OP_RELU2_GATE: return "btt_relu2_gate";
        case EMU_OP_ADD: return "btt_add";
        case EMU_OP_EMBEDDING: return "btt_embedding";
        case EMU_OP_OUTPUT_PROJECTION: return "btt_output_projection";
        case EMU_OP_ARGMAX: return "btt_argmax";
        case EMU_OP_TOPK: return "btt_topk";
    }
    return "unknown op";
}

static btt_status append(emu_op_list *list, const char *fn, const emu_op *ops, size_t count) {
    if (list->count + count > list->capacity) {
        size_t grown = list->capacity == 0 ? 64 : list->capacity;
        while (grown < list->count + count) {
            grown *= 2;
        }
        emu_op *bigger = realloc(list->ops, grown * sizeof *bigger);
        if (bigger == NULL) {
            return emu_fail(BTT_ERR_OUT_OF_MEMORY, "%s: host memory exhausted growing the queue", fn);
        }
        list->ops = bigger;
        list->capacity = grown;
    }
    memcpy(list->ops + list->count, ops, count * sizeof *ops);
    list->count += count;
    return BTT_OK;
}

void emu_op_list_free(emu_op_list *list) {
    free(list->ops);
    memset(list, 0, sizeof *list);
}

btt_status emu_submit(btt_device *d, const char *fn, const emu_op *op) {
    if (d->capturing != 0) {
        return append(&emu_trace_find(d, d->capturing)->ops, fn, op, 1);
    }
    return append(&d->queue, fn, op, 1);
}

void emu_drain(btt_device *d) {
    for (size_t i = 0; i < d->queue.count; i++) {
        btt_status st = emu_execute(d, &d->queue.ops[i]);
        if (st != BTT_OK && d->pending_status == BTT_OK) {
            d->pending_status = st;
            strncpy(d->pending_message, btt_last_error(), sizeof d->pending_message - 1);
        }
    }
    d->queue.count = 0;
}

btt_status emu_barrier(btt_device *d) {
    emu_drain(d);
    btt_status st = d->pending_status;
    if (st != BTT_OK) {
        emu_fail(st, "%s", d->pending_message);
        d->pending_status = BTT_OK;
        d->pending_message[0] = '\0';
    }
    return st;
}

static btt_status not_capturing(btt_device *d, const char *fn) {
    if (d->capturing != 0) {
        return emu_fail(BTT_ERR_STATE, "%s: not allowed while trace 0x%llx is being captured", fn,
                        (unsigned long long) d->capturing);
    }
    return BTT_OK;
}

static btt_status synchronize(btt_device *d) {
    btt_status st = emu_device_check(d, "btt_synchronize");
    if (st != BTT_OK || (st = not_capturing(d, "btt_synchronize")) != BTT_OK) {
        return st;
    }
    return emu_barrier(d);
}

btt_status btt_synchronize(btt_device *device) {
    emu_lock();
    btt_status st = synchronize(device);
    emu_unlock();
    return st;
}

static btt_status trace_begin(btt_device *d, btt_trace *out) {
    static const char fn[] = "btt_trace_begin";
    btt_status st = emu_device_check(d, fn);
    if (st != BTT_OK) {
        return st;
    }
    if (out == NULL) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    }
    *out = 0;
    if ((st = not_capturing(d, fn)) != BTT_OK) {
        return st;
    }
    emu_trace *trace;
    if ((st = emu_trace_slot_new(d, out, &trace)) != BTT_OK) {
        return st;
    }
    d->capturing = *out;
    return BTT_OK;
}

btt_status btt_trace_begin(btt_device *device, btt_trace *out) {
    emu_lock();
    btt_status st = trace_begin(device, out);
    emu_unlock();
    return st;
}

static btt_status unknown_trace(const char *fn, btt_trace trace) {
    return emu_fail(BTT_ERR_INVALID_HANDLE, "%s: trace 0x%llx is not a live trace of this device (released, "
                    "foreign or never captured)", fn, (unsigned long long) trace);
}

static btt_status trace_end(btt_device *d, btt_trace trace) {
    static const char fn[] = "btt_trace_end";
    btt_status st = emu_device_check(d, fn);
    if (st != BTT_OK) {
        return st;
    }
    if (d->capturing == 0) {
        return emu_fail(BTT_ERR_STATE, "%s: no trace is being captured (trace 0x%llx)", fn, (unsigned long long) trace);
    }
    if (emu_trace_find(d, trace) == NULL) {
        return unknown_trace(fn, trace);
    }
    if (d->capturing != trace) {
        return emu_fail(BTT_ERR_STATE, "%s: trace 0x%llx is not being captured", fn, (unsigned long long) trace);
    }
    emu_trace_find(d, trace)->ended = true;
    d->capturing = 0;
    d->counters[BTT_COUNTER_TRACE_CAPTURES]++;
    return BTT_OK;
}

btt_status btt_trace_end(btt_device *device, btt_trace trace) {
    emu_lock();
    btt_status st = trace_end(device, trace);
    emu_unlock();
    return st;
}

static btt_status trace_execute(btt_device *d, btt_trace trace, int32_t blocking) {
    static const char fn[] = "btt_trace_execute";
    btt_status st = emu_device_check(d, fn);
    if (st != BTT_OK || (st = not_capturing(d, fn)) != BTT_OK) {
        return st;
    }
    emu_trace *t = emu_trace_find(d, trace);
    if (t == NULL) {
        return unknown_trace(fn, trace);
    }
    /* A tensor deallocated since capture would be replayed into freed memory on a device. */
    for (size_t i = 0; i < t->ops.count; i++) {
        const emu_op *op = &t->ops.ops[i];
        for (uint32_t j = 0; j < op->tensor_count; j++) {
            if (op->t[j] != 0 && emu_tensor_find(d, op->t[j]) == NULL) {
                return emu_fail(BTT_ERR_INVALID_HANDLE,
                                "%s: op %zu (%s) of trace 0x%llx uses tensor 0x%llx, which was deallocated", fn, i,
                                emu_op_name(op->kind), (unsigned long long) trace, (unsigned long long) op->t[j]);
            }
        }
    }
    if ((st = append(&d->queue, fn, t->ops.ops, t->ops.count)) != BTT_OK) {
        return st;
    }
    d->counters[BTT_COUNTER_TRACE_REPLAYS]++;
    return blocking ? emu_barrier(d) : BTT_OK;
}

btt_status btt_trace_execute(btt_device *device, btt_trace trace, int32_t blocking) {
    emu_lock();
    btt_status st = trace_execute(device, trace, blocking);
    emu_unlock();
    return st;
}

static btt_status trace_release(btt_device *d, btt_trace trace) {
    static const char fn[] = "btt_trace_release";
    btt_status st = emu_device_check(d, fn);
    if (st != BTT_OK) {
        return st;
    }
    if (emu_trace_find(d, trace) == NULL) {
        return unknown_trace(fn, trace);
    }
    if (d->capturing == trace) {
        return emu_fail(BTT_ERR_STATE, "%s: trace 0x%llx is still being captured", fn, (unsigned long long) trace);
    }
    emu_trace_slot_free(d, trace);
    return BTT_OK;
}

btt_status btt_trace_release(btt_device *device, btt_trace trace) {
    emu_lock();
    btt_status st = trace_release(device, trace);
    emu_unlock();
    return st;
}
