// The TT-NN adapter layer: the one interface between the shim's logic and TT-NN.
//
// The shim (bitnet_tt_abi.cpp, primitives.cpp) sees only the types below, never a TT-NN header, so it
// compiles anywhere. Two adapters implement this header:
//   - ttnn_adapter_real.cpp: thin one-to-one wrappers over TT-NN (CMake, needs TT-Metalium);
//   - native/hostdouble/*.cpp: a host double of the same ops that checks the preconditions each op
//     enforces on a card, computes its numerics and counts what it costs (built by Maven with g++).
//
// Each function mirrors one TT-NN entry point; its comment names it. Options structs take the
// optional parameters, so an op gains a parameter (a program config, a sharded output) without
// touching its callers. Adding an op means: declare it here, wrap it in ttnn_adapter_real.cpp,
// implement it with its rules in the host double.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bttshim::nn {

/* ---- value types mirroring TT-NN's ---- */

enum class DataType : uint32_t { BFLOAT16, FLOAT32, UINT32, BFLOAT8_B, BFLOAT4_B, UINT16, INT32 };
enum class Layout : uint32_t { ROW_MAJOR, TILE };
enum class BufferType : uint32_t { DRAM, L1 };
enum class MemoryLayout : uint32_t { INTERLEAVED, HEIGHT_SHARDED, WIDTH_SHARDED, BLOCK_SHARDED };
enum class ShardOrientation : uint32_t { ROW_MAJOR, COL_MAJOR };

const char* name(DataType d);
const char* name(Layout l);
const char* name(BufferType b);
const char* name(MemoryLayout m);

/* Worker cores: an x-by-y rectangle from core (0, 0); or, with `run`, x * y cores taken row-major over
 * the device's compute grid from linear index `offset` (what TT-NN's num_cores_to_corerangeset gives
 * for a count that fills no rectangle, and where nlp_create_qkv_heads_decode puts K heads after Q's). */
struct CoreGrid {
    uint32_t x = 1;
    uint32_t y = 1;
    uint32_t offset = 0;
    bool run = false;
    uint32_t cores() const { return x * y; }
    /* Linear core indices (row-major over a compute grid `width` cores wide). */
    std::vector<uint32_t> linear(uint32_t width) const;
    /* Whether the cores form one rectangle on a compute grid `width` cores wide. */
    bool rectangular(uint32_t width) const;
    /* The first `count` cores row-major, as num_cores_to_corerangeset(count, grid, row_wise) gives them. */
    static CoreGrid first(uint32_t count, uint32_t width);
    bool operator==(const CoreGrid&) const = default;
};

struct ShardSpec {
    CoreGrid grid;
    uint32_t height = 0;  // shard shape in elements
    uint32_t width = 0;
    ShardOrientation orientation = ShardOrientation::ROW_MAJOR;
    bool operator==(const ShardSpec&) const = default;
};

struct MemoryConfig {
    MemoryLayout layout = MemoryLayout::INTERLEAVED;
    BufferType buffer = BufferType::DRAM;
    std::optional<ShardSpec> shard = std::nullopt;

    static MemoryConfig dram() { return {MemoryLayout::INTERLEAVED, BufferType::DRAM, std::nullopt}; }
    static MemoryConfig l1() { return {MemoryLayout::INTERLEAVED, BufferType::L1, std::nullopt}; }
    static MemoryConfig sharded(MemoryLayout layout, ShardSpec spec) { return {layout, BufferType::L1, spec}; }
    bool is_sharded() const { return layout != MemoryLayout::INTERLEAVED; }
    bool operator==(const MemoryConfig&) const = default;
    std::string text() const;
};

enum class MathFidelity : uint32_t { LoFi, HiFi2, HiFi3, HiFi4 };

/* ttnn::operations::unary::EltwiseUnaryWithParam, the unary ops the shim fuses into binary ops and
 * matmuls: RELU, SQUARE, RECIP (1/x), MUL_UNARY_SFPU (x * param), ROUND (param decimals, ties to even),
 * RELU_MIN (max(x, param)). */
