/*
 * Execution of queued ops: the traffic and conversion counters every op produces, and (unless the
 * device is count-only) the numerics of io.bitnettt.spi.TransformerOps, computed in float/double as
 * the scalar reference does and rounded into each output's dtype.
 */
#include "emu_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OP_TENSORS (1 + 2 * EMU_MAX_LINEAR)

/* ---- counters ---- */

/* A device op that computes on tiles is given a ROW_MAJOR input: it must tilize it first. */
static void tilize(btt_device *d, const emu_tensor *t) {
    if (t->layout == BTT_LAYOUT_ROW_MAJOR) {
        d->counters[BTT_COUNTER_LAYOUT_CONVERSIONS]++;
    }
}

static void reads(btt_device *d, const emu_tensor *t, uint64_t bytes) {
    if (t != NULL && t->memory == BTT_MEMORY_DRAM) {
        d->counters[BTT_COUNTER_DRAM_BYTES_READ] += bytes;
    }
}

static void writes(btt_device *d, const emu_tensor *t, uint64_t bytes) {
    if (t->memory == BTT_MEMORY_DRAM) {
        d->counters[BTT_COUNTER_DRAM_BYTES_WRITTEN] += bytes;
    }
}

/* ---- element access in logical (unpadded) order ---- */

static float flat_get(const emu_tensor *t, uint64_t i) {
    return emu_row(t, (int64_t) (i / (uint64_t) t->cols))[i % (uint64_t) t->cols];
}

static uint32_t flat_get_u32(const emu_tensor *t, uint64_t i) {
    return emu_row_u32(t, (int64_t) (i / (uint64_t) t->cols))[i % (uint64_t) t->cols];
}

static void flat_set(const emu_tensor *t, uint64_t i, float v) {
    emu_row(t, (int64_t) (i / (uint64_t) t->cols))[i % (uint64_t) t->cols] = v;
}

static void flat_set_u32(const emu_tensor *t, uint64_t i, uint32_t v) {
    emu_row_u32(t, (int64_t) (i / (uint64_t) t->cols))[i % (uint64_t) t->cols] = v;
}

static void round_all(const emu_tensor *t) {
    for (int64_t r = 0; r < t->rows; r++) {
        emu_round_row(t, r);
    }
}

static btt_status host_exhausted(const emu_op *op) {
    return emu_fail(BTT_ERR_OUT_OF_MEMORY, "%s: host memory exhausted for the emulator's scratch buffer",
                    emu_op_name(op->kind));
}

/* First token's position: the position tensor's value when given, else start_pos. */
static int64_t first_position(btt_device *d, const emu_op *op, const emu_tensor *position) {
    if (position == NULL) {
        return op->start_pos;
    }
    reads(d, position, position->device_bytes);
    return position->data == NULL ? 0 : (int64_t) emu_row_u32(position, 0)[0];
}

static btt_status positions_fit(const emu_op *op, int64_t first, int64_t tokens, const char *table_name,
                                const emu_tensor *table) {
    if (first + tokens <= table->rows) {
        return BTT_OK;
    }
    return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: position %lld + %lld token(s) exceeds the %lld rows of %s %s",
                    emu_op_name(op->kind), (long long) first, (long long) tokens, (long long) table->rows,
                    table_name, emu_shape(table).s);
}

/* ---- ops ---- */

static btt_status ternary_linear(btt_device *d, const emu_op *op, emu_tensor **t) {
    uint32_t n = op->linear_count;
    emu_tensor *x = t[0], **w = t + 1, **out = t + 1 + n;
    tilize(d, x);
    reads(d, x, x->device_bytes);
    for (uint32_t i = 0; i < n; i++) {
        tilize(d, w[i]);
        reads(d, w[i], w[i]->device_bytes);
        writes(d, out[i], out[i]->device_bytes);
    }
    if (d->count_only) {
        return BTT_OK;
    }
    int64_t in = x->cols;
    float *q = malloc((size_t) in * sizeof *q);
    if (q == NULL) {
        return host_exhausted(op);
    }
    for (int64_t r = 0; r < x->rows; r++) {
        const float *xr = emu_row(x, r);
        float max = 1e-5f;
        for (int64_t k = 0; k < in; k++) {
            max = fmaxf(max, fabsf(xr[k]));
        }
        float s = 127.0f / max;
        /* The device quantizes in bf16, where the integers -128..127 are exact: same values. */
        for (int64_t k = 0; k < in; k++) {
            float v = rintf(xr[k] * s);
            q[k] = v > 127.0f ? 127.0f : v < -128.0f ? -128.0f : v;
        }
        /* x is fully read into q before any output row is written, so an output may alias x. */
        for (uint32_t i = 0; i < n; i++) {
            float *yr = emu_row(out[i], r);
            for (int64_t j = 0; j < w[i]->rows; j++) {
                const float *wr = emu_row(w[i], j);
                double acc = 0; /* int8 x ternary products and their sums are exact in double */
                for (int64_t k = 0; k < in; k++) {
                    acc += (double) q[k] * wr[k];
                }
                yr[j] = (float) acc / s * op->scales[i];
            }
            emu_round_row(out[i], r);
        }
    }
    free(q);
    return BTT_OK;
}

