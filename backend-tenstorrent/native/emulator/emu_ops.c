/* The op entry points: validate every argument at enqueue time, then queue (or record) the op. */
#include "emu_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Validation state of one call: the first failure wins and later checks are skipped. */
typedef struct check {
    btt_device *d;
    const char *fn;
    btt_status st;
} check;

static check start(btt_device *d, const char *fn) {
    check c = {d, fn, emu_device_check(d, fn)};
    return c;
}

static emu_tensor *tensor(check *c, const char *name, btt_tensor handle) {
    return c->st != BTT_OK ? NULL : emu_tensor_arg(c->d, c->fn, name, handle, &c->st);
}

static void need(check *c, bool ok, btt_status code, const char *format, ...) __attribute__((format(printf, 4, 5)));

static void need(check *c, bool ok, btt_status code, const char *format, ...) {
    if (c->st != BTT_OK || ok) {
        return;
    }
    char text[EMU_MSG_LEN];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    c->st = emu_fail(code, "%s: %s", c->fn, text);
}

static void need_float(check *c, const char *name, const emu_tensor *t) {
    need(c, emu_is_float(t->dtype), BTT_ERR_INVALID_ARGUMENT, "%s %s must have a float dtype, not %s", name,
         emu_shape(t).s, emu_dtype_name(t->dtype));
}

static void need_uint32(check *c, const char *name, const emu_tensor *t) {
    need(c, t->dtype == BTT_DTYPE_UINT32, BTT_ERR_INVALID_ARGUMENT, "%s %s must be UINT32, not %s", name,
         emu_shape(t).s, emu_dtype_name(t->dtype));
}

static bool same_dims(const emu_tensor *a, const emu_tensor *b) {
    return a->rank == b->rank && memcmp(a->dims, b->dims, a->rank * sizeof a->dims[0]) == 0;
}

static void need_same_shape(check *c, const char *name, const emu_tensor *t, const char *ref_name,
                            const emu_tensor *ref) {
    need(c, same_dims(t, ref), BTT_ERR_INVALID_ARGUMENT, "%s %s does not match %s %s", name, emu_shape(t).s,
         ref_name, emu_shape(ref).s);
}

/* Resolves an optional UINT32 [1] position tensor (0: none). */
static void need_position(check *c, btt_tensor position) {
    if (c->st != BTT_OK || position == 0) {
        return;
    }
    emu_tensor *p = tensor(c, "position", position);
    if (p != NULL) {
        need(c, p->dtype == BTT_DTYPE_UINT32 && p->elements == 1, BTT_ERR_INVALID_ARGUMENT,
             "position %s %s must be a UINT32 tensor of one element", emu_dtype_name(p->dtype), emu_shape(p).s);
    }
}

static btt_status submit(check *c, const emu_op *op) {
    return c->st != BTT_OK ? c->st : emu_submit(c->d, c->fn, op);
}

static btt_status ternary_linear(btt_device *d, btt_tensor x, uint32_t n, const btt_tensor *weights,
                                 const float *scales, const btt_tensor *outs) {
    check c = start(d, "btt_ternary_linear");
    need(&c, n >= 1 && n <= EMU_MAX_LINEAR, BTT_ERR_INVALID_ARGUMENT, "n = %u is outside 1..%d", n, EMU_MAX_LINEAR);
    need(&c, weights != NULL && scales != NULL && outs != NULL, BTT_ERR_INVALID_ARGUMENT,
         "weights, scales and outs must not be NULL");
    emu_tensor *tx = tensor(&c, "x", x);
    if (c.st != BTT_OK) {
        return c.st;
    }
    need_float(&c, "x", tx);
    emu_op op = {.kind = EMU_OP_TERNARY_LINEAR, .tensor_count = 1 + 2 * n, .linear_count = n};
    op.t[0] = x;
    for (uint32_t i = 0; i < n && c.st == BTT_OK; i++) {
        char wname[24], oname[24];
        snprintf(wname, sizeof wname, "weights[%u]", i);
        snprintf(oname, sizeof oname, "outs[%u]", i);
        emu_tensor *tw = tensor(&c, wname, weights[i]);
        emu_tensor *to = tensor(&c, oname, outs[i]);
        if (c.st != BTT_OK) {
            return c.st;
        }
        need_float(&c, wname, tw);
        need_float(&c, oname, to);
        need(&c, tw->cols == tx->cols, BTT_ERR_INVALID_ARGUMENT, "%s %s does not match x %s: %lld input features "
             "expected", wname, emu_shape(tw).s, emu_shape(tx).s, (long long) tx->cols);
        need(&c, to->rows == tx->rows && to->cols == tw->rows, BTT_ERR_INVALID_ARGUMENT,
             "%s %s must be [%lld, %lld] for x %s and %s %s", oname, emu_shape(to).s, (long long) tx->rows,
             (long long) tw->rows, emu_shape(tx).s, wname, emu_shape(tw).s);
        need(&c, weights[i] != outs[i] && weights[i] != x, BTT_ERR_INVALID_ARGUMENT, "%s must not alias x or %s",
             wname, oname);
        need(&c, isfinite(scales[i]), BTT_ERR_INVALID_ARGUMENT, "scales[%u] = %g is not finite", i,
             (double) scales[i]);
        op.t[1 + i] = weights[i];
        op.t[1 + n + i] = outs[i];
        op.scales[i] = scales[i];
    }
    return submit(&c, &op);
}

