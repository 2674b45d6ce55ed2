// extern "C" implementation of bitnet_tt.h over TT-NN (see ../README.md for the tensor mapping).
// Every entry point runs inside guarded(), so no C++ exception crosses the C boundary.
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <set>
#include <sstream>
#include <unordered_set>

#include "bitnet_tt.h"
#include "handle_table.hpp"
#include "status.hpp"
#include "ttnn_adapter.hpp"

namespace bttshim {

std::string& last_error_slot() {
    thread_local std::string message;
    return message;
}

namespace {

/* One ABI tensor. The device tensor keeps the logical shape (rank 1 becomes [1, n]); see README. */
struct TensorRec {
    std::vector<int64_t> dims;
    uint32_t dtype = 0;
    uint32_t layout = 0;
    uint32_t memory = 0;
    uint64_t device_bytes = 0;
    nn::Tensor dev;
    // UINT32 [1] tensors (positions) also keep an INT32 copy, the index type paged_update_cache and
    // scaled_dot_product_attention_decode read; both are written by every upload.
    std::optional<nn::Tensor> position_i32;
    // 0: a KV cache still in its flat form [1, 1, S, Hkv*D]; otherwise [1, Hkv, S, D] (set by the
    // first btt_attention, the first call that knows Hkv).
    uint32_t kv_heads = 0;
    // A float table in the other layout, made once for ops that need it (embedding wants ROW_MAJOR
    // tables, matmul TILE ones) and rewritten in place by uploads (its address may be in a trace).
    std::optional<nn::Tensor> other_layout;
    uint32_t trace_pins = 0;
};

struct TraceRec {
    uint32_t id = 0;
    bool ended = false;
    uint64_t ops = 0;
    std::vector<btt_tensor> pinned;
};

}  // namespace
}  // namespace bttshim

struct btt_device {
    std::shared_ptr<bttshim::nn::Mesh> mesh;
    bttshim::HandleTable<bttshim::TensorRec> tensors;
    bttshim::HandleTable<bttshim::TraceRec> traces;
    uint64_t counters[BTT_COUNTER_COUNT] = {};
    std::optional<btt_trace> capturing;
    uint64_t capture_ops = 0;
    std::unordered_set<btt_tensor> capture_touched;
};

namespace bttshim {
namespace {

std::mutex& registry_mutex() {
    static std::mutex m;
    return m;
}

std::set<btt_device*>& registry() {
    static std::set<btt_device*> live;
    return live;
}

/* A device pointer this library opened and has not closed; a closed one gives BTT_ERR_CLOSED. */
btt_device& live(btt_device* device) {
    if (device == nullptr) fail(BTT_ERR_INVALID_ARGUMENT, "device is null");
    std::lock_guard<std::mutex> lock(registry_mutex());
    if (registry().count(device) == 0) fail(BTT_ERR_CLOSED, "device was closed or never opened");
    return *device;
}

std::string shape_text(const std::vector<int64_t>& dims) {
    std::ostringstream out;
    out << '[';
    for (std::size_t i = 0; i < dims.size(); ++i) out << (i ? ", " : "") << dims[i];
    out << ']';
    return out.str();
}

const char* dtype_name(uint32_t dtype) {
    switch (dtype) {
        case BTT_DTYPE_BFLOAT16: return "BFLOAT16";
        case BTT_DTYPE_FLOAT32: return "FLOAT32";
        case BTT_DTYPE_UINT32: return "UINT32";
        case BTT_DTYPE_BFLOAT8_B: return "BFLOAT8_B";
        case BTT_DTYPE_BFLOAT4_B: return "BFLOAT4_B";
        default: return "?";
    }
}

uint64_t elements(const std::vector<int64_t>& dims) {
    uint64_t n = 1;
    for (int64_t d : dims) n *= static_cast<uint64_t>(d);
    return n;
}

/* Bytes of the device representation: TILE pads the last two dims to 32; block floats carry one
 * shared exponent per 16 values (bfp8: 1088 B, bfp4: 576 B per 32x32 tile). */
uint64_t device_bytes(const std::vector<int64_t>& dims, uint32_t dtype, uint32_t layout) {
    uint64_t rows = dims.size() >= 2 ? static_cast<uint64_t>(dims[dims.size() - 2]) : 1;
    uint64_t cols = static_cast<uint64_t>(dims.back());
    uint64_t outer = 1;
    for (std::size_t i = 0; i + 2 < dims.size(); ++i) outer *= static_cast<uint64_t>(dims[i]);
    if (layout == BTT_LAYOUT_TILE) {
        uint64_t tiles = outer * ((rows + 31) / 32) * ((cols + 31) / 32);
        switch (dtype) {
            case BTT_DTYPE_BFLOAT8_B: return tiles * 1088;
            case BTT_DTYPE_BFLOAT4_B: return tiles * 576;
            case BTT_DTYPE_BFLOAT16: return tiles * 2048;
            default: return tiles * 4096;
        }
    }
    return outer * rows * cols * (dtype == BTT_DTYPE_BFLOAT16 ? 2 : 4);
}

std::vector<uint32_t> physical_shape(const std::vector<int64_t>& dims) {
    std::vector<uint32_t> shape;
    if (dims.size() == 1) shape.push_back(1);
    for (int64_t d : dims) shape.push_back(static_cast<uint32_t>(d));
    return shape;
}

int32_t i32(int64_t v) { return static_cast<int32_t>(v); }

/* Op context: looks handles up, remembers what a capture touches, counts enqueued TT-NN ops. */
class Ctx {
public:
    Ctx(btt_device* device, const char* op) : dev_(live(device)), op_(op) {}

    btt_device& dev() { return dev_; }
    nn::Mesh& mesh() { return *dev_.mesh; }
    bool capturing() const { return dev_.capturing.has_value(); }

    TensorRec& tensor(btt_tensor handle, const char* role) {
        TensorRec& rec = dev_.tensors.get(handle, (std::string(op_) + " " + role).c_str());
        if (capturing()) dev_.capture_touched.insert(handle);
        return rec;
    }

