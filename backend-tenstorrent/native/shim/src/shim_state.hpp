// The shim's state: the ABI tensors and traces of a device, where each tensor's value lives on the
// device, and the context one ABI call runs in. Nothing here knows TT-NN; device work goes through
// ttnn_adapter.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bitnet_tt.h"
#include "handle_table.hpp"
#include "status.hpp"
#include "ttnn_adapter.hpp"

namespace bttshim {

/* Compute fidelity and the KV cache format: tt_transformers' performance mode or its accuracy mode. */
enum class Mode { Performance, Accuracy };

struct QkvGroup;

/*
 * Where an ABI tensor's value lives. The logical value (the ABI's [rows, cols]) is the stored one times
 * `scale`, times `dyn` (a per-row device factor) `dyn_power` times:
 *   - Plain: `t` is the tensor's own buffer in its ABI shape, dtype, layout and placement;
 *   - Rows: `t` is [1, 1, 32, cols], the decode step's 32 rows (row 0 is the token, rows 1..31 pad
 *     the tile the way tt_transformers' batch does), in whatever placement the producing op gave it;
 *   - Heads: `t` is [1, 1, heads, head_dim] height-sharded, the token's heads as rows;
 *   - Member: one of the outputs of a fused QKV matmul (group), not yet split into heads.
 *   A ROW_MAJOR Rows tensor may be wider than cols (the decode step's top-k: k rounded up to the tile); its
 *   first cols elements are the value, read back alone. UINT32 tensors take that form only (top-k indices).
 * Static scales are weight scales the shim folds into later ops (eps of a norm, the SDPA scale, the
 * residual add); `dyn` is the per-token absmax of an activation quantization, applied by the op that
 * consumes the matmul's output.
 */
struct Value {
    enum class Kind { Plain, Rows, Heads, Member };
    Kind kind = Kind::Plain;
    nn::Tensor t;
    float scale = 1.0f;
    std::optional<nn::Tensor> dyn;
    uint32_t dyn_power = 0;
    uint32_t heads = 0;
    std::shared_ptr<QkvGroup> group;
    uint32_t member = 0;

    bool plain() const { return kind == Kind::Plain; }
};

/* The fused QKV matmul of one decode step: its output, the activation's absmax, and the heads once split. */
struct QkvGroup {
    nn::Tensor acc;                       // [1, 1, 32, Wq + Wk + Wv]
    nn::Tensor absmax;                    // [1, 1, 32, 1]
    std::array<uint32_t, 3> widths{};
    std::array<float, 3> scales{};
    std::optional<std::array<nn::Tensor, 3>> heads;  // q, k, v after nlp_create_qkv_heads_decode
    uint32_t q_heads = 0, kv_heads = 0;
};

/*
 * One ABI tensor. `plain` is its buffer in the ABI's dtype, layout and placement (rank 1 [n] becomes
 * [1, n] for float tensors); `value` says where its current value lives (see Value). Other device
 * forms a TT-NN op needs are derived copies (roles.cpp), made outside capture.
 */
struct TensorRec {
    btt_tensor handle = 0;
    std::vector<int64_t> dims;
    uint32_t dtype = 0;
    uint32_t layout = 0;
    uint32_t memory = 0;
    nn::Tensor plain;
    Value value;
    // Every write (upload or op) bumps it: per-step device caches (rotary rows) key on it.
    uint64_t version = 0;
    // Last uploaded values of a small UINT32 tensor, to build its derived copies.
    std::vector<uint32_t> shadow;
    // An op wrote `plain` since the last upload: copies built from uploads are stale.
    bool op_written = false;
    // UINT32 [n]: ROW_MAJOR UINT32 [1, 1, n rounded up to 32], the ids form of ttnn::embedding's tilized
    // path and of argmax's output; a one-element tensor repeats its id in every slot (the decode rows).
    std::optional<nn::Tensor> ids;
    // UINT32 [1]: ROW_MAJOR INT32 [1] in DRAM, the index of paged_update_cache and SDPA decode.
    std::optional<nn::Tensor> position_i32;
    // Ops (argmax in the decode step, plus_one) wrote the derived forms, not `plain`: read from them.
    bool derived_current = false;
    // Float [rows, cols] table: BFLOAT16 ROW_MAJOR [rows, cols] in DRAM, the table form of ttnn::embedding.
    std::optional<nn::Tensor> table_rm;
    // Float [n] norm weight: BFLOAT16 ROW_MAJOR [1, 1, n/32, 32] sticks in DRAM, the gamma form tt_transformers'
    // sharded norms read (n * 2 bytes instead of a 32-row FLOAT32 tile row).
    std::optional<nn::Tensor> gamma_rm;
    // A KV cache after its first use with known heads: `plain` is [1, kv_heads, seq_padded, D] TILE in DRAM
    // (BFLOAT8_B in performance mode, BFLOAT16 in accuracy mode); cache_scale is the scale of what it stores.
    uint32_t kv_heads = 0;
    uint32_t seq_padded = 0;
    std::optional<float> cache_scale;
    // A ternary weight's decode copy: [K, N] (pre-transposed) DRAM width-sharded over the DRAM banks.
    std::optional<nn::Tensor> decode_weight;
    uint32_t trace_pins = 0;