btt_status btt_ternary_linear(btt_device *device, btt_tensor x, uint32_t n, const btt_tensor *weights,
                              const float *scales, const btt_tensor *outs) {
    emu_lock();
    btt_status st = ternary_linear(device, x, n, weights, scales, outs);
    emu_unlock();
    return st;
}

static btt_status rms_norm(btt_device *d, btt_tensor x, btt_tensor weight, float eps, btt_tensor out) {
    check c = start(d, "btt_rms_norm");
    emu_tensor *tx = tensor(&c, "x", x), *tw = tensor(&c, "weight", weight), *to = tensor(&c, "out", out);
    if (c.st != BTT_OK) {
        return c.st;
    }
    need_float(&c, "x", tx);
    need_float(&c, "weight", tw);
    need_float(&c, "out", to);
    need(&c, tw->elements == (uint64_t) tx->cols, BTT_ERR_INVALID_ARGUMENT,
         "weight %s must hold %lld values, one per column of x %s", emu_shape(tw).s, (long long) tx->cols,
         emu_shape(tx).s);
    need_same_shape(&c, "out", to, "x", tx);
    need(&c, isfinite(eps) && eps >= 0, BTT_ERR_INVALID_ARGUMENT, "eps = %g must be finite and >= 0", (double) eps);
    emu_op op = {.kind = EMU_OP_RMS_NORM, .tensor_count = 3, .t = {x, weight, out}, .eps = eps};
    return submit(&c, &op);
}

btt_status btt_rms_norm(btt_device *device, btt_tensor x, btt_tensor weight, float eps, btt_tensor out) {
    emu_lock();
    btt_status st = rms_norm(device, x, weight, eps, out);
    emu_unlock();
    return st;
}

static btt_status rotary(btt_device *d, btt_tensor x, uint32_t heads, btt_tensor cos, btt_tensor sin,
                         uint32_t start_pos, btt_tensor position) {
    check c = start(d, "btt_rotary");
    emu_tensor *tx = tensor(&c, "x", x), *tc = tensor(&c, "cos", cos), *ts = tensor(&c, "sin", sin);
    need_position(&c, position);
    if (c.st != BTT_OK) {
        return c.st;
    }
    need_float(&c, "x", tx);
    need_float(&c, "cos", tc);
    need_float(&c, "sin", ts);
    need(&c, heads >= 1 && tx->cols % heads == 0 && tx->cols / heads % 2 == 0, BTT_ERR_INVALID_ARGUMENT,
         "x %s does not split into %u heads of an even head dimension", emu_shape(tx).s, heads);
    int64_t dim = heads >= 1 ? tx->cols / heads : 0;
    need(&c, tc->cols == dim, BTT_ERR_INVALID_ARGUMENT, "cos %s must have %lld columns (head dimension of x %s)",
         emu_shape(tc).s, (long long) dim, emu_shape(tx).s);
    need_same_shape(&c, "sin", ts, "cos", tc);
    need(&c, position != 0 || (int64_t) start_pos + tx->rows <= tc->rows, BTT_ERR_INVALID_ARGUMENT,
         "positions %u..%lld of x %s exceed the %lld rows of cos %s", start_pos,
         (long long) start_pos + tx->rows - 1, emu_shape(tx).s, (long long) tc->rows, emu_shape(tc).s);
    emu_op op = {.kind = EMU_OP_ROTARY, .tensor_count = 4, .t = {x, cos, sin, position}, .heads = heads,
                 .start_pos = start_pos};
    return submit(&c, &op);
}

