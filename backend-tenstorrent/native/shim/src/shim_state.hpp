// The shim's state: the ABI tensors and traces of a device, and the context one ABI call runs in.
// Nothing here knows TT-NN; device work goes through ttnn_adapter.hpp.
#pragma once

#include <cstdint>
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

/*
 * One ABI tensor. `dev` is its device tensor in the ABI's dtype, layout and placement (rank 1 [n]
 * becomes [1, n] for float tensors). Ops that need another form get a derived copy (see roles.cpp):
 * they are made outside capture and rewritten by uploads.
 */
struct TensorRec {
    btt_tensor handle = 0;
    std::vector<int64_t> dims;
    uint32_t dtype = 0;
    uint32_t layout = 0;
    uint32_t memory = 0;
    nn::Tensor dev;
    // Last uploaded values of a small UINT32 tensor, to build its derived copies.
    std::vector<uint32_t> shadow;
    // Written by an op since its last upload: derived copies built from uploads are stale.
    bool op_written = false;
    // UINT32 [n]: ROW_MAJOR UINT32 [1, n rounded up to 32], the ids form of ttnn::embedding's
    // tilized path (zero ids in the padding).
    std::optional<nn::Tensor> ids_padded;
    // UINT32 [1]: ROW_MAJOR INT32 [1] in DRAM, the index type of paged_update_cache and SDPA decode.
    std::optional<nn::Tensor> position_i32;
    // Float [rows, cols] table: BFLOAT16 ROW_MAJOR [rows, cols] in DRAM, the table form of ttnn::embedding.
    std::optional<nn::Tensor> table_rm;
    // A KV cache after its first btt_attention: dev is BFLOAT16 TILE [1, kv_heads, seq_padded, D] in DRAM.
    uint32_t kv_heads = 0;
    uint32_t seq_padded = 0;
    uint32_t trace_pins = 0;

    uint64_t rows() const { return dims.size() >= 2 ? static_cast<uint64_t>(dims[0]) : 1; }
    uint64_t cols() const { return static_cast<uint64_t>(dims.back()); }
    uint64_t elements() const {
        uint64_t n = 1;
        for (int64_t d : dims) n *= static_cast<uint64_t>(d);
        return n;
    }
    bool has_derived() const { return ids_padded || position_i32 || table_rm; }
};

struct TraceRec {
    uint32_t id = 0;
    bool ended = false;
    uint64_t abi_calls = 0;
    std::vector<btt_tensor> pinned;
    std::set<btt_tensor> derived_reads;  // tensors whose derived copies the trace reads
    std::set<btt_tensor> op_writes;      // tensors the trace writes through ops
};

/* Per-shape constants the shim uploads once (the rotate-half matrix of a head dimension). */
struct Constants {
    std::vector<std::pair<uint32_t, nn::Tensor>> rotate_half;  // by head dimension
};

}  // namespace bttshim

struct btt_device {
    bttshim::nn::Device dev;
    bttshim::HandleTable<bttshim::TensorRec> tensors;
    bttshim::HandleTable<bttshim::TraceRec> traces;
    bttshim::Constants constants;
    uint64_t abi_calls = 0;
    uint64_t trace_captures = 0;
    uint64_t trace_replays = 0;
    std::optional<btt_trace> capturing;
    uint64_t capture_abi_calls = 0;
    std::set<btt_tensor> capture_touched;
    std::set<btt_tensor> capture_derived_reads;
    std::set<btt_tensor> capture_op_writes;
};

namespace bttshim {

std::string shape_text(const std::vector<int64_t>& dims);
const char* dtype_name(uint32_t dtype);
nn::DataType data_type(uint32_t btt_dtype);
nn::Layout layout_of(uint32_t btt_layout);
nn::MemoryConfig memory_config(uint32_t btt_memory);
int32_t i32(int64_t v);
inline uint32_t round_up32(uint64_t v) { return static_cast<uint32_t>((v + 31) / 32 * 32); }

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

    TensorRec& tensor(btt_tensor handle, const char* role);
    /* The tensor an op writes: its host-built derived copies become stale. */
    void written(TensorRec& t);
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

/* ---- derived forms (roles.cpp) ---- */

/* The INT32 [1] copy of a UINT32 [1] position. */
nn::Tensor position_i32(Ctx& c, TensorRec& position);
/* The padded ROW_MAJOR ids of a UINT32 [n] tensor. */
nn::Tensor ids_padded(Ctx& c, TensorRec& ids);
/* The BFLOAT16 ROW_MAJOR copy of a float table. */
nn::Tensor table_rm(Ctx& c, TensorRec& table);
/* Makes a cache [S, Hkv*D] the BFLOAT16 [1, Hkv, S rounded up to 32, D] TILE tensor SDPA decode reads. */
void cache_heads(Ctx& c, TensorRec& cache, uint32_t kv_heads);
/* The [D, D] BFLOAT16 matrix R with x . R = rotate_half(x) per head. */
nn::Tensor rotate_half_matrix(Ctx& c, uint32_t head_dim);
/* Rewrites the derived copies of t from host data just uploaded into it. */
void refresh_derived(btt_device& dev, TensorRec& t, const void* host);
/* Frees t's device tensors. */
void release_tensor(TensorRec& t);

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

}  // namespace bttshim