    template <typename T>
    T op(T&& value) {
        if (capturing()) {
            dev_.capture_ops += 1;
        } else {
            dev_.counters[BTT_COUNTER_OPS] += 1;
        }
        return std::forward<T>(value);
    }

    void op_void() { (void)op(0); }

    /* A one-time conversion may not be recorded into a trace: it would be replayed every step. */
    void forbid_in_capture(const std::string& what) {
        if (capturing()) {
            fail(BTT_ERR_STATE, std::string(op_) + ": " + what +
                                    " needs a one-time conversion; run the step once eagerly before capturing it");
        }
    }

    [[noreturn]] void bad(const std::string& message) { fail(BTT_ERR_INVALID_ARGUMENT, std::string(op_) + ": " + message); }

    void expect(bool ok, const std::string& message) {
        if (!ok) bad(message);
    }

    void expect_2d(const TensorRec& t, const char* role) {
        expect(t.dims.size() == 2, std::string(role) + " must be 2-D, got " + shape_text(t.dims));
    }

    void expect_float(const TensorRec& t, const char* role) {
        expect(t.dtype != BTT_DTYPE_UINT32, std::string(role) + " must be a float dtype, got UINT32");
    }

    /* The INT32 copy of a UINT32 [1] position tensor. */
    nn::Tensor position(btt_tensor handle) {
        TensorRec& p = tensor(handle, "position");
        expect(p.dtype == BTT_DTYPE_UINT32 && elements(p.dims) == 1 && p.position_i32.has_value(),
               "position must be UINT32 [1], got " + std::string(dtype_name(p.dtype)) + " " + shape_text(p.dims));
        return *p.position_i32;
    }

    nn::Tensor in_layout(TensorRec& t, uint32_t layout) {
        if (t.layout == layout) return t.dev;
        // Index tensors (ids, positions) are rewritten between replays or by ops (argmax), so they are
        // converted on every call: the conversion is then part of a captured trace and always fresh.
        if (t.dtype == BTT_DTYPE_UINT32) return op(nn::to_layout(t.dev, nn::layout(layout), nn::l1()));
        // Float tables (cos/sin, embedding, lm_head) are only written by uploads: converted once, and
        // refreshed in place by btt_tensor_upload so a trace that reads the copy stays valid.
        if (!t.other_layout) {
            forbid_in_capture("a tensor in the other layout");
            t.other_layout = op(nn::to_layout(t.dev, nn::layout(layout), nn::memory_config(t.memory)));
        }
        return *t.other_layout;
    }

private:
    btt_device& dev_;
    const char* op_;
};

std::optional<btt_tensor> position_handle(btt_tensor position) {
    return position == 0 ? std::nullopt : std::optional<btt_tensor>(position);
}

/* ---- the fused primitives ---- */

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
                 "weight " + std::to_string(i) + " must be BFLOAT4_B or BFLOAT8_B, got " + dtype_name(w.dtype));
        c.expect(w.dims[1] == in, "weight " + std::to_string(i) + " " + shape_text(w.dims) + " does not take x " +
                                      shape_text(x.dims));
        c.expect(o.dims == std::vector<int64_t>{tokens, w.dims[0]},
                 "out " + std::to_string(i) + " " + shape_text(o.dims) + " must be [" + std::to_string(tokens) + ", " +
                     std::to_string(w.dims[0]) + "]");
        c.expect_float(o, "out");
        c.expect(std::isfinite(scales[i]), "scale " + std::to_string(i) + " is not finite");
        ws.push_back(&w);
        os.push_back(&o);
    }
    // Per-token absmax int8 quantization, emulated with device ops in FP32; computed once for all n.
    nn::Tensor absmax = c.op(nn::max_last_dim(c.op(nn::abs(x.dev))));                   // [T, 1]
    absmax = c.op(nn::clamp(absmax, 1e-5f, FLT_MAX));
    nn::Tensor s = c.op(nn::multiply(c.op(nn::reciprocal(absmax)), 127.0f));             // 127 / absmax
    nn::Tensor q = c.op(nn::clamp(c.op(nn::round_half_even(c.op(nn::multiply(x.dev, s)))), -128.0f, 127.0f));
    // Integers |q| <= 128 are exact in bfloat16, the matmul's input format.
    nn::Tensor q16 = c.op(nn::typecast(q, ::ttnn::DataType::BFLOAT16));
    nn::Tensor inv_s = c.op(nn::multiply(absmax, 1.0f / 127.0f));
    for (uint32_t i = 0; i < n; ++i) {
        nn::Tensor acc = c.op(nn::linear_transpose_b(q16, ws[i]->dev, ::ttnn::DataType::FLOAT32));
        nn::Tensor factor = c.op(nn::multiply(inv_s, scales[i]));
        c.op(nn::multiply(acc, factor, std::optional<nn::Tensor>(os[i]->dev)));
    }
}

void rms_norm(Ctx& c, btt_tensor xh, btt_tensor wh, float eps, btt_tensor outh) {
    TensorRec& x = c.tensor(xh, "x");
    TensorRec& w = c.tensor(wh, "weight");
    TensorRec& out = c.tensor(outh, "out");
    c.expect_2d(x, "x");
    c.expect_float(x, "x");
    c.expect(w.dims == std::vector<int64_t>{x.dims[1]}, "weight " + shape_text(w.dims) + " must be [" +
                                                            std::to_string(x.dims[1]) + "]");
    c.expect(out.dims == x.dims, "out " + shape_text(out.dims) + " must match x " + shape_text(x.dims));
    c.expect(eps > 0.0f && std::isfinite(eps), "eps must be positive and finite");
    // TT-NN reads a ROW_MAJOR gamma as [1, 1, n/32, 32] sticks; a TILE gamma as its first row.
    nn::Tensor gamma = w.dev;
    if (w.layout == BTT_LAYOUT_ROW_MAJOR) {
        c.expect(w.dims[0] % 32 == 0, "a ROW_MAJOR weight needs a multiple of 32 elements, got " + shape_text(w.dims));
        gamma = c.op(nn::reshape(w.dev, {1, 1, i32(w.dims[0] / 32), 32}));
    }
    nn::Tensor y = c.op(nn::rms_norm(x.dev, gamma, eps));
    c.op_void();
    nn::copy_into(y, out.dev);
}

