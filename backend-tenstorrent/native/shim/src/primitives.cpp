// The fused primitives of bitnet_tt.h, each written as a sequence of TT-NN ops through the adapter.
// Every op is placed where TT-NN accepts it (dtype, layout, buffer, sharding); the host double checks
// that on every call, and the comments say which TT-NN rule a choice satisfies.
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

/* Intermediates of a primitive live in L1 interleaved. */
const MemoryConfig kL1 = MemoryConfig::l1();
const MemoryConfig kDram = MemoryConfig::dram();

/*
 * Matrix-engine fidelity (tech_reports/matrix_engine/matrix_engine.md: SrcA takes 1+4 mantissa bits
 * per phase, SrcB 1+6; matmul feeds in0 to SrcB and in1 to SrcA, hw/inc/api/compute/matmul.h). Never
 * HiFi4 with FP32 accumulation: on Wormhole it can give wrong results (#38306, matmul_device_operation.cpp).
 */
// int8 codes (at most 7 significant bits) x ternary weights: exact from HiFi2 on, accumulated in FP32.
const nn::ComputeConfig kTernary{nn::MathFidelity::HiFi2, false, true, false};
// FLOAT32 activations (TF32 in the source registers) x bf16 weights: all but the smallest partial product.
const nn::ComputeConfig kPrecise{nn::MathFidelity::HiFi3, false, true, false};

nn::DataType float_dtype(const TensorRec& t) { return data_type(t.dtype); }

std::string n_text(uint32_t i) { return std::to_string(i); }

/*
 * max(|x|) per row, exactly. A FLOAT32 max reduces on the matrix engine, whose source registers hold
 * TF32 (reduce_op_device_operation.cpp; tech_reports/op_kernel_dev/accuracy_tips), so it would
 * round the absmax and move quantization boundaries. Non-negative floats order like their bit
 * patterns, and INT32 MAX runs on the SFPU: bitcast, reduce, bitcast back.
 */
nn::Tensor row_absmax(const TensorRec& x) {
    nn::Tensor a = nn::abs(x.dev, kL1);
    if (x.dtype != BTT_DTYPE_FLOAT32) return nn::max(a, -1, true, kL1);
    nn::Tensor bits = nn::max(nn::bitcast(a, DataType::INT32, kL1), -1, true, kL1);
    return nn::bitcast(bits, DataType::FLOAT32, kL1);
}

}  // namespace

void ternary_linear(Ctx& c, btt_tensor xh, uint32_t n, const btt_tensor* weights, const float* scales,
                    const btt_tensor* outs) {
    c.expect(n >= 1 && n <= 3, "n must be 1, 2 or 3, got " + std::to_string(n));
    c.expect(weights != nullptr && scales != nullptr && outs != nullptr, "weights, scales and outs must not be null");
    TensorRec& x = c.tensor(xh, "x");
    c.expect_2d(x, "x");
    c.expect_float(x, "x");
    const int64_t tokens = x.dims[0], in = x.dims[1];
    std::vector<TensorRec*> ws, os;
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
        c.expect(std::isfinite(scales[i]), "scale " + n_text(i) + " is not finite");
        ws.push_back(&w);
        os.push_back(&o);
    }
    // Per-token absmax int8 quantization in FP32 on the device, once for all n weights:
    // s = 127 / max(|x|, 1e-5), q = clamp(round_half_even(x * s), -128, 127).
    nn::Tensor absmax = nn::clamp(row_absmax(x), 1e-5f, FLT_MAX, kL1);  // [T, 1]
    nn::Tensor s = nn::multiply(nn::reciprocal(absmax, kL1), 127.0f, {.memory = kL1});
    nn::Tensor q = nn::clamp(nn::round(nn::multiply(x.dev, s, {.memory = kL1}), 0, kL1), -128.0f, 127.0f, kL1);
    // Integers up to 128 in magnitude are exact in bfloat16, the matmul's input format.
    nn::Tensor q16 = nn::typecast(q, DataType::BFLOAT16, kL1);
    nn::Tensor inv_s = nn::multiply(absmax, 1.0f / 127.0f, {.memory = kL1});
    for (uint32_t i = 0; i < n; ++i) {
        nn::Tensor acc = nn::linear(q16, ws[i]->dev, {.transpose_b = true, .memory = kL1, .dtype = DataType::FLOAT32,
                                                      .compute = kTernary});
        nn::Tensor factor = nn::multiply(inv_s, scales[i], {.memory = kL1});
        nn::multiply(acc, factor,
                     {.dtype = float_dtype(*os[i]), .memory = os[i]->dev.memory(), .output = os[i]->dev});
        c.written(*os[i]);
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
    // A TILE gamma is read as the first row of [1, n] tiles; a ROW_MAJOR one as [1, 1, n/32, 32] sticks
    // (layernorm_device_operation.cpp).
    nn::Tensor gamma = w.dev;
    if (w.layout == BTT_LAYOUT_ROW_MAJOR) {
        c.expect(w.dims[0] % 32 == 0, "a ROW_MAJOR weight needs a multiple of 32 elements, got " + shape_text(w.dims));
        gamma = nn::reshape(w.dev, {1, 1, static_cast<uint32_t>(w.dims[0] / 32), 32});
    }
    nn::Tensor y = nn::rms_norm(x.dev, eps, gamma, kL1, kPrecise);
    nn::copy(y, out.dev);
    c.written(out);
}