    uint64_t rows() const { return dims.size() >= 2 ? static_cast<uint64_t>(dims[0]) : 1; }
    uint64_t cols() const { return static_cast<uint64_t>(dims.back()); }
    uint64_t elements() const {
        uint64_t n = 1;
        for (int64_t d : dims) n *= static_cast<uint64_t>(d);
        return n;
    }
};

struct TraceRec {
    uint32_t id = 0;
    bool ended = false;
    uint64_t abi_calls = 0;
    std::vector<btt_tensor> pinned;
    std::set<btt_tensor> derived_reads;  // tensors whose upload-built copies the trace reads
    std::set<btt_tensor> op_writes;      // tensors the trace writes through ops
    std::set<btt_tensor> derived_writes; // UINT32 tensors whose derived forms the trace writes (argmax, plus_one)
    // Where the values the trace writes live: the tensors its ops allocated during capture. Capture runs
    // nothing, so until the first replay each tensor keeps the value it had before (its eager step's).
    std::map<btt_tensor, Value> values;
};

/* The tied (or untied) output table as the decode step's LM head: column chunks of the transposed
 * table [hidden, chunk] in BFLOAT8_B, DRAM width-sharded (tt_transformers' lm_head.py splits the vocabulary
 * so each DRAM-sharded matmul's circular buffers fit L1). */
struct LmHead {
    std::vector<nn::Tensor> chunks;
    std::vector<uint32_t> widths;
};

/* A K cache update held back so that the V update that follows can share one paged_fused_update_cache. */
struct PendingUpdate {
    btt_tensor cache = 0;
    nn::Tensor input;      // K heads
    btt_tensor position = 0;
    uint64_t position_version = 0;
};

/* cos or sin rows gathered for a position, sharded onto the cores of one head group. */
struct RopeRows {
    btt_tensor table = 0;
    btt_tensor position = 0;
    uint64_t position_version = 0;
    uint32_t core = 0;
    nn::Tensor rows;
};

/* Per-shape constants the shim uploads once. */
struct Constants {
    std::vector<std::pair<uint32_t, nn::Tensor>> rotate_half;  // by head dimension
    std::optional<nn::Tensor> batch_offset;                    // INT32 [1] = 0, for nlp_create_qkv_heads_decode
};

}  // namespace bttshim

struct btt_device {
    bttshim::nn::Device dev;
    bttshim::nn::DeviceInfo info;
    bttshim::Mode mode = bttshim::Mode::Performance;
    bttshim::HandleTable<bttshim::TensorRec> tensors;
    bttshim::HandleTable<bttshim::TraceRec> traces;
    bttshim::Constants constants;
    // Decode copies of fused QKV weights, by (q, k, v) weight handles.
    std::map<std::array<btt_tensor, 3>, bttshim::nn::Tensor> fused_qkv;
    std::map<btt_tensor, bttshim::LmHead> lm_heads;  // by table handle
    std::optional<bttshim::PendingUpdate> pending_update;
    std::vector<bttshim::RopeRows> rope_rows;
    uint64_t abi_calls = 0;
    uint64_t trace_captures = 0;
    uint64_t trace_replays = 0;
    std::optional<btt_trace> capturing;
    uint64_t capture_abi_calls = 0;
    std::set<btt_tensor> capture_touched;
    std::set<btt_tensor> capture_derived_reads;
    std::set<btt_tensor> capture_op_writes;
    std::set<btt_tensor> capture_derived_writes;
    std::map<btt_tensor, bttshim::Value> capture_saved;  // values of tensors before the capture wrote them
};