/* cos/sin rows for the T tokens, shaped [T, 1, D] to broadcast over the heads. */
nn::Tensor rotary_rows(Ctx& c, TensorRec& table, int64_t tokens, uint32_t start_pos, std::optional<btt_tensor> position) {
    const int32_t d = i32(table.dims[1]);
    if (position) {
        c.expect(tokens == 1, "a position tensor is supported for one token; got " + std::to_string(tokens) +
                                  " (pass start_pos for a block)");
        nn::Tensor ids = c.in_layout(c.tensor(*position, "position"), BTT_LAYOUT_ROW_MAJOR);  // UINT32 [1, 1]
        nn::Tensor rows = c.op(nn::embedding(ids, c.in_layout(table, BTT_LAYOUT_ROW_MAJOR), ::ttnn::DataType::FLOAT32));
        return c.op(nn::reshape(rows, {1, 1, d}, nn::l1()));
    }
    c.expect(static_cast<int64_t>(start_pos) + tokens <= table.dims[0],
             "positions " + std::to_string(start_pos) + ".." + std::to_string(start_pos + tokens - 1) +
                 " exceed the table's " + std::to_string(table.dims[0]) + " rows");
    nn::Tensor rows = c.op(nn::slice(table.dev, {i32(start_pos), 0}, {i32(start_pos + tokens), d}));
    return c.op(nn::reshape(rows, {i32(tokens), 1, d}, nn::l1()));
}

void rotary(Ctx& c, btt_tensor xh, uint32_t heads, btt_tensor cosh, btt_tensor sinh, uint32_t start_pos,
            btt_tensor position) {
    TensorRec& x = c.tensor(xh, "x");
    TensorRec& cs = c.tensor(cosh, "cos");
    TensorRec& sn = c.tensor(sinh, "sin");
    c.expect_2d(x, "x");
    c.expect_float(x, "x");
    c.expect_2d(cs, "cos");
    c.expect(sn.dims == cs.dims, "sin " + shape_text(sn.dims) + " must match cos " + shape_text(cs.dims));
    c.expect(heads > 0 && x.dims[1] == static_cast<int64_t>(heads) * cs.dims[1],
             "x " + shape_text(x.dims) + " is not " + std::to_string(heads) + " heads of the tables' D=" +
                 std::to_string(cs.dims[1]));
    c.expect(cs.dims[1] % 2 == 0, "D must be even, got " + std::to_string(cs.dims[1]));
    if (position != 0) c.position(position);  // validates dtype and shape
    const int32_t t = i32(x.dims[0]), h = i32(heads), d = i32(cs.dims[1]);
    nn::Tensor cos_rows = rotary_rows(c, cs, x.dims[0], start_pos, position_handle(position));
    nn::Tensor sin_rows = rotary_rows(c, sn, x.dims[0], start_pos, position_handle(position));
    // Hugging Face rotate_half pairs dim i with i + D/2 inside each head, which the fused
    // rotary_embedding_llama (adjacent pairs within a 32-wide tile) cannot express; so the rotation
    // is composed from exact data movement (slice, neg, concat) and FP32 multiply/add.
    nn::Tensor x3 = c.op(nn::reshape(x.dev, {t, h, d}, nn::l1()));
    nn::Tensor first = c.op(nn::slice(x3, {0, 0, 0}, {t, h, d / 2}));
    nn::Tensor second = c.op(nn::slice(x3, {0, 0, d / 2}, {t, h, d}));
    nn::Tensor rotated = c.op(nn::concat({c.op(nn::neg(second)), first}, -1));
    nn::Tensor y = c.op(nn::add(c.op(nn::multiply(x3, cos_rows)), c.op(nn::multiply(rotated, sin_rows))));
    nn::Tensor y2 = c.op(nn::reshape(y, {t, h * d}));
    c.op_void();
    nn::copy_into(y2, x.dev);
}

/* The cache as TT-NN sees it: [1, 1, S, W] until btt_attention fixes the heads, then [1, Hkv, S, D]. */
nn::Tensor cache_view(TensorRec& cache) {
    if (cache.kv_heads != 0) return cache.dev;
    return nn::reshape(cache.dev, {1, 1, i32(cache.dims[0]), i32(cache.dims[1])});
}

void kv_cache_update(Ctx& c, btt_tensor cacheh, btt_tensor kvh, uint32_t start_pos, btt_tensor position) {
    TensorRec& cache = c.tensor(cacheh, "cache");
    TensorRec& kv = c.tensor(kvh, "kv");
    c.expect_2d(cache, "cache");
    c.expect_2d(kv, "kv");
    c.expect(kv.dims[1] == cache.dims[1], "kv " + shape_text(kv.dims) + " and cache " + shape_text(cache.dims) +
                                              " differ in width");
    std::optional<nn::Tensor> pos;
    if (position != 0) {
        pos = c.position(position);
        c.expect(kv.dims[0] == 1, "a position tensor is supported for one token; got " + std::to_string(kv.dims[0]));
    } else {
        c.expect(static_cast<int64_t>(start_pos) + kv.dims[0] <= cache.dims[0],
                 "rows " + std::to_string(start_pos) + ".." + std::to_string(start_pos + kv.dims[0] - 1) +
                     " exceed the cache's " + std::to_string(cache.dims[0]));
    }
    const uint32_t heads = cache.kv_heads == 0 ? 1 : cache.kv_heads;
    const int32_t width = i32(cache.dims[1]) / i32(heads);
    nn::Tensor target = c.op(cache_view(cache));
    for (int64_t t = 0; t < kv.dims[0]; ++t) {
        nn::Tensor row = kv.dims[0] == 1 ? kv.dev : c.op(nn::slice(kv.dev, {i32(t), 0}, {i32(t + 1), i32(kv.dims[1])}));
        nn::Tensor heads4 = c.op(nn::reshape(row, {1, 1, i32(heads), width}, nn::l1()));
        nn::Tensor sharded = c.op(nn::height_sharded_one_core(heads4, 32, static_cast<uint32_t>(width)));
        c.op_void();
        nn::paged_update_cache(target, sharded, pos, start_pos + static_cast<uint32_t>(t));
    }
}