namespace {

/* cos or sin for the tokens, [T, 1, D], to broadcast over the heads of [T, H, D]. */
nn::Tensor rotary_rows(Ctx& c, TensorRec& table, int64_t tokens, uint32_t start_pos, TensorRec* position) {
    const uint32_t d = static_cast<uint32_t>(table.dims[1]);
    if (position != nullptr) {
        // Gathered inside the trace by the position, as tt_transformers does: embedding reads a BF16
        // ROW_MAJOR table (a FLOAT32 one is rejected) and the padded ids of its tilized path.
        nn::Tensor rows = nn::embedding(ids_padded(c, *position), table_rm(c, table),
                                        {.layout = Layout::TILE, .dtype = DataType::FLOAT32, .memory = kL1});  // [1, 32, D]
        return nn::slice(rows, {0, 0, 0}, {1, 1, d}, kL1);
    }
    c.expect(static_cast<int64_t>(start_pos) + tokens <= table.dims[0],
             "positions " + std::to_string(start_pos) + ".." + std::to_string(start_pos + tokens - 1) +
                 " exceed the table's " + std::to_string(table.dims[0]) + " rows");
    nn::Tensor rows = nn::slice(table.dev, {start_pos, 0}, {start_pos + static_cast<uint32_t>(tokens), d}, kL1);
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
    const uint32_t t = static_cast<uint32_t>(x.dims[0]), h = heads, d = static_cast<uint32_t>(cs.dims[1]);
    nn::Tensor cos_rows = rotary_rows(c, cs, x.dims[0], start_pos, position);
    nn::Tensor sin_rows = rotary_rows(c, sn, x.dims[0], start_pos, position);
    // Hugging Face rotate_half pairs dim i with i + D/2 inside each head. x . R with a signed
    // permutation R is exact (one +-1 per column), so the rotation is one matmul per call instead of
    // slice/neg/concat, whose unaligned halves would leave the tile layout.
    nn::Tensor x3 = nn::reshape(x.dev, {t, h, d}, kL1);
    nn::Tensor rotated = nn::linear(x3, rotate_half_matrix(c, d),
                                    {.memory = kL1, .dtype = DataType::FLOAT32, .compute = kPrecise});
    nn::Tensor y = nn::add(nn::multiply(x3, cos_rows, {.memory = kL1}), nn::multiply(rotated, sin_rows, {.memory = kL1}),
                           {.memory = kL1});
    nn::copy(nn::reshape(y, {t, h * d}, kL1), x.dev);
    c.written(x);
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
    std::optional<nn::Tensor> index;
    if (positionh != 0) {
        index = position_i32(c, c.position(positionh));
        c.expect(kv.dims[0] == 1, "a position tensor is supported for one token; got " + std::to_string(kv.dims[0]));
    } else {
        c.expect(static_cast<int64_t>(start_pos) + kv.dims[0] <= cache.dims[0],
                 "rows " + std::to_string(start_pos) + ".." + std::to_string(start_pos + kv.dims[0] - 1) +
                     " exceed the cache's " + std::to_string(cache.dims[0]));
    }
    // Until its first btt_attention the cache is one head as wide as the row ([1, 1, S, W], a view of
    // the [S, W] tensor); then [1, Hkv, S, D]. paged_update_cache writes one row per head of each user.
    const uint32_t heads = cache.kv_heads == 0 ? 1 : cache.kv_heads;
    const uint32_t width = static_cast<uint32_t>(cache.dims[1]) / heads;
    const uint32_t w = static_cast<uint32_t>(kv.dims[1]);
    nn::Tensor target = cache.kv_heads != 0
                            ? cache.dev
                            : nn::reshape(cache.dev, {1, 1, static_cast<uint32_t>(cache.dims[0]), w});
    // paged_update_cache_device_operation.cpp: the input is sharded (not width-sharded), row-major
    // orientation, one user per core, shard width = the padded head dim.
    const nn::MemoryConfig sharded = nn::MemoryConfig::sharded(
        nn::MemoryLayout::HEIGHT_SHARDED, {{1, 1}, round_up32(heads), round_up32(width), nn::ShardOrientation::ROW_MAJOR});
    for (int64_t t = 0; t < kv.dims[0]; ++t) {
        const uint32_t row = static_cast<uint32_t>(t);
        nn::Tensor one = kv.dims[0] == 1 ? kv.dev : nn::slice(kv.dev, {row, 0}, {row + 1, w}, kL1);
        nn::Tensor heads4 = nn::reshape(one, {1, 1, heads, width}, kL1);
        std::vector<uint32_t> host_index;
        if (!index) host_index.push_back(start_pos + row);
        nn::paged_update_cache(target, nn::interleaved_to_sharded(heads4, sharded), host_index, index, kPrecise);
    }
    c.written(cache);
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
    std::optional<nn::Tensor> pos;
    if (positionh != 0) {
        pos = position_i32(c, c.position(positionh));
        c.expect(q.dims[0] == 1, "a position tensor is supported for one token; got " + std::to_string(q.dims[0]));
    } else {
        c.expect(static_cast<int64_t>(start_pos) + q.dims[0] <= k.dims[0],
                 "positions exceed the cache's " + std::to_string(k.dims[0]) + " rows");
    }
    // SDPA decode reads K and V as BFLOAT16 (or block-float) [B, Hkv, S, D] in DRAM, S a multiple of 32.
    cache_heads(c, k, kv_heads);
    cache_heads(c, v, kv_heads);
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));
    const uint32_t width = static_cast<uint32_t>(q.dims[1]);
    // A prefill block runs the decode kernel once per token with its own causal limit: exact, and
    // cheap next to the block's matmuls.
    std::vector<nn::Tensor> rows;
    for (int64_t t = 0; t < q.dims[0]; ++t) {
        const uint32_t row = static_cast<uint32_t>(t);
        nn::Tensor qt = q.dims[0] == 1 ? q.dev : nn::slice(q.dev, {row, 0}, {row + 1, width}, kL1);
        // sdpa_decode_device_operation.cpp: Q is BF16/BFP8/BFP4 (FLOAT32 rejected; GQA wants BF16) and
        // height-sharded or DRAM interleaved (L1 interleaved rejected).
        nn::Tensor q4 = nn::reshape(nn::typecast(qt, DataType::BFLOAT16, kL1), {1, 1, heads, d}, kDram);
        nn::SdpaDecodeOptions options;
        options.scale = scale;
        options.memory = kL1;
        options.compute = kPrecise;
        if (pos) {
            options.cur_pos_tensor = pos;
        } else {
            options.cur_pos = {start_pos + row};
        }
        nn::Tensor o = nn::sdpa_decode(q4, k.dev, v.dev, options);  // [1, 1, H, D] BF16
        rows.push_back(nn::typecast(nn::reshape(o, {1, width}, kL1), float_dtype(out), kL1));
    }
    nn::Tensor all = rows.size() == 1 ? rows[0] : nn::concat(rows, 0, kL1);
    nn::copy(all, out.dev);
    c.written(out);
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
    nn::Tensor r = nn::relu(gate.dev, kL1);
    nn::Tensor r2 = nn::multiply(r, r, {.memory = kL1});
    nn::multiply(r2, up.dev, {.dtype = float_dtype(out), .memory = out.dev.memory(), .output = out.dev});
    c.written(out);
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
    nn::add(a.dev, b.dev, {.dtype = float_dtype(out), .memory = out.dev.memory(), .output = out.dev});
    c.written(out);
}