namespace bttshim {

std::string shape_text(const std::vector<int64_t>& dims);
const char* dtype_name(uint32_t dtype);
nn::DataType data_type(uint32_t btt_dtype);
nn::Layout layout_of(uint32_t btt_layout);
nn::MemoryConfig memory_config(uint32_t btt_memory);
int32_t i32(int64_t v);
inline uint32_t round_up32(uint64_t v) { return static_cast<uint32_t>((v + 31) / 32 * 32); }
inline uint32_t tiles(uint64_t v) { return static_cast<uint32_t>((v + 31) / 32); }

/* The live device behind a pointer this library opened; BTT_ERR_CLOSED for a closed one. */
btt_device& live(btt_device* device);

/* The context of one fused primitive: resolves handles, records what a capture touches. */
class Ctx {
public:
    Ctx(btt_device* device, const char* op);

    btt_device& dev() { return dev_; }
    nn::Device& device() { return dev_.dev; }
    bool capturing() const { return dev_.capturing.has_value(); }
    const char* op() const { return op_; }
    Mode mode() const { return dev_.mode; }

    TensorRec& tensor(btt_tensor handle, const char* role);
    /* The tensor an op writes: its value moves to `v`, upload-built copies become stale. */
    void written(TensorRec& t, Value v);
    /* An op wrote the derived forms (ids / INT32 position) of a UINT32 tensor, not its plain buffer. */
    void derived_written(TensorRec& t);
    /* A derived copy is about to be read: refuse a stale one, remember it for trace replays. */
    void reads_derived(TensorRec& t, const char* what);
    /* A one-time conversion is not allowed in a capture: it would be replayed on every step. */
    void forbid_in_capture(const std::string& what);