/* One-time move of a flat cache into [1, Hkv, S, D], the layout scaled_dot_product_attention_decode reads. */
void split_cache_heads(Ctx& c, TensorRec& cache, uint32_t kv_heads) {
    if (cache.kv_heads == kv_heads) return;
    c.expect(cache.kv_heads == 0, "cache already split into " + std::to_string(cache.kv_heads) + " heads, called with " +
                                      std::to_string(kv_heads));
    c.forbid_in_capture("splitting the KV cache into heads");
    const int32_t s = i32(cache.dims[0]), hkv = i32(kv_heads), d = i32(cache.dims[1]) / hkv;
    ::ttnn::MemoryConfig placement = nn::memory_config(cache.memory);
    nn::Tensor split = c.op(nn::reshape(cache.dev, {s, hkv, d}, placement));
    nn::Tensor headed = c.op(nn::permute(split, {1, 0, 2}, placement));
    nn::Tensor four = c.op(nn::reshape(headed, {1, hkv, s, d}, placement));
    nn::Tensor fresh = nn::allocate(c.mesh(), {1, static_cast<uint32_t>(hkv), static_cast<uint32_t>(s), static_cast<uint32_t>(d)},
                                    nn::data_type(cache.dtype), ::ttnn::Layout::TILE, placement);
    c.op_void();
    nn::copy_into(four, fresh);
    nn::deallocate(cache.dev);
    cache.dev = fresh;
    cache.kv_heads = kv_heads;
    cache.layout = BTT_LAYOUT_TILE;
}

void attention(Ctx& c, btt_tensor qh, btt_tensor kh, btt_tensor vh, uint32_t start_pos, btt_tensor position,
               uint32_t heads, uint32_t kv_heads, btt_tensor outh) {
    TensorRec& q = c.tensor(qh, "q");
    TensorRec& k = c.tensor(kh, "k_cache");
    TensorRec& v = c.tensor(vh, "v_cache");
    TensorRec& out = c.tensor(outh, "out");
    c.expect_2d(q, "q");
    c.expect_2d(k, "k_cache");
    c.expect(v.dims == k.dims, "v_cache " + shape_text(v.dims) + " must match k_cache " + shape_text(k.dims));
    c.expect(out.dims == q.dims, "out " + shape_text(out.dims) + " must match q " + shape_text(q.dims));
    c.expect(heads > 0 && kv_heads > 0 && heads % kv_heads == 0,
             "heads " + std::to_string(heads) + " must be a positive multiple of kv_heads " + std::to_string(kv_heads));
    c.expect(q.dims[1] % heads == 0, "q " + shape_text(q.dims) + " is not " + std::to_string(heads) + " heads");
    const int64_t d = q.dims[1] / heads;
    c.expect(k.dims[1] == static_cast<int64_t>(kv_heads) * d,
             "k_cache " + shape_text(k.dims) + " is not " + std::to_string(kv_heads) + " heads of D=" + std::to_string(d));
    std::optional<nn::Tensor> pos;
    if (position != 0) {
        pos = c.position(position);
        c.expect(q.dims[0] == 1, "a position tensor is supported for one token; got " + std::to_string(q.dims[0]));
    } else {
        c.expect(static_cast<int64_t>(start_pos) + q.dims[0] <= k.dims[0],
                 "positions exceed the cache's " + std::to_string(k.dims[0]) + " rows");
    }
    split_cache_heads(c, k, kv_heads);
    split_cache_heads(c, v, kv_heads);
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));
    // A prefill block runs the decode kernel once per token with its own causal limit: exact, and
    // cheap next to the block's matmuls.
    std::vector<nn::Tensor> rows;
    for (int64_t t = 0; t < q.dims[0]; ++t) {
        nn::Tensor qt = q.dims[0] == 1 ? q.dev : c.op(nn::slice(q.dev, {i32(t), 0}, {i32(t + 1), i32(q.dims[1])}));
        nn::Tensor q4 = c.op(nn::reshape(qt, {1, 1, i32(heads), i32(d)}, nn::l1()));
        nn::Tensor o = c.op(nn::sdpa_decode(q4, k.dev, v.dev, pos, start_pos + static_cast<uint32_t>(t), scale));
        rows.push_back(c.op(nn::reshape(o, {1, i32(q.dims[1])}, nn::l1())));
    }
    nn::Tensor all = rows.size() == 1 ? rows[0] : c.op(nn::concat(rows, 0));
    c.op_void();
    nn::copy_into(all, out.dev);
}

void relu2_gate(Ctx& c, btt_tensor gateh, btt_tensor uph, btt_tensor outh) {
    TensorRec& gate = c.tensor(gateh, "gate");
    TensorRec& up = c.tensor(uph, "up");
    TensorRec& out = c.tensor(outh, "out");
    c.expect(up.dims == gate.dims && out.dims == gate.dims, "gate " + shape_text(gate.dims) + ", up " +
                                                               shape_text(up.dims) + " and out " + shape_text(out.dims) +
                                                               " must have one shape");
    c.expect_float(gate, "gate");
    nn::Tensor r = c.op(nn::relu(gate.dev));
    nn::Tensor r2 = c.op(nn::multiply(r, r));
    c.op(nn::multiply(r2, up.dev, std::optional<nn::Tensor>(out.dev)));
}