btt_status btt_rotary(btt_device *device, btt_tensor x, uint32_t heads, btt_tensor cos, btt_tensor sin,
                      uint32_t start_pos, btt_tensor position) {
    emu_lock();
    btt_status st = rotary(device, x, heads, cos, sin, start_pos, position);
    emu_unlock();
    return st;
}

static btt_status kv_cache_update(btt_device *d, btt_tensor cache, btt_tensor kv, uint32_t start_pos,
                                  btt_tensor position) {
    check c = start(d, "btt_kv_cache_update");
    emu_tensor *tc = tensor(&c, "cache", cache), *tk = tensor(&c, "kv", kv);
    need_position(&c, position);
    if (c.st != BTT_OK) {
        return c.st;
    }
    need_float(&c, "cache", tc);
    need_float(&c, "kv", tk);
    need(&c, tk->cols == tc->cols, BTT_ERR_INVALID_ARGUMENT, "kv %s does not match the width of cache %s",
         emu_shape(tk).s, emu_shape(tc).s);
    need(&c, position != 0 || (int64_t) start_pos + tk->rows <= tc->rows, BTT_ERR_INVALID_ARGUMENT,
         "rows %u..%lld of kv %s exceed cache %s", start_pos, (long long) start_pos + tk->rows - 1,
         emu_shape(tk).s, emu_shape(tc).s);
    need(&c, cache != kv, BTT_ERR_INVALID_ARGUMENT, "kv must not alias cache");
    emu_op op = {.kind = EMU_OP_KV_CACHE_UPDATE, .tensor_count = 3, .t = {cache, kv, position},
                 .start_pos = start_pos};
    return submit(&c, &op);
}

btt_status btt_kv_cache_update(btt_device *device, btt_tensor cache, btt_tensor kv, uint32_t start_pos,
                               btt_tensor position) {
    emu_lock();
    btt_status st = kv_cache_update(device, cache, kv, start_pos, position);
    emu_unlock();
    return st;
}

static btt_status attention(btt_device *d, btt_tensor q, btt_tensor k_cache, btt_tensor v_cache, uint32_t start_pos,
                            btt_tensor position, uint32_t heads, uint32_t kv_heads, btt_tensor out) {
    check c = start(d, "btt_attention");
    emu_tensor *tq = tensor(&c, "q", q), *tk = tensor(&c, "k_cache", k_cache), *tv = tensor(&c, "v_cache", v_cache),
               *to = tensor(&c, "out", out);
    need_position(&c, position);
    if (c.st != BTT_OK) {
        return c.st;
    }
    need_float(&c, "q", tq);
    need_float(&c, "k_cache", tk);
    need_float(&c, "v_cache", tv);
    need_float(&c, "out", to);
    need(&c, heads >= 1 && kv_heads >= 1 && heads % kv_heads == 0, BTT_ERR_INVALID_ARGUMENT,
         "heads %u must be a positive multiple of kv_heads %u", heads, kv_heads);
    need(&c, heads >= 1 && tq->cols % heads == 0, BTT_ERR_INVALID_ARGUMENT, "q %s does not split into %u heads", emu_shape(tq).s,
         heads);
    int64_t dim = heads >= 1 ? tq->cols / heads : 0;
    need(&c, tk->cols == dim * kv_heads, BTT_ERR_INVALID_ARGUMENT,
         "k_cache %s must have %lld columns (%u kv heads of dimension %lld from q %s)", emu_shape(tk).s,
         (long long) (dim * kv_heads), kv_heads, (long long) dim, emu_shape(tq).s);
    need_same_shape(&c, "v_cache", tv, "k_cache", tk);
    need_same_shape(&c, "out", to, "q", tq);
    need(&c, out != k_cache && out != v_cache, BTT_ERR_INVALID_ARGUMENT, "out must not alias a cache");
    need(&c, position != 0 || (int64_t) start_pos + tq->rows <= tk->rows, BTT_ERR_INVALID_ARGUMENT,
         "positions %u..%lld of q %s exceed k_cache %s", start_pos, (long long) start_pos + tq->rows - 1,
         emu_shape(tq).s, emu_shape(tk).s);
    emu_op op = {.kind = EMU_OP_ATTENTION, .tensor_count = 5, .t = {q, k_cache, v_cache, position, out},
                 .start_pos = start_pos, .heads = heads, .kv_heads = kv_heads};
    return submit(&c, &op);
}