    [[noreturn]] void bad(const std::string& message);
    void expect(bool ok, const std::string& message) {
        if (!ok) bad(message);
    }
    void expect_2d(const TensorRec& t, const char* role);
    void expect_float(const TensorRec& t, const char* role);
    /* A UINT32 [1] position tensor. */
    TensorRec& position(btt_tensor handle);

private:
    btt_device& dev_;
    const char* op_;
};

/* ---- derived forms and decode copies (roles.cpp) ---- */

/* The INT32 [1] copy of a UINT32 [1] position. */
nn::Tensor position_i32(Ctx& c, TensorRec& position);
/* The [1, 1, n rounded up to 32] ROW_MAJOR ids of a UINT32 [n] tensor. */
nn::Tensor ids(Ctx& c, TensorRec& ids);
/* The BFLOAT16 ROW_MAJOR copy of a float table. */
nn::Tensor table_rm(Ctx& c, TensorRec& table);
/* The BFLOAT16 ROW_MAJOR [1, 1, n/32, 32] sticks of a float [n] norm weight (n a multiple of 32). */
nn::Tensor gamma_rm(Ctx& c, TensorRec& weight);
/* Makes a cache [S, Hkv*D] the [1, Hkv, S rounded up to 32, D] TILE tensor SDPA decode reads. */
void cache_heads(Ctx& c, TensorRec& cache, uint32_t kv_heads);
/* The [D, D] BFLOAT16 matrix R with x . R = rotate_half(x) per head. */
nn::Tensor rotate_half_matrix(Ctx& c, uint32_t head_dim);
/* The INT32 [1] zero nlp_create_qkv_heads_decode takes as batch_offset. */
nn::Tensor batch_offset(Ctx& c);
/* A ternary weight [N, K] as its decode copy [K, N], alone or three fused along N. */
nn::Tensor decode_weight(Ctx& c, TensorRec& w);
nn::Tensor fused_qkv_weight(Ctx& c, std::array<TensorRec*, 3> ws);
/* The output table as LM head chunks. */
const LmHead& lm_head(Ctx& c, TensorRec& table);
/* Rewrites the derived copies of t from host data just uploaded into it. */
void refresh_derived(btt_device& dev, TensorRec& t, const void* host);
/* Whether an upload into t writes only slot 0 of its ids form (a decode step's one-token input), not its plain buffer. */
bool token_slot_only(const TensorRec& t);
/* Drops decode copies built from t (its data changed or it is freed). */
void drop_decode_copies(btt_device& dev, TensorRec& t);
/* Frees t's device tensors. */
void release_tensor(btt_device& dev, TensorRec& t);

/* ---- values (values.cpp) ---- */

/* Brings t's value into its plain buffer (device ops; allowed in capture), applying every scale. */
void materialize(Ctx& c, TensorRec& t);
/* The logical values of t, read from wherever its value lives (a blocking read). */
std::vector<float> read_value(btt_device& dev, TensorRec& t);
std::vector<uint32_t> read_u32_value(btt_device& dev, TensorRec& t);
/* Runs a K cache update held back for fusion on its own. */
void flush_pending_update(btt_device& dev);

/* ---- the decode step (recipe.cpp) ---- */

/* Each returns false when the inputs are not in the decode step's forms: the caller runs the plain path. */
bool decode_embedding(Ctx& c, TensorRec& table, TensorRec& ids, TensorRec& out);
bool decode_rms_norm(Ctx& c, TensorRec& x, TensorRec& weight, float eps, TensorRec& out);
bool decode_linear(Ctx& c, TensorRec& x, uint32_t n, const std::vector<TensorRec*>& ws, const float* scales,
                   const std::vector<TensorRec*>& outs);
bool decode_rotary(Ctx& c, TensorRec& x, uint32_t heads, TensorRec& cos, TensorRec& sin, TensorRec* position);
bool decode_kv_update(Ctx& c, TensorRec& cache, TensorRec& kv, TensorRec* position);
bool decode_attention(Ctx& c, TensorRec& q, TensorRec& k, TensorRec& v, TensorRec* position, uint32_t heads,
                      uint32_t kv_heads, TensorRec& out);
bool decode_relu2_gate(Ctx& c, TensorRec& gate, TensorRec& up, TensorRec& out);
bool decode_add(Ctx& c, TensorRec& a, TensorRec& b, TensorRec& out);
bool decode_output_projection(Ctx& c, TensorRec& x, TensorRec& table, TensorRec& logits);
bool decode_argmax(Ctx& c, TensorRec& logits, TensorRec& out);
bool decode_topk(Ctx& c, TensorRec& logits, uint32_t k, TensorRec& values, TensorRec& indices);

/* Compute configs of the current mode. */
struct ComputeConfigs {
    nn::ComputeConfig qkv_o_ff2;  // ternary QKV, WO, FF2
    nn::ComputeConfig ff1_ff3;    // ternary gate and up (LoFi in performance mode)
    nn::ComputeConfig lm_head;
    nn::ComputeConfig sdpa;
    nn::ComputeConfig norm;
    nn::ComputeConfig rope;
    nn::ComputeConfig precise;    // plain-path FLOAT32 activations against bf16 weights
};
ComputeConfigs compute_configs(Mode mode);
nn::DataType kv_cache_dtype(Mode mode);

/* ---- the fused primitives (primitives.cpp) ---- */

void ternary_linear(Ctx& c, btt_tensor x, uint32_t n, const btt_tensor* weights, const float* scales,
                    const btt_tensor* outs);
void rms_norm(Ctx& c, btt_tensor x, btt_tensor weight, float eps, btt_tensor out);
void rotary(Ctx& c, btt_tensor x, uint32_t heads, btt_tensor cos, btt_tensor sin, uint32_t start_pos,
            btt_tensor position);
void kv_cache_update(Ctx& c, btt_tensor cache, btt_tensor kv, uint32_t start_pos, btt_tensor position);
void attention(Ctx& c, btt_tensor q, btt_tensor k_cache, btt_tensor v_cache, uint32_t start_pos, btt_tensor position,
               uint32_t heads, uint32_t kv_heads, btt_tensor out);
void relu2_gate(Ctx& c, btt_tensor gate, btt_tensor up, btt_tensor out);
void add(Ctx& c, btt_tensor a, btt_tensor b, btt_tensor out);
void embedding(Ctx& c, btt_tensor table, btt_tensor ids, btt_tensor out);
void output_projection(Ctx& c, btt_tensor x, btt_tensor table, btt_tensor logits);
void argmax(Ctx& c, btt_tensor logits, btt_tensor out);
void topk(Ctx& c, btt_tensor logits, uint32_t k, btt_tensor values, btt_tensor indices);
void plus_one(Ctx& c, btt_tensor t);

}  // namespace bttshim