void embedding(Ctx& c, btt_tensor tableh, btt_tensor idsh, btt_tensor outh) {
    TensorRec& table = c.tensor(tableh, "table");
    TensorRec& ids = c.tensor(idsh, "ids");
    TensorRec& out = c.tensor(outh, "out");
    c.expect_2d(table, "table");
    c.expect_float(table, "table");
    c.expect_float(out, "out");
    c.expect(ids.dtype == BTT_DTYPE_UINT32 && ids.dims.size() == 1,
             "ids must be UINT32 [T], got " + std::string(dtype_name(ids.dtype)) + " " + shape_text(ids.dims));
    c.expect(out.dims == std::vector<int64_t>{ids.dims[0], table.dims[1]},
             "out " + shape_text(out.dims) + " must be [" + std::to_string(ids.dims[0]) + ", " +
                 std::to_string(table.dims[1]) + "]");
    const uint32_t tokens = static_cast<uint32_t>(ids.dims[0]), hidden = static_cast<uint32_t>(table.dims[1]);
    // embedding.cpp: a BF16 ROW_MAJOR table (FLOAT32 rejected, a TILE one re-laid out on every call);
    // ids whose padded width is a multiple of 32 take the tilized path (no layout conversion).
    nn::Tensor rows = nn::embedding(ids_padded(c, ids), table_rm(c, table),
                                    {.layout = Layout::TILE, .dtype = float_dtype(out), .memory = kL1});  // [1, Tpad, H]
    if (round_up32(tokens) != tokens) rows = nn::slice(rows, {0, 0, 0}, {1, tokens, hidden}, kL1);
    nn::copy(nn::reshape(rows, {tokens, hidden}, kL1), out.dev);
    c.written(out);
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
    nn::linear(x.dev, table.dev, {.transpose_b = true, .memory = logits.dev.memory(), .dtype = float_dtype(logits),
                                  .compute = kPrecise, .output = logits.dev});
    c.written(logits);
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
    // argmax_device_operation.cpp: a TILE input with the reduced dim given runs the single-core kernel
    // on the logical width; the output is UINT32 ROW_MAJOR, written straight into out.
    nn::argmax(logits.dev, -1, false, std::nullopt, out.dev);
    c.written(out);
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
    // topk_device_operation.cpp: TILE, BFLOAT16 or BFLOAT8_B input, so FLOAT32 logits are rounded first.
    auto [vals, idx] = nn::topk(nn::typecast(logits.dev, DataType::BFLOAT16, kL1), k, -1, true, true, kL1);
    nn::copy(nn::typecast(vals, float_dtype(values), kL1), values.dev);  // [1, k] TILE
    nn::Tensor rm = nn::to_layout(nn::typecast(idx, DataType::UINT32, kL1), Layout::ROW_MAJOR, kL1);  // [1, k]
    nn::copy(nn::reshape(rm, {k}, kL1), indices.dev);
    c.written(values);
    c.written(indices);
}

}  // namespace bttshim