btt_status btt_attention(btt_device *device, btt_tensor q, btt_tensor k_cache, btt_tensor v_cache, uint32_t start_pos,
                         btt_tensor position, uint32_t heads, uint32_t kv_heads, btt_tensor out) {
    emu_lock();
    btt_status st = attention(device, q, k_cache, v_cache, start_pos, position, heads, kv_heads, out);
    emu_unlock();
    return st;
}

/* relu2_gate and add: three float tensors of one shape, out may alias the first. */
static btt_status elementwise(btt_device *d, const char *fn, emu_op_kind kind, const char *a_name, btt_tensor a,
                              const char *b_name, btt_tensor b, btt_tensor out) {
    check c = start(d, fn);
    emu_tensor *ta = tensor(&c, a_name, a), *tb = tensor(&c, b_name, b), *to = tensor(&c, "out", out);
    if (c.st != BTT_OK) {
        return c.st;
    }
    need_float(&c, a_name, ta);
    need_float(&c, b_name, tb);
    need_float(&c, "out", to);
    need_same_shape(&c, b_name, tb, a_name, ta);
    need_same_shape(&c, "out", to, a_name, ta);
    emu_op op = {.kind = kind, .tensor_count = 3, .t = {a, b, out}};
    return submit(&c, &op);
}

btt_status btt_relu2_gate(btt_device *device, btt_tensor gate, btt_tensor up, btt_tensor out) {
    emu_lock();
    btt_status st = elementwise(device, "btt_relu2_gate", EMU_OP_RELU2_GATE, "gate", gate, "up", up, out);
    emu_unlock();
    return st;
}

btt_status btt_add(btt_device *device, btt_tensor a, btt_tensor b, btt_tensor out) {
    emu_lock();
    btt_status st = elementwise(device, "btt_add", EMU_OP_ADD, "a", a, "b", b, out);
    emu_unlock();
    return st;
}

static btt_status embedding(btt_device *d, btt_tensor table, btt_tensor ids, btt_tensor out) {
    check c = start(d, "btt_embedding");
    emu_tensor *tt = tensor(&c, "table", table), *ti = tensor(&c, "ids", ids), *to = tensor(&c, "out", out);
    if (c.st != BTT_OK) {
        return c.st;
    }
    need(&c, tt->dtype == BTT_DTYPE_BFLOAT16 || tt->dtype == BTT_DTYPE_FLOAT32, BTT_ERR_INVALID_ARGUMENT,
         "table %s must be BFLOAT16 or FLOAT32, not %s", emu_shape(tt).s, emu_dtype_name(tt->dtype));
    need_uint32(&c, "ids", ti);
    need_float(&c, "out", to);
    need(&c, (uint64_t) to->rows == ti->elements && to->cols == tt->cols, BTT_ERR_INVALID_ARGUMENT,
         "out %s must be [%llu, %lld] for ids %s and table %s", emu_shape(to).s, (unsigned long long) ti->elements,
         (long long) tt->cols, emu_shape(ti).s, emu_shape(tt).s);
    emu_op op = {.kind = EMU_OP_EMBEDDING, .tensor_count = 3, .t = {table, ids, out}};
    return submit(&c, &op);
}

btt_status btt_embedding(btt_device *device, btt_tensor table, btt_tensor ids, btt_tensor out) {
    emu_lock();
    btt_status st = embedding(device, table, ids, out);
    emu_unlock();
    return st;
}