static btt_status rms_norm(btt_device *d, const emu_op *op, emu_tensor **t) {
    emu_tensor *x = t[0], *weight = t[1], *out = t[2];
    tilize(d, x);
    reads(d, x, x->device_bytes);
    reads(d, weight, weight->device_bytes);
    writes(d, out, out->device_bytes);
    if (d->count_only) {
        return BTT_OK;
    }
    int64_t n = x->cols;
    for (int64_t r = 0; r < x->rows; r++) {
        const float *xr = emu_row(x, r);
        double sum = 0;
        for (int64_t i = 0; i < n; i++) {
            sum += (double) xr[i] * xr[i];
        }
        float mean = (float) (sum / (double) n);
        float inv = (float) (1.0 / sqrt((double) (mean + op->eps)));
        float *yr = emu_row(out, r); /* may be xr: element i only depends on x[i] */
        for (int64_t i = 0; i < n; i++) {
            yr[i] = flat_get(weight, (uint64_t) i) * (xr[i] * inv);
        }
        emu_round_row(out, r);
    }
    return BTT_OK;
}

static btt_status rotary(btt_device *d, const emu_op *op, emu_tensor **t) {
    emu_tensor *x = t[0], *cos = t[1], *sin = t[2];
    int64_t first = first_position(d, op, t[3]);
    btt_status st = positions_fit(op, first, x->rows, "cos", cos);
    if (st != BTT_OK) {
        return st;
    }
    tilize(d, x);
    tilize(d, cos);
    tilize(d, sin);
    reads(d, x, x->device_bytes);
    reads(d, cos, emu_rows_bytes(cos, first, x->rows));
    reads(d, sin, emu_rows_bytes(sin, first, x->rows));
    writes(d, x, x->device_bytes);
    if (d->count_only) {
        return BTT_OK;
    }
    int64_t dim = cos->cols, half = dim / 2;
    float *head = malloc((size_t) dim * sizeof *head);
    if (head == NULL) {
        return host_exhausted(op);
    }
    for (int64_t r = 0; r < x->rows; r++) {
        const float *c = emu_row(cos, first + r), *s = emu_row(sin, first + r);
        float *xr = emu_row(x, r);
        for (uint32_t h = 0; h < op->heads; h++) {
            float *xh = xr + h * dim;
            memcpy(head, xh, (size_t) dim * sizeof *head);
            for (int64_t i = 0; i < dim; i++) {
                float rotated = i < half ? -head[i + half] : head[i - half];
                xh[i] = head[i] * c[i] + rotated * s[i];
            }
        }
        emu_round_row(x, r);
    }
    free(head);
    return BTT_OK;
}

static btt_status kv_cache_update(btt_device *d, const emu_op *op, emu_tensor **t) {
    emu_tensor *cache = t[0], *kv = t[1];
    int64_t first = first_position(d, op, t[2]);
    btt_status st = positions_fit(op, first, kv->rows, "cache", cache);
    if (st != BTT_OK) {
        return st;
    }
    tilize(d, kv);
    reads(d, kv, kv->device_bytes);
    writes(d, cache, emu_rows_bytes(cache, first, kv->rows));
    if (d->count_only) {
        return BTT_OK;
    }
    for (int64_t r = 0; r < kv->rows; r++) {
        memcpy(emu_row(cache, first + r), emu_row(kv, r), (size_t) kv->cols * sizeof(float));
        emu_round_row(cache, first + r);
    }
    return BTT_OK;
}