enum class UnaryKind : uint32_t { RELU, SQUARE, RECIP, MUL, ROUND, RELU_MIN };
struct UnaryOp {
    UnaryKind kind = UnaryKind::RELU;
    float param = 0.0f;
    bool operator==(const UnaryOp&) const = default;
};
const char* name(UnaryKind k);
std::string unary_text(const std::vector<UnaryOp>& ops);
const char* name(MathFidelity f);

/* ttnn::WormholeComputeKernelConfig. */
struct ComputeConfig {
    MathFidelity fidelity = MathFidelity::HiFi2;
    bool math_approx = false;
    bool fp32_dest_acc = true;
    bool packer_l1_acc = false;
    bool operator==(const ComputeConfig&) const = default;
    std::string text() const;
};

using Shape = std::vector<uint32_t>;
std::string shape_text(const Shape& s);
/* Bytes a tensor occupies on a card: 32x32 tiles (bf16 2048 B, fp32 4096 B, bfloat8_b 1088 B and
 * bfloat4_b 576 B with their shared exponents) for TILE; dense sticks for ROW_MAJOR. */
uint64_t storage_bytes(const Shape& shape, DataType dtype, Layout layout);

/* ---- handles: each adapter defines the Impl types ---- */

struct TensorImpl;
struct DeviceImpl;

/* A device tensor handle with TT-NN's value semantics: copies share one device buffer. */
class Tensor {
public:
    Tensor() = default;
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
    bool valid() const { return impl_ != nullptr; }
    Shape shape() const;  // logical
    DataType dtype() const;
    Layout layout() const;
    MemoryConfig memory() const;
    TensorImpl& impl() const { return *impl_; }
    const std::shared_ptr<TensorImpl>& ptr() const { return impl_; }

private:
    std::shared_ptr<TensorImpl> impl_;
};

class Device {
public:
    Device() = default;
    explicit Device(std::shared_ptr<DeviceImpl> impl) : impl_(std::move(impl)) {}
    DeviceImpl& impl() const { return *impl_; }
    bool valid() const { return impl_ != nullptr; }

private:
    std::shared_ptr<DeviceImpl> impl_;
};

/* ---- device: ttnn::open_mesh_device, MeshDevice::close, distributed::Synchronize ---- */

struct DeviceOptions {
    int device_id = 0;
    std::size_t l1_small_size = 32 * 1024;
    std::size_t trace_region_size = 64ull << 20;
    // The host double's capacities (0: an n150); the real adapter ignores them.
    uint64_t dram_bytes = 0;
    uint64_t l1_bytes_per_core = 0;
    uint32_t cores = 0;
    uint32_t dram_banks = 0;
    bool count_only = false;
};

struct DeviceInfo {
    std::string arch;
    uint32_t cores = 0;
    uint32_t grid_x = 8;      // compute_with_storage_grid_size
    uint32_t dram_banks = 12; // DRAM channels: the banks a DRAM width-sharded weight spreads over
    bool count_only = false;  // the host double's count-only mode: float data is neither stored nor read
    uint64_t l1_bytes_per_core = 0;
    uint64_t dram_bytes = 0;
};

/* "ttnn" (the real adapter) or "ttnn-host-double". */
const char* adapter_name();
int device_count();
Device open_device(const DeviceOptions& options);
void close_device(Device& device);
DeviceInfo device_info(Device& device);
/* Waits until every enqueued op has run; a failure found while running comes back here. */
void synchronize(Device& device);

/* What the device did, counted by the adapter (the real one counts what its wrappers dispatch). */
struct Counters {
    uint64_t ops = 0;                   // TT-NN device programs executed (eagerly or by a replay)
    uint64_t host_to_device_bytes = 0;
    uint64_t device_to_host_bytes = 0;
    uint64_t allocations = 0;           // device buffers allocated, op outputs included
    uint64_t deallocations = 0;
    uint64_t layout_conversions = 0;    // tilize/untilize programs, explicit or inside a composite op
    uint64_t dram_bytes_read = 0;
    uint64_t dram_bytes_written = 0;
    uint64_t dram_bytes_in_use = 0;     // gauges
    uint64_t l1_bytes_in_use = 0;
};
Counters counters(Device& device);
void reset_counters(Device& device);
/* Per-key execution counts: "op:<ttnn op>", "compute:<op> <config>", "program:<op> <config>". */
std::vector<std::pair<std::string, uint64_t>> op_stats(Device& device);