void add(Ctx& c, btt_tensor ah, btt_tensor bh, btt_tensor outh) {
    TensorRec& a = c.tensor(ah, "a");
    TensorRec& b = c.tensor(bh, "b");
    TensorRec& out = c.tensor(outh, "out");
    c.expect(b.dims == a.dims && out.dims == a.dims, "a " + shape_text(a.dims) + ", b " + shape_text(b.dims) +
                                                         " and out " + shape_text(out.dims) + " must have one shape");
    c.expect_float(a, "a");
    c.op(nn::add(a.dev, b.dev, std::optional<nn::Tensor>(out.dev)));
}

void embedding(Ctx& c, btt_tensor tableh, btt_tensor idsh, btt_tensor outh) {
    TensorRec& table = c.tensor(tableh, "table");
    TensorRec& ids = c.tensor(idsh, "ids");
    TensorRec& out = c.tensor(outh, "out");
    c.expect_2d(table, "table");
    c.expect(ids.dtype == BTT_DTYPE_UINT32 && ids.dims.size() == 1,
             "ids must be UINT32 [T], got " + std::string(dtype_name(ids.dtype)) + " " + shape_text(ids.dims));
    c.expect(out.dims == std::vector<int64_t>{ids.dims[0], table.dims[1]},
             "out " + shape_text(out.dims) + " must be [" + std::to_string(ids.dims[0]) + ", " +
                 std::to_string(table.dims[1]) + "]");
    // Id values are not range-checked: that would need a read back (a barrier) on every call.
    nn::Tensor rows = c.op(nn::embedding(c.in_layout(ids, BTT_LAYOUT_ROW_MAJOR), c.in_layout(table, BTT_LAYOUT_ROW_MAJOR),
                                         nn::data_type(out.dtype)));
    nn::Tensor flat = c.op(nn::reshape(rows, {i32(ids.dims[0]), i32(table.dims[1])}));
    c.op_void();
    nn::copy_into(flat, out.dev);
}

void output_projection(Ctx& c, btt_tensor xh, btt_tensor tableh, btt_tensor logitsh) {
    TensorRec& x = c.tensor(xh, "x");
    TensorRec& table = c.tensor(tableh, "table");
    TensorRec& logits = c.tensor(logitsh, "logits");
    c.expect_2d(x, "x");
    c.expect_2d(table, "table");
    c.expect(table.dims[1] == x.dims[1], "table " + shape_text(table.dims) + " does not take x " + shape_text(x.dims));
    c.expect(logits.dims == std::vector<int64_t>{x.dims[0], table.dims[0]},
             "logits " + shape_text(logits.dims) + " must be [" + std::to_string(x.dims[0]) + ", " +
                 std::to_string(table.dims[0]) + "]");
    nn::Tensor y = c.op(nn::linear_transpose_b(x.dev, c.in_layout(table, BTT_LAYOUT_TILE), nn::data_type(logits.dtype)));
    c.op_void();
    nn::copy_into(y, logits.dev);
}

void argmax(Ctx& c, btt_tensor logitsh, btt_tensor outh) {
    TensorRec& logits = c.tensor(logitsh, "logits");
    TensorRec& out = c.tensor(outh, "out");
    c.expect_2d(logits, "logits");
    c.expect(out.dtype == BTT_DTYPE_UINT32 && out.dims == std::vector<int64_t>{logits.dims[0]},
             "out must be UINT32 [" + std::to_string(logits.dims[0]) + "], got " + dtype_name(out.dtype) + " " +
                 shape_text(out.dims));
    nn::Tensor rm = logits.layout == BTT_LAYOUT_ROW_MAJOR ? logits.dev
                                                          : c.op(nn::to_layout(logits.dev, ::ttnn::Layout::ROW_MAJOR, nn::l1()));
    nn::Tensor idx = c.op(nn::argmax_last_dim(rm));
    nn::Tensor shaped = c.op(nn::reshape(idx, {1, i32(logits.dims[0])}));
    c.op_void();
    nn::copy_into(shaped, out.dev);
}

void topk(Ctx& c, btt_tensor logitsh, uint32_t k, btt_tensor valuesh, btt_tensor indicesh) {
    TensorRec& logits = c.tensor(logitsh, "logits");
    TensorRec& values = c.tensor(valuesh, "values");
    TensorRec& indices = c.tensor(indicesh, "indices");
    c.expect(logits.dims.size() == 2 && logits.dims[0] == 1, "logits must be [1, V], got " + shape_text(logits.dims));
    c.expect(k >= 1 && k <= logits.dims[1], "k must be in 1.." + std::to_string(logits.dims[1]) + ", got " + std::to_string(k));
    c.expect(values.dims == std::vector<int64_t>{k}, "values must be [" + std::to_string(k) + "], got " + shape_text(values.dims));
    c.expect(indices.dtype == BTT_DTYPE_UINT32 && indices.dims == std::vector<int64_t>{k},
             "indices must be UINT32 [" + std::to_string(k) + "], got " + dtype_name(indices.dtype) + " " + shape_text(indices.dims));
    // TT-NN's topk reads bfloat16 tiles, so F32 logits are rounded first (see README: numerics).
    nn::Tensor input = c.op(nn::typecast(c.in_layout(logits, BTT_LAYOUT_TILE), ::ttnn::DataType::BFLOAT16));
    auto [vals, idx] = c.op(nn::topk_last_dim(input, k));
    nn::Tensor v = c.op(nn::typecast(vals, nn::data_type(values.dtype)));
    nn::Tensor i = c.op(nn::typecast(idx, ::ttnn::DataType::UINT32));
    c.op_void();
    nn::copy_into(c.op(nn::to_layout(v, nn::layout(values.layout), nn::l1())), values.dev);
    c.op_void();
    nn::copy_into(c.op(nn::to_layout(i, nn::layout(indices.layout), nn::l1())), indices.dev);
}