static btt_status attention(btt_device *d, const emu_op *op, emu_tensor **t) {
    emu_tensor *q = t[0], *kc = t[1], *vc = t[2], *out = t[4];
    int64_t first = first_position(d, op, t[3]);
    btt_status st = positions_fit(op, first, q->rows, "k_cache", kc);
    if (st != BTT_OK) {
        return st;
    }
    int64_t seen = first + q->rows; /* cache rows the last token attends to */
    tilize(d, q);
    tilize(d, kc);
    tilize(d, vc);
    reads(d, q, q->device_bytes);
    reads(d, kc, emu_rows_bytes(kc, 0, seen));
    reads(d, vc, emu_rows_bytes(vc, 0, seen));
    writes(d, out, out->device_bytes);
    if (d->count_only) {
        return BTT_OK;
    }
    int64_t dim = q->cols / op->heads;
    uint32_t group = op->heads / op->kv_heads;
    double scale = (float) (1.0 / sqrt((double) dim));
    double *score = malloc((size_t) seen * sizeof *score);
    double *acc = malloc((size_t) dim * sizeof *acc);
    if (score == NULL || acc == NULL) {
        free(score);
        free(acc);
        return host_exhausted(op);
    }
    for (int64_t r = 0; r < q->rows; r++) {
        int64_t last = first + r;
        for (uint32_t h = 0; h < op->heads; h++) {
            const float *qh = emu_row(q, r) + h * dim;
            int64_t kv_off = (int64_t) (h / group) * dim;
            double max = -INFINITY;
            for (int64_t j = 0; j <= last; j++) {
                const float *kr = emu_row(kc, j) + kv_off;
                double dot = 0;
                for (int64_t i = 0; i < dim; i++) {
                    dot += (double) qh[i] * kr[i];
                }
                score[j] = dot * scale;
                max = fmax(max, score[j]);
            }
            double sum = 0;
            for (int64_t j = 0; j <= last; j++) {
                score[j] = exp(score[j] - max);
                sum += score[j];
            }
            for (int64_t i = 0; i < dim; i++) {
                acc[i] = 0;
            }
            for (int64_t j = 0; j <= last; j++) {
                const float *vr = emu_row(vc, j) + kv_off;
                double p = score[j] / sum;
                for (int64_t i = 0; i < dim; i++) {
                    acc[i] += p * vr[i];
                }
            }
            /* q's head h was fully read above, so out may alias q. */
            float *oh = emu_row(out, r) + h * dim;
            for (int64_t i = 0; i < dim; i++) {
                oh[i] = (float) acc[i];
            }
        }
        emu_round_row(out, r);
    }
    free(score);
    free(acc);
    return BTT_OK;
}

static btt_status elementwise(btt_device *d, const emu_op *op, emu_tensor **t) {
    emu_tensor *a = t[0], *b = t[1], *out = t[2];
    tilize(d, a);
    tilize(d, b);
    reads(d, a, a->device_bytes);
    reads(d, b, b->device_bytes);
    writes(d, out, out->device_bytes);
    if (d->count_only) {
        return BTT_OK;
    }
    for (int64_t r = 0; r < a->rows; r++) {
        const float *ar = emu_row(a, r), *br = emu_row(b, r);
        float *yr = emu_row(out, r);
        for (int64_t i = 0; i < a->cols; i++) {
            if (op->kind == EMU_OP_ADD) {
                yr[i] = ar[i] + br[i];
            } else {
                float g = fmaxf(ar[i], 0.0f);
                yr[i] = g * g * br[i];
            }
        }
        emu_round_row(out, r);
    }
    return BTT_OK;
}

static btt_status embedding(btt_device *d, const emu_op *op, emu_tensor **t) {
    emu_tensor *table = t[0], *ids = t[1], *out = t[2];
    reads(d, ids, ids->device_bytes);
    for (uint64_t r = 0; r < ids->elements; r++) {
        uint32_t id = ids->data == NULL ? 0 : flat_get_u32(ids, r);
        if ((int64_t) id >= table->rows) {
            return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: ids[%llu] = %u is not below the %lld rows of table %s",
                            emu_op_name(op->kind), (unsigned long long) r, id, (long long) table->rows,
                            emu_shape(table).s);
        }
    }
    for (uint64_t r = 0; r < ids->elements; r++) {
        uint32_t id = ids->data == NULL ? 0 : flat_get_u32(ids, r);
        reads(d, table, emu_rows_bytes(table, id, 1));
        if (!d->count_only) {
            memcpy(emu_row(out, (int64_t) r), emu_row(table, id), (size_t) table->cols * sizeof(float));
            emu_round_row(out, (int64_t) r);
        }
    }
    writes(d, out, out->device_bytes);
    return BTT_OK;
}