/* ---- tensors: ttnn::empty, Tensor::from_span + copy_to_device, from_device + to_vector ---- */

Tensor empty(Device& device, const Shape& shape, DataType dtype, Layout layout, const MemoryConfig& memory);
/* Whole-tensor writes of dense logical row-major host data, converted on the host to the tensor's
 * dtype and layout, into dst's existing buffer (its address, baked into traces, never changes). */
void write(Tensor& dst, const float* data, std::size_t count);
void write(Tensor& dst, const uint32_t* data, std::size_t count);
void write(Tensor& dst, const int32_t* data, std::size_t count);
/* copy_to_device with a BufferRegion: raw bytes at a byte offset of a ROW_MAJOR 32-bit tensor. */
void write_region(Tensor& dst, const void* bytes, uint64_t offset, uint64_t size);
/* Blocking reads of the logical elements (padding removed, block floats expanded). */
std::vector<float> read_f32(const Tensor& src);
std::vector<uint32_t> read_u32(const Tensor& src);
/* copy_to_host with a BufferRegion (blocking). */
void read_region(const Tensor& src, void* bytes, uint64_t offset, uint64_t size);
/* The first n elements of a ROW_MAJOR interleaved tensor of 16- or 32-bit elements (its first row when n is at
 * most the width), by one copy_to_host with a BufferRegion of n elements rounded up to 4 bytes; floats widen
 * to float32 bits, integers to uint32. Only that region crosses (counted as device-to-host bytes). */
std::vector<uint32_t> read_leading(const Tensor& src, uint64_t n);
/* ttnn::deallocate(t, force=true): frees the buffer even if other handles share it. */
void deallocate(Tensor& t);
/* Bytes the tensor occupies on the device. */
uint64_t device_bytes(const Tensor& t);

/* ---- data movement ---- */

/* ttnn::copy(src, dst): same logical shape and layout; dtype may differ (TILE only). */
void copy(const Tensor& src, Tensor& dst);
/* ttnn::reshape: a view when TT-NN can (same last dim, same second-to-last or tile-aligned ones). */
Tensor reshape(const Tensor& t, const Shape& shape, const std::optional<MemoryConfig>& memory = std::nullopt);
/* ttnn::slice with unit steps. */
Tensor slice(const Tensor& t, const Shape& begins, const Shape& ends,
             const std::optional<MemoryConfig>& memory = std::nullopt);
/* ttnn::concat. */
Tensor concat(const std::vector<Tensor>& parts, int dim, const std::optional<MemoryConfig>& memory = std::nullopt);
/* ttnn::to_layout (tilize / untilize). */
Tensor to_layout(const Tensor& t, Layout layout, const std::optional<MemoryConfig>& memory = std::nullopt);
/* ttnn::typecast. */
Tensor typecast(const Tensor& t, DataType dtype, const std::optional<MemoryConfig>& memory = std::nullopt);
/* ttnn::bitcast: the same 32-bit words read as another 32-bit dtype. */
Tensor bitcast(const Tensor& t, DataType dtype, const std::optional<MemoryConfig>& memory = std::nullopt);
/* ttnn::interleaved_to_sharded. */
Tensor interleaved_to_sharded(const Tensor& t, const MemoryConfig& sharded);

/* ---- element-wise and reductions ---- */

Tensor abs(const Tensor& t, const std::optional<MemoryConfig>& memory = std::nullopt);
Tensor neg(const Tensor& t, const std::optional<MemoryConfig>& memory = std::nullopt);
Tensor relu(const Tensor& t, const std::optional<MemoryConfig>& memory = std::nullopt);
Tensor reciprocal(const Tensor& t, const std::optional<MemoryConfig>& memory = std::nullopt);
/* ttnn::round(t, decimals). */
Tensor round(const Tensor& t, int32_t decimals, const std::optional<MemoryConfig>& memory = std::nullopt);
/* ttnn::clamp(t, min, max). */
Tensor clamp(const Tensor& t, float lo, float hi, const std::optional<MemoryConfig>& memory = std::nullopt);
/* ttnn::max(t, dim, keepdim). */
Tensor max(const Tensor& t, int dim, bool keepdim, const std::optional<MemoryConfig>& memory = std::nullopt);