void release_everything(btt_device& dev) {
    dev.traces.for_each([&](TraceRec& trace) {
        if (trace.ended) nn::release_trace(*dev.mesh, trace.id);
    });
    dev.traces.clear();
    dev.tensors.for_each([&](TensorRec& t) {
        nn::deallocate(t.dev);
        if (t.position_i32) nn::deallocate(*t.position_i32);
        if (t.other_layout) nn::deallocate(*t.other_layout);
    });
    dev.tensors.clear();
}

void gauge(btt_device& dev, const TensorRec& t, bool add) {
    int idx = t.memory == BTT_MEMORY_DRAM ? BTT_COUNTER_DRAM_BYTES_IN_USE : BTT_COUNTER_L1_BYTES_IN_USE;
    if (add) {
        dev.counters[idx] += t.device_bytes;
    } else {
        dev.counters[idx] -= std::min(dev.counters[idx], t.device_bytes);
    }
}

}  // namespace
}  // namespace bttshim

using namespace bttshim;

extern "C" {

int32_t btt_abi_version(void) { return BTT_ABI_VERSION; }

const char* btt_implementation(void) { return "ttnn"; }

const char* btt_last_error(void) { return last_error_slot().c_str(); }

btt_status btt_device_count(int32_t* count) {
    return guarded("btt_device_count", [&] {
        require(count != nullptr, "count is null");
        *count = nn::device_count();
    });
}

btt_status btt_device_open(const btt_device_config* config, btt_device** out) {
    return guarded("btt_device_open", [&] {
        require(config != nullptr && out != nullptr, "config and out must not be null");
        require(config->struct_size >= offsetof(btt_device_config, dram_bytes),
                "config->struct_size " + std::to_string(config->struct_size) + " is too small");
        require(config->device_id >= 0, "device_id must be >= 0, got " + std::to_string(config->device_id));
        // Defaults chosen here, not TT-NN's: a trace region is needed for btt_trace_*, and the decode
        // step of a 2B model records a few thousand commands.
        const std::size_t l1_small = config->l1_small_size ? config->l1_small_size : 32 * 1024;
        const std::size_t trace_region = config->trace_region_size ? config->trace_region_size : 64ull << 20;
        auto dev = std::make_unique<btt_device>();
        dev->mesh = nn::open_device(config->device_id, l1_small, trace_region);
        btt_device* raw = dev.release();
        std::lock_guard<std::mutex> lock(registry_mutex());
        registry().insert(raw);
        *out = raw;
    });
}

btt_status btt_device_close(btt_device* device) {
    return guarded("btt_device_close", [&] {
        btt_device& dev = live(device);
        {
            std::lock_guard<std::mutex> lock(registry_mutex());
            registry().erase(device);
        }
        std::unique_ptr<btt_device> owned(device);
        if (dev.capturing) {
            TraceRec& open_trace = dev.traces.get(*dev.capturing, "trace");
            nn::end_trace(*dev.mesh, open_trace.id);
            open_trace.ended = true;
            dev.capturing.reset();
        }
        release_everything(dev);
        nn::close_device(*dev.mesh);
    });
}

btt_status btt_device_info_get(btt_device* device, btt_device_info* out) {
    return guarded("btt_device_info_get", [&] {
        btt_device& dev = live(device);
        require(out != nullptr, "out is null");
        std::memset(out, 0, sizeof(*out));
        std::string arch = nn::arch_name(*dev.mesh);
        std::strncpy(out->arch, arch.c_str(), sizeof(out->arch) - 1);
        out->cores = nn::worker_cores(*dev.mesh);
        out->dram_bytes = nn::dram_bytes(*dev.mesh);
        out->l1_bytes_per_core = nn::l1_bytes_per_core(*dev.mesh);
    });
}

btt_status btt_synchronize(btt_device* device) {
    return guarded("btt_synchronize", [&] {
        btt_device& dev = live(device);
        if (dev.capturing) fail(BTT_ERR_STATE, "cannot synchronize while a trace is being captured");
        nn::synchronize(*dev.mesh);
    });
}

btt_status btt_counters_read(btt_device* device, uint64_t* values, uint32_t count) {
    return guarded("btt_counters_read", [&] {
        btt_device& dev = live(device);
        require(values != nullptr, "values is null");
        require(count <= BTT_COUNTER_COUNT, "count " + std::to_string(count) + " exceeds BTT_COUNTER_COUNT");
        for (uint32_t i = 0; i < count; ++i) values[i] = dev.counters[i];
    });
}

btt_status btt_counters_reset(btt_device* device) {
    return guarded("btt_counters_reset", [&] {
        btt_device& dev = live(device);
        for (int i = 0; i < BTT_COUNTER_COUNT; ++i) {
            if (i != BTT_COUNTER_DRAM_BYTES_IN_USE && i != BTT_COUNTER_L1_BYTES_IN_USE) dev.counters[i] = 0;
        }
    });
}

btt_status btt_tensor_allocate(btt_device* device, uint32_t dtype, uint32_t layout, uint32_t memory, uint32_t rank,
                               const int64_t* dims, btt_tensor* out) {
    return guarded("btt_tensor_allocate", [&] {
        btt_device& dev = live(device);
        require(dims != nullptr && out != nullptr, "dims and out must not be null");
        require(rank >= 1 && rank <= 4, "rank must be 1..4, got " + std::to_string(rank));
        if (dev.capturing) fail(BTT_ERR_STATE, "allocation while a trace is being captured");
        auto rec = std::make_unique<TensorRec>();
        rec->dims.assign(dims, dims + rank);
        for (int64_t d : rec->dims) {
            require(d >= 1 && d <= (int64_t{1} << 31), "dims " + shape_text(rec->dims) + " must be in 1..2^31");
        }
        rec->dtype = dtype;
        rec->layout = layout;
        rec->memory = memory;
        ::ttnn::DataType tdtype = nn::data_type(dtype);
        ::ttnn::Layout tlayout = nn::layout(layout);
        ::ttnn::MemoryConfig placement = nn::memory_config(memory);
        require(!((dtype == BTT_DTYPE_BFLOAT8_B || dtype == BTT_DTYPE_BFLOAT4_B) && layout != BTT_LAYOUT_TILE),
                std::string(dtype_name(dtype)) + " needs TILE layout");
        rec->device_bytes = device_bytes(rec->dims, dtype, layout);
        rec->dev = nn::allocate(*dev.mesh, physical_shape(rec->dims), tdtype, tlayout, placement);
        if (dtype == BTT_DTYPE_UINT32 && elements(rec->dims) == 1) {
            rec->position_i32 = nn::allocate(*dev.mesh, {1, 1}, ::ttnn::DataType::INT32, ::ttnn::Layout::ROW_MAJOR,
                                             ::ttnn::DRAM_MEMORY_CONFIG);
        }
        dev.counters[BTT_COUNTER_ALLOCATIONS] += 1;
        gauge(dev, *rec, true);
        *out = dev.tensors.insert(std::move(rec));
    });
}

btt_status btt_tensor_upload(btt_device* device, btt_tensor tensor, const void* host, uint64_t bytes) {
    return guarded("btt_tensor_upload", [&] {
        btt_device& dev = live(device);
        TensorRec& t = dev.tensors.get(tensor, "btt_tensor_upload tensor");
        require(host != nullptr, "host is null");
        if (dev.capturing) fail(BTT_ERR_STATE, "upload while a trace is being captured");
        const uint64_t n = elements(t.dims);
        require(bytes == n * 4, "tensor " + shape_text(t.dims) + " needs " + std::to_string(n * 4) + " bytes, got " +
                                    std::to_string(bytes));
        if (t.kv_heads != 0) {
            fail(BTT_ERR_UNSUPPORTED, "upload into a KV cache already split into heads (after btt_attention)");
        }
        if (t.dtype == BTT_DTYPE_UINT32) {
            const uint32_t* data = static_cast<const uint32_t*>(host);
            nn::write_u32(t.dev, data, n);
            if (t.position_i32) {
                require(data[0] <= INT32_MAX, "position " + std::to_string(data[0]) + " exceeds INT32_MAX");
                int32_t p = static_cast<int32_t>(data[0]);
                nn::write_i32(*t.position_i32, &p, 1);
            }
        } else {
            const float* data = static_cast<const float*>(host);
            nn::write_f32(t.dev, data, n);
        }
        if (t.other_layout) {
            nn::Tensor converted = nn::to_layout(t.dev, nn::layout(1 - t.layout), nn::memory_config(t.memory));
            nn::copy_into(converted, *t.other_layout);
        }
        dev.counters[BTT_COUNTER_HOST_TO_DEVICE_BYTES] += t.device_bytes;
    });
}

btt_status btt_tensor_download(btt_device* device, btt_tensor tensor, void* host, uint64_t bytes) {
    return guarded("btt_tensor_download", [&] {
        btt_device& dev = live(device);
        TensorRec& t = dev.tensors.get(tensor, "btt_tensor_download tensor");
        require(host != nullptr, "host is null");
        if (dev.capturing) fail(BTT_ERR_STATE, "download while a trace is being captured");
        const uint64_t n = elements(t.dims);
        require(bytes == n * 4, "tensor " + shape_text(t.dims) + " needs " + std::to_string(n * 4) + " bytes, got " +
                                    std::to_string(bytes));
        if (t.dtype == BTT_DTYPE_UINT32) {
            std::vector<uint32_t> v = nn::read_u32(t.dev);
            require(v.size() == n, "device returned " + std::to_string(v.size()) + " elements");
            std::memcpy(host, v.data(), bytes);
        } else {
            std::vector<float> v = nn::read_f32(t.dev);
            require(v.size() == n, "device returned " + std::to_string(v.size()) + " elements");
            float* dst = static_cast<float*>(host);
            if (t.kv_heads == 0) {
                std::memcpy(dst, v.data(), bytes);
            } else {
                // [Hkv, S, D] on the device back to the logical [S, Hkv * D].
                const uint64_t s = t.dims[0], hkv = t.kv_heads, d = t.dims[1] / hkv;
                for (uint64_t h = 0; h < hkv; ++h)
                    for (uint64_t r = 0; r < s; ++r)
                        std::memcpy(dst + r * hkv * d + h * d, v.data() + (h * s + r) * d, d * sizeof(float));
            }
        }
        dev.counters[BTT_COUNTER_DEVICE_TO_HOST_BYTES] += t.device_bytes;
    });
}

btt_status btt_tensor_deallocate(btt_device* device, btt_tensor tensor) {
    return guarded("btt_tensor_deallocate", [&] {
        btt_device& dev = live(device);
        TensorRec& t = dev.tensors.get(tensor, "btt_tensor_deallocate tensor");
        if (dev.capturing) fail(BTT_ERR_STATE, "deallocation while a trace is being captured");
        if (t.trace_pins > 0) {
            fail(BTT_ERR_STATE, "tensor " + std::to_string(tensor) + " is used by " + std::to_string(t.trace_pins) +
                                    " live trace(s); release them first");
        }
        std::unique_ptr<TensorRec> rec = dev.tensors.erase(tensor, "btt_tensor_deallocate tensor");
        nn::deallocate(rec->dev);
        if (rec->position_i32) nn::deallocate(*rec->position_i32);
        if (rec->other_layout) nn::deallocate(*rec->other_layout);
        dev.counters[BTT_COUNTER_DEALLOCATIONS] += 1;
        gauge(dev, *rec, false);
    });
}

btt_status btt_ternary_linear(btt_device* device, btt_tensor x, uint32_t n, const btt_tensor* weights,
                              const float* scales, const btt_tensor* outs) {
    return guarded("btt_ternary_linear", [&] {
        Ctx c(device, "btt_ternary_linear");
        ternary_linear(c, x, n, weights, scales, outs);
    });
}

btt_status btt_rms_norm(btt_device* device, btt_tensor x, btt_tensor weight, float eps, btt_tensor out) {
    return guarded("btt_rms_norm", [&] {
        Ctx c(device, "btt_rms_norm");
        rms_norm(c, x, weight, eps, out);
    });
}

btt_status btt_rotary(btt_device* device, btt_tensor x, uint32_t heads, btt_tensor cos, btt_tensor sin,
                      uint32_t start_pos, btt_tensor position) {
    return guarded("btt_rotary", [&] {
        Ctx c(device, "btt_rotary");
        rotary(c, x, heads, cos, sin, start_pos, position);
    });
}

btt_status btt_kv_cache_update(btt_device* device, btt_tensor cache, btt_tensor kv, uint32_t start_pos,
                               btt_tensor position) {
    return guarded("btt_kv_cache_update", [&] {
        Ctx c(device, "btt_kv_cache_update");
        kv_cache_update(c, cache, kv, start_pos, position);
    });
}

btt_status btt_attention(btt_device* device, btt_tensor q, btt_tensor k_cache, btt_tensor v_cache, uint32_t start_pos,
                         btt_tensor position, uint32_t heads, uint32_t kv_heads, btt_tensor out) {
    return guarded("btt_attention", [&] {
        Ctx c(device, "btt_attention");
        attention(c, q, k_cache, v_cache, start_pos, position, heads, kv_heads, out);
    });
}

btt_status btt_relu2_gate(btt_device* device, btt_tensor gate, btt_tensor up, btt_tensor out) {
    return guarded("btt_relu2_gate", [&] {
        Ctx c(device, "btt_relu2_gate");
        relu2_gate(c, gate, up, out);
    });
}

btt_status btt_add(btt_device* device, btt_tensor a, btt_tensor b, btt_tensor out) {
    return guarded("btt_add", [&] {
        Ctx c(device, "btt_add");
        add(c, a, b, out);
    });
}

btt_status btt_embedding(btt_device* device, btt_tensor table, btt_tensor ids, btt_tensor out) {
    return guarded("btt_embedding", [&] {
        Ctx c(device, "btt_embedding");
        embedding(c, table, ids, out);
    });
}

btt_status btt_output_projection(btt_device* device, btt_tensor x, btt_tensor table, btt_tensor logits) {
    return guarded("btt_output_projection", [&] {
        Ctx c(device, "btt_output_projection");
        output_projection(c, x, table, logits);
    });
}

btt_status btt_argmax(btt_device* device, btt_tensor logits, btt_tensor out) {
    return guarded("btt_argmax", [&] {
        Ctx c(device, "btt_argmax");
        argmax(c, logits, out);
    });
}

btt_status btt_topk(btt_device* device, btt_tensor logits, uint32_t k, btt_tensor values, btt_tensor indices) {
    return guarded("btt_topk", [&] {
        Ctx c(device, "btt_topk");
        topk(c, logits, k, values, indices);
    });
}

btt_status btt_trace_begin(btt_device* device, btt_trace* out) {
    return guarded("btt_trace_begin", [&] {
        btt_device& dev = live(device);
        require(out != nullptr, "out is null");
        if (dev.capturing) fail(BTT_ERR_STATE, "a trace is already being captured");
        auto rec = std::make_unique<TraceRec>();
        rec->id = nn::begin_trace(*dev.mesh);
        btt_trace handle = dev.traces.insert(std::move(rec));
        dev.capturing = handle;
        dev.capture_ops = 0;
        dev.capture_touched.clear();
        *out = handle;
    });
}

btt_status btt_trace_end(btt_device* device, btt_trace trace) {
    return guarded("btt_trace_end", [&] {
        btt_device& dev = live(device);
        TraceRec& rec = dev.traces.get(trace, "btt_trace_end trace");
        if (!dev.capturing || *dev.capturing != trace) fail(BTT_ERR_STATE, "trace_end without a matching trace_begin");
        nn::end_trace(*dev.mesh, rec.id);
        rec.ended = true;
        rec.ops = dev.capture_ops;
        // The trace replays fixed buffer addresses: the tensors it touched stay allocated while it lives.
        for (btt_tensor h : dev.capture_touched) {
            if (TensorRec* t = dev.tensors.find(h)) {
                t->trace_pins += 1;
                rec.pinned.push_back(h);
            }
        }
        dev.capturing.reset();
        dev.capture_touched.clear();
        dev.counters[BTT_COUNTER_TRACE_CAPTURES] += 1;
    });
}

btt_status btt_trace_execute(btt_device* device, btt_trace trace, int32_t blocking) {
    return guarded("btt_trace_execute", [&] {
        btt_device& dev = live(device);
        TraceRec& rec = dev.traces.get(trace, "btt_trace_execute trace");
        if (dev.capturing) fail(BTT_ERR_STATE, "trace_execute while a trace is being captured");
        if (!rec.ended) fail(BTT_ERR_STATE, "trace was not ended");
        nn::execute_trace(*dev.mesh, rec.id, blocking != 0);
        dev.counters[BTT_COUNTER_TRACE_REPLAYS] += 1;
        dev.counters[BTT_COUNTER_OPS] += rec.ops;
    });
}

btt_status btt_trace_release(btt_device* device, btt_trace trace) {
    return guarded("btt_trace_release", [&] {
        btt_device& dev = live(device);
        TraceRec& rec = dev.traces.get(trace, "btt_trace_release trace");
        if (dev.capturing && *dev.capturing == trace) fail(BTT_ERR_STATE, "trace is still being captured");
        nn::release_trace(*dev.mesh, rec.id);
        for (btt_tensor h : rec.pinned) {
            if (TensorRec* t = dev.tensors.find(h)) t->trace_pins -= 1;
        }
        dev.traces.erase(trace, "btt_trace_release trace");
    });
}

}  // extern "C"
