// The fused primitives of bitnet_tt.h. Each checks its arguments, then runs the decode step's form of
// the op when its inputs are in the decode step's forms (recipe.cpp), else the plain path here: TT-NN ops
// on the tensors' own buffers, for prefill blocks and any other use. Every op is placed where TT-NN
// accepts it (dtype, layout, buffer, sharding); the host double checks that on every call, and the
// comments say which TT-NN rule a choice satisfies.
#include <cfloat>
#include <cmath>
#include <string>
#include <vector>

#include "shim_state.hpp"

namespace bttshim {

namespace {

using nn::DataType;
using nn::Layout;
using nn::MemoryConfig;
using nn::UnaryKind;

/* Intermediates of a primitive live in L1 interleaved. */
const MemoryConfig kL1 = MemoryConfig::l1();
const MemoryConfig kDram = MemoryConfig::dram();

nn::DataType float_dtype(const TensorRec& t) { return data_type(t.dtype); }

std::string n_text(uint32_t i) { return std::to_string(i); }

/* t's stored values in its own buffer; its static scale stays in t.value.scale. */
nn::Tensor plain(Ctx& c, TensorRec& t) {
    if (!t.value.plain() || t.value.dyn) materialize(c, t);
    return t.plain;
}

/* t's logical values in its own buffer (scale applied). */
nn::Tensor exact(Ctx& c, TensorRec& t) {
    if (!t.value.plain() || t.value.dyn || t.value.scale != 1.0f) materialize(c, t);
    return t.plain;
}

Value plain_value(TensorRec& t, float scale = 1.0f) {
    Value v;
    v.t = t.plain;
    v.scale = scale;
    return v;
}

bool positive(float s) { return std::isfinite(s) && s > 0.0f; }

/*
 * max(|x|) per row, exactly. A FLOAT32 max reduces on the matrix engine, whose source registers hold
 * TF32 (reduce_op_device_operation.cpp; tech_reports/op_kernel_dev/accuracy_tips), so it would
 * round the absmax and move quantization boundaries. Non-negative floats order like their bit
 * patterns, and INT32 MAX runs on the SFPU: bitcast, reduce, bitcast back.
 */
nn::Tensor row_absmax(const nn::Tensor& x) {
    nn::Tensor a = nn::abs(x, kL1);
    if (x.dtype() != DataType::FLOAT32) return nn::max(a, -1, true, kL1);
    nn::Tensor bits = nn::max(nn::bitcast(a, DataType::INT32, kL1), -1, true, kL1);
    return nn::bitcast(bits, DataType::FLOAT32, kL1);
}

std::vector<TensorRec*> checked_linear(Ctx& c, TensorRec& x, uint32_t n, const btt_tensor* weights, const float* scales,
                                       const btt_tensor* outs, std::vector<TensorRec*>& os) {
    const int64_t tokens = x.dims[0], in = x.dims[1];
    std::vector<TensorRec*> ws;
    for (uint32_t i = 0; i < n; ++i) {
        TensorRec& w = c.tensor(weights[i], "weight");
        TensorRec& o = c.tensor(outs[i], "out");
        c.expect_2d(w, "weight");
        c.expect(w.dtype == BTT_DTYPE_BFLOAT4_B || w.dtype == BTT_DTYPE_BFLOAT8_B,
                 "weight " + n_text(i) + " must be BFLOAT4_B or BFLOAT8_B, got " + dtype_name(w.dtype));
        c.expect(w.dims[1] == in, "weight " + n_text(i) + " " + shape_text(w.dims) + " does not take x " + shape_text(x.dims));
        c.expect(o.dims == std::vector<int64_t>{tokens, w.dims[0]},
                 "out " + n_text(i) + " " + shape_text(o.dims) + " must be [" + std::to_string(tokens) + ", " +
                     std::to_string(w.dims[0]) + "]");
        c.expect_float(o, "out");
        c.expect(o.handle != w.handle, "out " + n_text(i) + " must not alias its weight");
        c.expect(o.handle != x.handle, "out " + n_text(i) + " must not alias x");
        c.expect(std::isfinite(scales[i]), "scale " + n_text(i) + " is not finite");
        for (uint32_t j = 0; j < i; ++j) c.expect(os[j] != &o, "outs must be distinct tensors");
        ws.push_back(&w);
        os.push_back(&o);
    }
    return ws;
}

}  // namespace

void ternary_linear(Ctx& c, btt_tensor xh, uint32_t n, const btt_tensor* weights, const float* scales,
                    const btt_tensor* outs) {
    c.expect(n >= 1 && n <= 3, "n must be 1, 2 or 3, got " + std::to_string(n));
    c.expect(weights != nullptr && scales != nullptr && outs != nullptr, "weights, scales and outs must not be null");
    TensorRec& x = c.tensor(xh, "x");
    c.expect_2d(x, "x");
    c.expect_float(x, "x");
    std::vector<TensorRec*> os;
    std::vector<TensorRec*> ws = checked_linear(c, x, n, weights, scales, outs, os);
    if (decode_linear(c, x, n, ws, scales, os)) return;
    // Per-token absmax int8 quantization in FP32 on the device, once for all n weights:
    // s = 127 / max(|x|, 1e-5), q = clamp(round_half_even(x * s), -128, 127). x's own scale cancels in q.
    const nn::Tensor xv = plain(c, x);
    const float x_scale = x.value.scale;
    nn::Tensor absmax = nn::clamp(row_absmax(xv), 1e-5f, FLT_MAX, kL1);  // [T, 1]
    nn::Tensor s = nn::multiply(nn::reciprocal(absmax, kL1), 127.0f, {.memory = kL1});
    nn::Tensor q = nn::clamp(nn::round(nn::multiply(xv, s, {.memory = kL1}), 0, kL1), -128.0f, 127.0f, kL1);
    // Integers up to 128 in magnitude are exact in bfloat16, the matmul's input format.
    nn::Tensor q16 = nn::typecast(q, DataType::BFLOAT16, kL1);
    nn::Tensor inv_s = nn::multiply(absmax, 1.0f / 127.0f, {.memory = kL1});
    const nn::ComputeConfig config = compute_configs(c.mode()).qkv_o_ff2;
    for (uint32_t i = 0; i < n; ++i) {
        // The plain [out, in] weight against the multicast configs, which transpose inside the kernel
        // (spec §3); the decode step uses the pre-transposed copy instead.
        nn::Tensor acc = nn::linear(q16, ws[i]->plain, {.transpose_b = true, .memory = kL1, .dtype = DataType::FLOAT32,
                                                         .compute = config});
        // A positive weight scale stays on the output, to be folded by the op that reads it.
        const bool fold = positive(scales[i]) && positive(x_scale);
        nn::Tensor factor = fold ? inv_s : nn::multiply(inv_s, scales[i] * x_scale, {.memory = kL1});
        nn::multiply(acc, factor, {.dtype = float_dtype(*os[i]), .memory = os[i]->plain.memory(), .output = os[i]->plain});
        c.written(*os[i], plain_value(*os[i], fold ? scales[i] * x_scale : 1.0f));
    }
}

void rms_norm(Ctx& c, btt_tensor xh, btt_tensor wh, float eps, btt_tensor outh) {
    TensorRec& x = c.tensor(xh, "x");
    TensorRec& w = c.tensor(wh, "weight");
    TensorRec& out = c.tensor(outh, "out");
    c.expect_2d(x, "x");
    c.expect_float(x, "x");
    c.expect_float(w, "weight");
    c.expect(w.dims == std::vector<int64_t>{x.dims[1]}, "weight " + shape_text(w.dims) + " must be [" +
                                                            std::to_string(x.dims[1]) + "]");
    c.expect(out.dims == x.dims, "out " + shape_text(out.dims) + " must match x " + shape_text(x.dims));
    c.expect(eps >= 0.0f && std::isfinite(eps), "eps must be finite and >= 0");
    exact(c, w);
    if (decode_rms_norm(c, x, w, eps, out)) return;
    // A TILE gamma is read as the first row of [1, n] tiles; a ROW_MAJOR one as [1, 1, n/32, 32] sticks
    // (layernorm_device_operation.cpp).
    nn::Tensor gamma = w.plain;
    if (w.layout == BTT_LAYOUT_ROW_MAJOR) {
        c.expect(w.dims[0] % 32 == 0, "a ROW_MAJOR weight needs a multiple of 32 elements, got " + shape_text(w.dims));
        gamma = nn::reshape(w.plain, {1, 1, static_cast<uint32_t>(w.dims[0] / 32), 32});
    }
    const nn::Tensor xv = plain(c, x);
    const float s = x.value.scale;
    // The norm is scale-free but for eps: stored values of scale s normalize with eps / s².
    const float folded = positive(s) ? eps / (s * s) : eps;
    const nn::Tensor input = positive(s) ? xv : exact(c, x);
    nn::Tensor y = nn::rms_norm(input, folded, gamma, {.memory = kL1, .compute = compute_configs(c.mode()).precise});
    nn::copy(y, out.plain);
    c.written(out, plain_value(out));
}

namespace {

/* cos or sin for the tokens, [T, 1, D], to broadcast over the heads of [T, H, D]. */
nn::Tensor rotary_rows(Ctx& c, TensorRec& table, int64_t tokens, uint32_t start_pos, TensorRec* position) {
    const uint32_t d = static_cast<uint32_t>(table.dims[1]);
    if (position != nullptr) {
        // Gathered inside the trace by the position, as tt_transformers does: embedding reads a BF16
        // ROW_MAJOR table (a FLOAT32 one is rejected) and the padded ids of its tilized path.
        nn::Tensor rows = nn::embedding(nn::reshape(ids(c, *position), {1, 32}), table_rm(c, table),
                                        {.layout = Layout::TILE, .dtype = DataType::FLOAT32, .memory = kL1});  // [1, 32, D]
        return nn::slice(rows, {0, 0, 0}, {1, 1, d}, kL1);
    }
    c.expect(static_cast<int64_t>(start_pos) + tokens <= table.dims[0],
             "positions " + std::to_string(start_pos) + ".." + std::to_string(start_pos + tokens - 1) +
                 " exceed the table's " + std::to_string(table.dims[0]) + " rows");
    nn::Tensor rows = nn::slice(exact(c, table), {start_pos, 0}, {start_pos + static_cast<uint32_t>(tokens), d}, kL1);
    return nn::reshape(rows, {static_cast<uint32_t>(tokens), 1, d}, kL1);
}

}  // namespace

void rotary(Ctx& c, btt_tensor xh, uint32_t heads, btt_tensor cosh, btt_tensor sinh, uint32_t start_pos,
            btt_tensor positionh) {
    TensorRec& x = c.tensor(xh, "x");
    TensorRec& cs = c.tensor(cosh, "cos");
    TensorRec& sn = c.tensor(sinh, "sin");
    c.expect_2d(x, "x");
    c.expect_float(x, "x");
    c.expect_2d(cs, "cos");
    c.expect_float(cs, "cos");
    c.expect_float(sn, "sin");
    c.expect(sn.dims == cs.dims, "sin " + shape_text(sn.dims) + " must match cos " + shape_text(cs.dims));
    c.expect(heads > 0 && x.dims[1] == static_cast<int64_t>(heads) * cs.dims[1],
             "x " + shape_text(x.dims) + " is not " + std::to_string(heads) + " heads of the tables' D=" +
                 std::to_string(cs.dims[1]));
    c.expect(cs.dims[1] % 2 == 0, "D must be even, got " + std::to_string(cs.dims[1]));
    TensorRec* position = nullptr;
    if (positionh != 0) {
        position = &c.position(positionh);
        c.expect(x.dims[0] == 1, "a position tensor is supported for one token; got " + std::to_string(x.dims[0]) +
                                     " (pass start_pos for a block)");
    }
    if (decode_rotary(c, x, heads, cs, sn, position)) return;
    const uint32_t t = static_cast<uint32_t>(x.dims[0]), h = heads, d = static_cast<uint32_t>(cs.dims[1]);
    nn::Tensor cos_rows = rotary_rows(c, cs, x.dims[0], start_pos, position);
    nn::Tensor sin_rows = rotary_rows(c, sn, x.dims[0], start_pos, position);
    // Hugging Face rotate_half pairs dim i with i + D/2 inside each head. x . R with a signed
    // permutation R is exact (one +-1 per column), so the rotation is one matmul per call instead of
    // slice/neg/concat, whose unaligned halves would leave the tile layout. The rotation is linear:
    // x's scale carries over.
    nn::Tensor x3 = nn::reshape(plain(c, x), {t, h, d}, kL1);
    const float scale = x.value.scale;
    nn::Tensor rotated = nn::linear(x3, rotate_half_matrix(c, d),
                                    {.memory = kL1, .dtype = DataType::FLOAT32, .compute = compute_configs(c.mode()).precise});
    nn::Tensor y = nn::add(nn::multiply(x3, cos_rows, {.memory = kL1}), nn::multiply(rotated, sin_rows, {.memory = kL1}),
                           {.memory = kL1});
    nn::copy(nn::reshape(y, {t, h * d}, kL1), x.plain);
    c.written(x, plain_value(x, scale));
}

void kv_cache_update(Ctx& c, btt_tensor cacheh, btt_tensor kvh, uint32_t start_pos, btt_tensor positionh) {
    TensorRec& cache = c.tensor(cacheh, "cache");
    TensorRec& kv = c.tensor(kvh, "kv");
    c.expect_2d(cache, "cache");
    c.expect_2d(kv, "kv");
    c.expect_float(cache, "cache");
    c.expect_float(kv, "kv");
    c.expect(kv.dims[1] == cache.dims[1], "kv " + shape_text(kv.dims) + " and cache " + shape_text(cache.dims) +
                                              " differ in width");
    c.expect(cacheh != kvh, "kv must not be the cache");
    std::optional<nn::Tensor> index;
    TensorRec* position = nullptr;
    if (positionh != 0) {
        position = &c.position(positionh);
        c.expect(kv.dims[0] == 1, "a position tensor is supported for one token; got " + std::to_string(kv.dims[0]));
    } else {
        c.expect(static_cast<int64_t>(start_pos) + kv.dims[0] <= cache.dims[0],
                 "rows " + std::to_string(start_pos) + ".." + std::to_string(start_pos + kv.dims[0] - 1) +
                     " exceed the cache's " + std::to_string(cache.dims[0]));
    }
    if (decode_kv_update(c, cache, kv, position)) return;
    flush_pending_update(c.dev());
    if (position != nullptr) index = position_i32(c, *position);
    // The cache keeps one scale for what it stores (the first writer's); a kv of another scale is rescaled.
    nn::Tensor kvv = plain(c, kv);
    const float kv_scale = positive(kv.value.scale) ? kv.value.scale : 1.0f;
    if (!positive(kv.value.scale)) kvv = exact(c, kv);
    if (!cache.cache_scale) cache.cache_scale = kv_scale;
    if (*cache.cache_scale != kv_scale) kvv = nn::multiply(kvv, kv_scale / *cache.cache_scale, {.memory = kL1});
    cache.value.scale = *cache.cache_scale;
    // Until its first btt_attention the cache is one head as wide as the row ([1, 1, S, W], a view of
    // the [S, W] tensor); then [1, Hkv, S, D]. paged_update_cache writes one row per head of each user.
    const uint32_t heads = cache.kv_heads == 0 ? 1 : cache.kv_heads;
    const uint32_t width = static_cast<uint32_t>(cache.dims[1]) / heads;
    const uint32_t w = static_cast<uint32_t>(kv.dims[1]);
    nn::Tensor target = cache.kv_heads != 0
                            ? cache.plain
                            : nn::reshape(cache.plain, {1, 1, static_cast<uint32_t>(cache.dims[0]), w});
    // paged_update_cache_device_operation.cpp: the input is sharded (not width-sharded), row-major
    // orientation, one user per core, shard width = the padded head dim.
    const nn::MemoryConfig sharded = nn::MemoryConfig::sharded(
        nn::MemoryLayout::HEIGHT_SHARDED, {{1, 1}, round_up32(heads), round_up32(width), nn::ShardOrientation::ROW_MAJOR});
    for (int64_t t = 0; t < kv.dims[0]; ++t) {
        const uint32_t row = static_cast<uint32_t>(t);
        nn::Tensor one = kv.dims[0] == 1 ? kvv : nn::slice(kvv, {row, 0}, {row + 1, w}, kL1);
        nn::Tensor heads4 = nn::reshape(one, {1, 1, heads, width}, kL1);
        std::vector<uint32_t> host_index;
        if (!index) host_index.push_back(start_pos + row);
        nn::paged_update_cache(target, nn::interleaved_to_sharded(heads4, sharded), host_index, index,
                               compute_configs(c.mode()).precise);
    }
    Value stored = cache.value;
    c.written(cache, stored);
}

void attention(Ctx& c, btt_tensor qh, btt_tensor kh, btt_tensor vh, uint32_t start_pos, btt_tensor positionh,
               uint32_t heads, uint32_t kv_heads, btt_tensor outh) {
    TensorRec& q = c.tensor(qh, "q");
    TensorRec& k = c.tensor(kh, "k_cache");
    TensorRec& v = c.tensor(vh, "v_cache");
    TensorRec& out = c.tensor(outh, "out");
    c.expect_2d(q, "q");
    c.expect_2d(k, "k_cache");
    c.expect_float(q, "q");
    c.expect_float(k, "k_cache");
    c.expect_float(v, "v_cache");
    c.expect_float(out, "out");
    c.expect(v.dims == k.dims, "v_cache " + shape_text(v.dims) + " must match k_cache " + shape_text(k.dims));
    c.expect(kh != vh, "k_cache and v_cache must be different tensors");
    c.expect(out.dims == q.dims, "out " + shape_text(out.dims) + " must match q " + shape_text(q.dims));
    c.expect(heads > 0 && kv_heads > 0 && heads % kv_heads == 0,
             "heads " + std::to_string(heads) + " must be a positive multiple of kv_heads " + std::to_string(kv_heads));
    c.expect(q.dims[1] % heads == 0, "q " + shape_text(q.dims) + " is not " + std::to_string(heads) + " heads");
    const uint32_t d = static_cast<uint32_t>(q.dims[1] / heads);
    c.expect(k.dims[1] == static_cast<int64_t>(kv_heads) * d,
             "k_cache " + shape_text(k.dims) + " is not " + std::to_string(kv_heads) + " heads of D=" + std::to_string(d));
    TensorRec* position = nullptr;
    if (positionh != 0) {
        position = &c.position(positionh);
        c.expect(q.dims[0] == 1, "a position tensor is supported for one token; got " + std::to_string(q.dims[0]));
    } else {
        c.expect(static_cast<int64_t>(start_pos) + q.dims[0] <= k.dims[0],
                 "positions exceed the cache's " + std::to_string(k.dims[0]) + " rows");
    }
    // SDPA decode reads K and V as BFLOAT16 or block-float [B, Hkv, S, D] in DRAM, S a multiple of 32.
    cache_heads(c, k, kv_heads);
    cache_heads(c, v, kv_heads);
    if (decode_attention(c, q, k, v, position, heads, kv_heads, out)) return;
    std::optional<nn::Tensor> pos;
    if (position != nullptr) pos = position_i32(c, *position);
    nn::Tensor qv = plain(c, q);
    const float q_scale = positive(q.value.scale) ? q.value.scale : 1.0f;
    if (!positive(q.value.scale)) qv = exact(c, q);
    // Q's and K's scales fold into the softmax scale; V's stays on the output.
    const float scale = q_scale * k.cache_scale.value_or(1.0f) / std::sqrt(static_cast<float>(d));
    const uint32_t width = static_cast<uint32_t>(q.dims[1]);
    // A prefill block runs the decode kernel once per token with its own causal limit: exact, and
    // cheap next to the block's matmuls.
    std::vector<nn::Tensor> rows;
    for (int64_t t = 0; t < q.dims[0]; ++t) {
        const uint32_t row = static_cast<uint32_t>(t);
        nn::Tensor qt = q.dims[0] == 1 ? qv : nn::slice(qv, {row, 0}, {row + 1, width}, kL1);
        // sdpa_decode_device_operation.cpp: Q is BF16/BFP8/BFP4 (FLOAT32 rejected; GQA wants BF16) and
        // height-sharded or DRAM interleaved (L1 interleaved rejected).
        nn::Tensor q4 = nn::reshape(nn::typecast(qt, DataType::BFLOAT16, kL1), {1, 1, heads, d}, kDram);
        nn::SdpaDecodeOptions options;
        options.scale = scale;
        options.memory = kL1;
        options.compute = compute_configs(c.mode()).sdpa;
        if (pos) {
            options.cur_pos_tensor = pos;
        } else {
            options.cur_pos = {start_pos + row};
        }
        nn::Tensor o = nn::sdpa_decode(q4, k.plain, v.plain, options);  // [1, 1, H, D] BF16
        rows.push_back(nn::typecast(nn::reshape(o, {1, width}, kL1), float_dtype(out), kL1));
    }
    nn::Tensor all = rows.size() == 1 ? rows[0] : nn::concat(rows, 0, kL1);
    nn::copy(all, out.plain);
    c.written(out, plain_value(out, v.cache_scale.value_or(1.0f)));
}

void relu2_gate(Ctx& c, btt_tensor gateh, btt_tensor uph, btt_tensor outh) {
    TensorRec& gate = c.tensor(gateh, "gate");
    TensorRec& up = c.tensor(uph, "up");
    TensorRec& out = c.tensor(outh, "out");
    c.expect(up.dims == gate.dims && out.dims == gate.dims, "gate " + shape_text(gate.dims) + ", up " +
                                                               shape_text(up.dims) + " and out " + shape_text(out.dims) +
                                                               " must have one shape");
    c.expect_float(gate, "gate");
    c.expect_float(up, "up");
    c.expect_float(out, "out");
    if (decode_relu2_gate(c, gate, up, out)) return;
    nn::Tensor g = plain(c, gate), u = plain(c, up);
    const float sg = gate.value.scale, su = up.value.scale;
    const bool fold = positive(sg) && positive(su);
    if (!fold) {
        g = exact(c, gate);
        u = exact(c, up);
    }
    nn::Tensor r = nn::relu(g, kL1);
    nn::Tensor r2 = nn::multiply(r, r, {.memory = kL1});
    nn::multiply(r2, u, {.dtype = float_dtype(out), .memory = out.plain.memory(), .output = out.plain});
    c.written(out, plain_value(out, fold ? sg * sg * su : 1.0f));
}

void add(Ctx& c, btt_tensor ah, btt_tensor bh, btt_tensor outh) {
    TensorRec& a = c.tensor(ah, "a");
    TensorRec& b = c.tensor(bh, "b");
    TensorRec& out = c.tensor(outh, "out");
    c.expect(b.dims == a.dims && out.dims == a.dims, "a " + shape_text(a.dims) + ", b " + shape_text(b.dims) +
                                                         " and out " + shape_text(out.dims) + " must have one shape");
    c.expect_float(a, "a");
    c.expect_float(b, "b");
    c.expect_float(out, "out");
    if (decode_add(c, a, b, out)) return;
    nn::Tensor av = plain(c, a), bv = plain(c, b);
    nn::BinaryOptions o{.dtype = float_dtype(out), .memory = out.plain.memory(), .output = out.plain};
    // Scales of the operands as fused multiplies (binary_ng activations).
    if (a.value.scale != 1.0f) o.lhs = {{UnaryKind::MUL, a.value.scale}};
    if (b.value.scale != 1.0f) o.rhs = {{UnaryKind::MUL, b.value.scale}};
    nn::add(av, bv, o);
    c.written(out, plain_value(out));
}

void embedding(Ctx& c, btt_tensor tableh, btt_tensor idsh, btt_tensor outh) {
    TensorRec& table = c.tensor(tableh, "table");
    TensorRec& id = c.tensor(idsh, "ids");
    TensorRec& out = c.tensor(outh, "out");
    c.expect_2d(table, "table");
    c.expect_float(table, "table");
    c.expect_float(out, "out");
    c.expect(id.dtype == BTT_DTYPE_UINT32 && id.dims.size() == 1,
             "ids must be UINT32 [T], got " + std::string(dtype_name(id.dtype)) + " " + shape_text(id.dims));
    c.expect(out.dims == std::vector<int64_t>{id.dims[0], table.dims[1]},
             "out " + shape_text(out.dims) + " must be [" + std::to_string(id.dims[0]) + ", " +
                 std::to_string(table.dims[1]) + "]");
    exact(c, table);
    if (decode_embedding(c, table, id, out)) return;
    const uint32_t tokens = static_cast<uint32_t>(id.dims[0]), hidden = static_cast<uint32_t>(table.dims[1]);
    // embedding.cpp: a BF16 ROW_MAJOR table (FLOAT32 rejected, a TILE one re-laid out on every call);
    // ids whose padded width is a multiple of 32 take the tilized path (no layout conversion).
    const uint32_t slots = round_up32(tokens);
    nn::Tensor rows = nn::embedding(nn::reshape(ids(c, id), {1, slots}), table_rm(c, table),
                                    {.layout = Layout::TILE, .dtype = float_dtype(out), .memory = kL1});  // [1, Tpad, H]
    if (slots != tokens) rows = nn::slice(rows, {0, 0, 0}, {1, tokens, hidden}, kL1);
    nn::copy(nn::reshape(rows, {tokens, hidden}, kL1), out.plain);
    c.written(out, plain_value(out));
}

void output_projection(Ctx& c, btt_tensor xh, btt_tensor tableh, btt_tensor logitsh) {
    TensorRec& x = c.tensor(xh, "x");
    TensorRec& table = c.tensor(tableh, "table");
    TensorRec& logits = c.tensor(logitsh, "logits");
    c.expect_2d(x, "x");
    c.expect_2d(table, "table");
    c.expect_float(x, "x");
    c.expect_float(table, "table");
    c.expect_float(logits, "logits");
    c.expect(table.dims[1] == x.dims[1], "table " + shape_text(table.dims) + " does not take x " + shape_text(x.dims));
    c.expect(logits.dims == std::vector<int64_t>{x.dims[0], table.dims[0]},
             "logits " + shape_text(logits.dims) + " must be [" + std::to_string(x.dims[0]) + ", " +
                 std::to_string(table.dims[0]) + "]");
    exact(c, table);
    if (decode_output_projection(c, x, table, logits)) return;
    nn::linear(exact(c, x), table.plain, {.transpose_b = true, .memory = logits.plain.memory(), .dtype = float_dtype(logits),
                                          .compute = compute_configs(c.mode()).precise, .output = logits.plain});
    c.written(logits, plain_value(logits));
}

void argmax(Ctx& c, btt_tensor logitsh, btt_tensor outh) {
    TensorRec& logits = c.tensor(logitsh, "logits");
    TensorRec& out = c.tensor(outh, "out");
    c.expect_2d(logits, "logits");
    c.expect_float(logits, "logits");
    c.expect(out.dtype == BTT_DTYPE_UINT32 && out.layout == BTT_LAYOUT_ROW_MAJOR &&
                 out.dims == std::vector<int64_t>{logits.dims[0]},
             "out must be UINT32 ROW_MAJOR [" + std::to_string(logits.dims[0]) + "], got " + dtype_name(out.dtype) +
                 " " + shape_text(out.dims));
    if (decode_argmax(c, logits, out)) return;
    // A positive scale does not move the maximum.
    const nn::Tensor lv = positive(logits.value.scale) ? plain(c, logits) : exact(c, logits);
    // argmax_device_operation.cpp: a TILE input with the reduced dim given runs the single-core kernel
    // on the logical width; the output is UINT32 ROW_MAJOR, written straight into out.
    nn::argmax(lv, -1, false, std::nullopt, out.plain);
    c.written(out, plain_value(out));
}

void topk(Ctx& c, btt_tensor logitsh, uint32_t k, btt_tensor valuesh, btt_tensor indicesh) {
    TensorRec& logits = c.tensor(logitsh, "logits");
    TensorRec& values = c.tensor(valuesh, "values");
    TensorRec& indices = c.tensor(indicesh, "indices");
    c.expect(logits.dims.size() == 2 && logits.dims[0] == 1, "logits must be [1, V], got " + shape_text(logits.dims));
    c.expect_float(logits, "logits");
    c.expect_float(values, "values");
    c.expect(k >= 1 && k <= logits.dims[1], "k must be in 1.." + std::to_string(logits.dims[1]) + ", got " + std::to_string(k));
    c.expect(values.dims == std::vector<int64_t>{k}, "values must be [" + std::to_string(k) + "], got " + shape_text(values.dims));
    c.expect(indices.dtype == BTT_DTYPE_UINT32 && indices.layout == BTT_LAYOUT_ROW_MAJOR &&
                 indices.dims == std::vector<int64_t>{k},
             "indices must be UINT32 ROW_MAJOR [" + std::to_string(k) + "], got " + dtype_name(indices.dtype) + " " +
                 shape_text(indices.dims));
    if (decode_topk(c, logits, k, values, indices)) return;
    // topk_device_operation.cpp: TILE, BFLOAT16 or BFLOAT8_B input, so FLOAT32 logits are rounded first.
    auto [vals, idx] = nn::topk(nn::typecast(exact(c, logits), DataType::BFLOAT16, kL1), k, -1, true, true, kL1);
    nn::copy(nn::typecast(vals, float_dtype(values), kL1), values.plain);  // [1, k] TILE
    nn::Tensor rm = nn::to_layout(nn::typecast(idx, DataType::UINT32, kL1), Layout::ROW_MAJOR, kL1);  // [1, k]
    nn::copy(nn::reshape(rm, {k}, kL1), indices.plain);
    c.written(values, plain_value(values));
    c.written(indices, plain_value(indices));
}

void plus_one(Ctx& c, btt_tensor th) {
    TensorRec& t = c.tensor(th, "tensor");
    c.expect(t.dtype == BTT_DTYPE_UINT32, std::string("tensor must be UINT32, got ") + dtype_name(t.dtype));
    if (t.ids || t.position_i32) {
        // The forms the ops read are advanced on the device (tt_transformers' _increment_decode_positions_device);
        // the plain buffer is left behind, and reads come from the INT32 copy or the ids.
        if (!t.derived_current) {
            // Built from uploads: refuse a stale one (an op wrote the plain buffer since).
            if (t.ids) c.reads_derived(t, "padded ids");
            if (t.position_i32) c.reads_derived(t, "INT32 copy");
        }
        c.expect(!t.ids || t.elements() == 1, "plus_one on derived ids is supported for one-element tensors");
        if (t.ids) nn::plus_one(*t.ids);
        if (t.position_i32) nn::plus_one(*t.position_i32);
        c.derived_written(t);
        return;
    }
    nn::plus_one(t.plain);
    c.written(t, plain_value(t));
}

}  // namespace bttshim