struct BinaryOptions {
    std::optional<DataType> dtype = std::nullopt;
    std::optional<MemoryConfig> memory = std::nullopt;
    std::optional<Tensor> output = std::nullopt;
    // binary_ng's fused unary chains: on a, on b, and on the result (post_activations).
    std::vector<UnaryOp> lhs = {};
    std::vector<UnaryOp> rhs = {};
    std::vector<UnaryOp> post = {};
};
/* ttnn::add / ttnn::multiply with broadcasting; scalar forms. */
Tensor add(const Tensor& a, const Tensor& b, const BinaryOptions& options = {});
Tensor multiply(const Tensor& a, const Tensor& b, const BinaryOptions& options = {});
Tensor multiply(const Tensor& a, float b, const BinaryOptions& options = {});
/* ttnn::divide (binary_ng DIV, on the SFPU). */
Tensor divide(const Tensor& a, const Tensor& b, const BinaryOptions& options = {});
/* ttnn::addcmul(a, b, c, value): a + value * b * c (ternary op, broadcasting c over columns). */
Tensor addcmul(const Tensor& a, const Tensor& b, const Tensor& c, float value,
               const std::optional<MemoryConfig>& memory = std::nullopt, const std::optional<Tensor>& output = std::nullopt);
/* ttnn::moreh_norm(t, p, dim, keepdim): the p-norm over one dim; p = infinity gives max |t|. */
Tensor moreh_norm(const Tensor& t, float p, int dim, bool keepdim, const std::optional<MemoryConfig>& memory = std::nullopt,
                  const std::optional<ComputeConfig>& compute = std::nullopt);
/* ttnn::experimental::plus_one(t): adds 1 to every element of an INT32 / UINT32 tensor, in place. */
void plus_one(const Tensor& t);

/* ---- matmul, norms, transformer ops ---- */

/* ttnn::operations::matmul::MatmulMultiCoreReuseMultiCastDRAMShardedProgramConfig, in tiles. */
struct DramShardedConfig {
    uint32_t in0_block_w = 1;
    uint32_t per_core_M = 1;
    uint32_t per_core_N = 1;
    std::optional<UnaryOp> fused_activation = std::nullopt;
    bool operator==(const DramShardedConfig&) const = default;
};

struct LinearOptions {
    bool transpose_b = false;
    std::optional<MemoryConfig> memory = std::nullopt;
    std::optional<DataType> dtype = std::nullopt;
    std::optional<ComputeConfig> compute = std::nullopt;
    std::optional<Tensor> output = std::nullopt;
    std::optional<DramShardedConfig> dram_sharded = std::nullopt;
};
/* ttnn::linear (no bias). */
Tensor linear(const Tensor& a, const Tensor& b, const LinearOptions& options);

/* ttnn::prim::LayerNormShardedMultiCoreProgramConfig, in tiles (inplace false). */
struct ShardedNormConfig {
    uint32_t grid_x = 8;  // compute_with_storage_grid_size
    uint32_t grid_y = 8;
    uint32_t subblock_w = 1;
    uint32_t block_h = 1;
    uint32_t block_w = 1;
};

struct NormOptions {
    std::optional<Tensor> residual = std::nullopt;  // residual_input_tensor: normalizes x + residual
    std::optional<MemoryConfig> memory = std::nullopt;
    std::optional<ShardedNormConfig> sharded = std::nullopt;
    std::optional<ComputeConfig> compute = std::nullopt;
};
/* ttnn::rms_norm(x, eps, weight, bias, residual_input_tensor, memory_config, program_config, compute). */
Tensor rms_norm(const Tensor& x, float eps, const std::optional<Tensor>& weight, const NormOptions& options);

struct EmbeddingOptions {
    std::optional<Layout> layout = std::nullopt;
    std::optional<DataType> dtype = std::nullopt;
    std::optional<MemoryConfig> memory = std::nullopt;
};
/* ttnn::embedding(ids, table, ...). */
Tensor embedding(const Tensor& ids, const Tensor& table, const EmbeddingOptions& options);

/* ttnn::experimental::paged_update_cache without a page table: one row per head of each user at the
 * user's index, from update_idxs (host) or update_idxs_tensor (device INT32). In place. */