static btt_status output_projection(btt_device *d, btt_tensor x, btt_tensor table, btt_tensor logits) {
    check c = start(d, "btt_output_projection");
    emu_tensor *tx = tensor(&c, "x", x), *tt = tensor(&c, "table", table), *tl = tensor(&c, "logits", logits);
    if (c.st != BTT_OK) {
        return c.st;
    }
    need_float(&c, "x", tx);
    need_float(&c, "table", tt);
    need_float(&c, "logits", tl);
    need(&c, tt->cols == tx->cols, BTT_ERR_INVALID_ARGUMENT, "table %s does not match x %s: %lld columns expected",
         emu_shape(tt).s, emu_shape(tx).s, (long long) tx->cols);
    need(&c, tl->rows == tx->rows && tl->cols == tt->rows, BTT_ERR_INVALID_ARGUMENT,
         "logits %s must be [%lld, %lld] for x %s and table %s", emu_shape(tl).s, (long long) tx->rows,
         (long long) tt->rows, emu_shape(tx).s, emu_shape(tt).s);
    need(&c, logits != x && logits != table, BTT_ERR_INVALID_ARGUMENT, "logits must not alias x or table");
    emu_op op = {.kind = EMU_OP_OUTPUT_PROJECTION, .tensor_count = 3, .t = {x, table, logits}};
    return submit(&c, &op);
}

btt_status btt_output_projection(btt_device *device, btt_tensor x, btt_tensor table, btt_tensor logits) {
    emu_lock();
    btt_status st = output_projection(device, x, table, logits);
    emu_unlock();
    return st;
}

static btt_status argmax(btt_device *d, btt_tensor logits, btt_tensor out) {
    check c = start(d, "btt_argmax");
    emu_tensor *tl = tensor(&c, "logits", logits), *to = tensor(&c, "out", out);
    if (c.st != BTT_OK) {
        return c.st;
    }
    need_float(&c, "logits", tl);
    need_uint32(&c, "out", to);
    need(&c, to->elements == (uint64_t) tl->rows, BTT_ERR_INVALID_ARGUMENT,
         "out %s must hold %lld indices, one per row of logits %s", emu_shape(to).s, (long long) tl->rows,
         emu_shape(tl).s);
    emu_op op = {.kind = EMU_OP_ARGMAX, .tensor_count = 2, .t = {logits, out}};
    return submit(&c, &op);
}

btt_status btt_argmax(btt_device *device, btt_tensor logits, btt_tensor out) {
    emu_lock();
    btt_status st = argmax(device, logits, out);
    emu_unlock();
    return st;
}

static btt_status topk(btt_device *d, btt_tensor logits, uint32_t k, btt_tensor values, btt_tensor indices) {
    check c = start(d, "btt_topk");
    emu_tensor *tl = tensor(&c, "logits", logits), *tv = tensor(&c, "values", values),
               *ti = tensor(&c, "indices", indices);
    if (c.st != BTT_OK) {
        return c.st;
    }
    need_float(&c, "logits", tl);
    need_float(&c, "values", tv);
    need_uint32(&c, "indices", ti);
    need(&c, tl->rows == 1, BTT_ERR_INVALID_ARGUMENT, "logits %s must be a single row", emu_shape(tl).s);
    need(&c, k >= 1 && (int64_t) k <= tl->cols, BTT_ERR_INVALID_ARGUMENT, "k = %u is outside 1..%lld for logits %s",
         k, (long long) tl->cols, emu_shape(tl).s);
    need(&c, tv->elements == k && ti->elements == k, BTT_ERR_INVALID_ARGUMENT,
         "values %s and indices %s must hold k = %u elements", emu_shape(tv).s, emu_shape(ti).s, k);
    need(&c, values != logits, BTT_ERR_INVALID_ARGUMENT, "values must not alias logits");
    emu_op op = {.kind = EMU_OP_TOPK, .tensor_count = 3, .t = {logits, values, indices}, .k = k};
    return submit(&c, &op);
}

btt_status btt_topk(btt_device *device, btt_tensor logits, uint32_t k, btt_tensor values, btt_tensor indices) {
    emu_lock();
    btt_status st = topk(device, logits, k, values, indices);
    emu_unlock();
    return st;
}