static btt_status output_projection(btt_device *d, const emu_op *op, emu_tensor **t) {
    (void) op;
    emu_tensor *x = t[0], *table = t[1], *logits = t[2];
    tilize(d, x);
    tilize(d, table);
    reads(d, x, x->device_bytes);
    reads(d, table, table->device_bytes);
    writes(d, logits, logits->device_bytes);
    if (d->count_only) {
        return BTT_OK;
    }
    for (int64_t r = 0; r < x->rows; r++) {
        const float *xr = emu_row(x, r);
        float *yr = emu_row(logits, r);
        for (int64_t v = 0; v < table->rows; v++) {
            const float *tv = emu_row(table, v);
            double acc = 0;
            for (int64_t k = 0; k < x->cols; k++) {
                acc += (double) xr[k] * tv[k];
            }
            yr[v] = (float) acc;
        }
        emu_round_row(logits, r);
    }
    return BTT_OK;
}

static btt_status argmax(btt_device *d, const emu_op *op, emu_tensor **t) {
    (void) op;
    emu_tensor *logits = t[0], *out = t[1];
    reads(d, logits, logits->device_bytes);
    writes(d, out, out->device_bytes);
    if (d->count_only) {
        return BTT_OK;
    }
    for (int64_t r = 0; r < logits->rows; r++) {
        const float *lr = emu_row(logits, r);
        int64_t best = 0;
        for (int64_t i = 1; i < logits->cols; i++) {
            if (lr[i] > lr[best]) {
                best = i;
            }
        }
        flat_set_u32(out, (uint64_t) r, (uint32_t) best);
    }
    return BTT_OK;
}

static btt_status topk(btt_device *d, const emu_op *op, emu_tensor **t) {
    emu_tensor *logits = t[0], *values = t[1], *indices = t[2];
    reads(d, logits, logits->device_bytes);
    writes(d, values, values->device_bytes);
    writes(d, indices, indices->device_bytes);
    if (d->count_only) {
        return BTT_OK;
    }
    const float *row = emu_row(logits, 0);
    bool *taken = calloc((size_t) logits->cols, sizeof *taken);
    if (taken == NULL) {
        return host_exhausted(op);
    }
    /* Repeated selection of the first largest remaining value: descending, lower index on ties. */
    for (uint32_t rank = 0; rank < op->k; rank++) {
        int64_t best = -1;
        for (int64_t i = 0; i < logits->cols; i++) {
            if (!taken[i] && (best < 0 || row[i] > row[best])) {
                best = i;
            }
        }
        taken[best] = true;
        flat_set(values, rank, row[best]);
        flat_set_u32(indices, rank, (uint32_t) best);
    }
    round_all(values);
    free(taken);
    return BTT_OK;
}

btt_status emu_execute(btt_device *d, const emu_op *op) {
    emu_tensor *t[MAX_OP_TENSORS] = {NULL};
    for (uint32_t i = 0; i < op->tensor_count; i++) {
        if (op->t[i] == 0) {
            continue; /* an absent position */
        }
        t[i] = emu_tensor_find(d, op->t[i]);
        if (t[i] == NULL) {
            return emu_fail(BTT_ERR_INVALID_HANDLE, "%s: tensor 0x%llx was deallocated before the op ran",
                            emu_op_name(op->kind), (unsigned long long) op->t[i]);
        }
    }
    d->counters[BTT_COUNTER_OPS]++;
    switch (op->kind) {
        case EMU_OP_TERNARY_LINEAR: return ternary_linear(d, op, t);
        case EMU_OP_RMS_NORM: return rms_norm(d, op, t);
        case EMU_OP_ROTARY: return rotary(d, op, t);
        case EMU_OP_KV_CACHE_UPDATE: return kv_cache_update(d, op, t);
        case EMU_OP_ATTENTION: return attention(d, op, t);
        case EMU_OP_RELU2_GATE:
        case EMU_OP_ADD: return elementwise(d, op, t);
        case EMU_OP_EMBEDDING: return embedding(d, op, t);
        case EMU_OP_OUTPUT_PROJECTION: return output_projection(d, op, t);
        case EMU_OP_ARGMAX: return argmax(d, op, t);
        case EMU_OP_TOPK: return topk(d, op, t);
    }
    return emu_fail(BTT_ERR_UNSUPPORTED, "emulator: unknown op kind %d", (int) op->kind);
}