void paged_update_cache(const Tensor& cache, const Tensor& input, const std::vector<uint32_t>& update_idxs,
                        const std::optional<Tensor>& update_idxs_tensor,
                        const std::optional<ComputeConfig>& compute);

/* ttnn::operations::transformer::SDPAProgramConfig (q_chunk_size unused by decode). */
struct SdpaProgramConfig {
    uint32_t grid_x = 8;
    uint32_t grid_y = 8;
    uint32_t q_chunk_size = 32;
    uint32_t k_chunk_size = 0;  // 0: the op picks the largest power of two dividing S, at most 512
    bool exp_approx = false;
};

struct SdpaDecodeOptions {
    std::optional<SdpaProgramConfig> program = std::nullopt;
    bool causal = true;
    std::vector<uint32_t> cur_pos = {};
    std::optional<Tensor> cur_pos_tensor = std::nullopt;
    std::optional<float> scale = std::nullopt;
    std::optional<MemoryConfig> memory = std::nullopt;
    std::optional<ComputeConfig> compute = std::nullopt;
};
/* ttnn::transformer::scaled_dot_product_attention_decode(q [1, B, H, D], k/v [B, Hkv, S, D]). */
Tensor sdpa_decode(const Tensor& q, const Tensor& k, const Tensor& v, const SdpaDecodeOptions& options);

/* ttnn::experimental::nlp_create_qkv_heads_decode(qkv [1, 1, B, (H + 2 Hkv) D]) -> q [1, B, H, D],
 * k and v [1, B, Hkv, D], height-sharded one user per core (K after Q's cores unless overlap_qk). With
 * batch_offset (an INT32 [1] tensor) and slice_size, only users offset .. offset + slice_size - 1. */
std::array<Tensor, 3> nlp_create_qkv_heads_decode(const Tensor& qkv, uint32_t heads, uint32_t kv_heads, bool overlap_qk,
                                                  const MemoryConfig& memory, const std::optional<Tensor>& batch_offset,
                                                  const std::optional<uint32_t>& slice_size);
/* ttnn::experimental::rotary_embedding_hf(x, cos, sin, is_decode_mode): x * cos + rotate_half(x) * sin. */
Tensor rotary_embedding_hf(const Tensor& x, const Tensor& cos, const Tensor& sin, bool decode,
                           const std::optional<MemoryConfig>& memory, const std::optional<ComputeConfig>& compute);
/* ttnn::experimental::paged_fused_update_cache(cache1, input1, cache2, input2, {}, update_idxs_tensor): both in place. */
void paged_fused_update_cache(const Tensor& cache1, const Tensor& input1, const Tensor& cache2, const Tensor& input2,
                              const Tensor& update_idxs_tensor, const std::optional<ComputeConfig>& compute);
/* ttnn::experimental::nlp_concat_heads_decode(x [1, B, H padded, D], num_heads, sub_core_grids) -> [1, 1, B padded
 * to 32, H * D] width-sharded, one head_dim-wide shard per head on the first H cores of sub_core_grid. */
Tensor nlp_concat_heads_decode(const Tensor& x, uint32_t heads, const CoreGrid& sub_core_grid);
/* ttnn::sharded_to_interleaved / ttnn::to_memory_config between two placements. */
Tensor to_memory_config(const Tensor& t, const MemoryConfig& memory, const std::optional<DataType>& dtype = std::nullopt);

/* ttnn::argmax(t, dim, keepdim, sub_core_grids, memory, output). */
Tensor argmax(const Tensor& t, int dim, bool keepdim, const std::optional<MemoryConfig>& memory,
              const std::optional<Tensor>& output);
/* ttnn::topk(t, k, dim, largest, sorted) -> {values, indices}. */
std::pair<Tensor, Tensor> topk(const Tensor& t, uint32_t k, int dim, bool largest, bool sorted,
                               const std::optional<MemoryConfig>& memory);

/* ---- traces: ttnn::operations::trace ---- */

uint32_t begin_trace(Device& device);
void end_trace(Device& device, uint32_t id);
void execute_trace(Device& device, uint32_t id, bool blocking);
void release_trace(Device& device, uint32_t id);

}  // namespace bttshim::nn
