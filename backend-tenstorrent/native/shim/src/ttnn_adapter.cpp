// TT-NN calls of the shim. The comment on each group names the source the call form was checked
// against (details and doubts in ../VERIFIED_API.md). "UNVERIFIED" marks a form written from
// documentation or memory only.
#include "ttnn_adapter.hpp"

#include <array>

#include <tt-metalium/distributed.hpp>
#include <tt-metalium/host_api.hpp>

#include "ttnn/operations/copy/typecast/typecast.hpp"
#include "ttnn/operations/core/core.hpp"
#include "ttnn/operations/creation/creation.hpp"
#include "ttnn/operations/data_movement/concat/concat.hpp"
#include "ttnn/operations/data_movement/copy/copy.hpp"
#include "ttnn/operations/data_movement/permute/permute.hpp"
#include "ttnn/operations/data_movement/slice/slice.hpp"
#include "ttnn/operations/eltwise/binary/binary.hpp"
#include "ttnn/operations/eltwise/unary/unary.hpp"
#include "ttnn/operations/eltwise/unary/unary_composite.hpp"
#include "ttnn/operations/embedding/embedding.hpp"
#include "ttnn/operations/experimental/paged_cache/paged_cache.hpp"
#include "ttnn/operations/matmul/matmul.hpp"
#include "ttnn/operations/normalization/rmsnorm/rmsnorm.hpp"
#include "ttnn/operations/reduction/argmax/argmax.hpp"
#include "ttnn/operations/reduction/generic/generic_reductions.hpp"
#include "ttnn/operations/reduction/topk/topk.hpp"
#include "ttnn/operations/trace.hpp"
#include "ttnn/operations/transformer/sdpa_decode/sdpa_decode.hpp"

#include "status.hpp"

namespace bttshim::nn {

namespace {

// Intermediates of the fused primitives live in L1 (design notes, 7.1 item 3).
const ::ttnn::MemoryConfig& scratch() { return ::ttnn::L1_MEMORY_CONFIG; }

::ttnn::QueueId queue() { return ::ttnn::QueueId(0); }

// FP32 accumulation at full fidelity: activations are integers |q| <= 128 and weights are -1/0/+1,
// so every product and every partial sum up to 2^24 is exact (2560 * 127 and 6912 * 127 both are).
::ttnn::DeviceComputeKernelConfig exact_matmul_config() {
    ::ttnn::WormholeComputeKernelConfig config;
    config.math_fidelity = ::tt::tt_metal::MathFidelity::HiFi4;
    config.math_approx_mode = false;
    config.fp32_dest_acc_en = true;
    config.packer_l1_acc = true;
    return config;
}

::ttnn::Shape shape_of(const std::vector<uint32_t>& dims) { return ::ttnn::Shape(dims); }

template <typename T>
Tensor host_tensor_like(const Tensor& dst, const T* data, std::size_t count) {
    // UNVERIFIED: Tensor::tensor_spec(); from_span with a null device gives a host tensor that is
    // converted (tilized, packed into block floats) to the spec's dtype/layout on the host.
    ttsl::Span<const T> span(data, data + count);
    return Tensor::from_span(span, dst.tensor_spec(), nullptr);
}

}  // namespace

/* ---- device: ttnn/api/ttnn/device.hpp @97622714 (open_mesh_device), tt-mlir runtime.cpp (close,
 * enable_program_cache, GetNumAvailableDevices, l1_size_per_core, num_dram_channels) ---- */

std::shared_ptr<Mesh> open_device(int device_id, std::size_t l1_small_size, std::size_t trace_region_size) {
    // Only the three leading parameters are passed: they are the same in every version seen (later
    // ones insert num_command_queues after trace_region_size).
    std::shared_ptr<Mesh> mesh = ::ttnn::open_mesh_device(device_id, l1_small_size, trace_region_size);
    mesh->enable_program_cache();
    return mesh;
}

void close_device(Mesh& mesh) { mesh.close(); }

void synchronize(Mesh& mesh) {
    // tt-mlir program_executor.cpp passes the MeshDevice and std::nullopt (all command queues).
    ::tt::tt_metal::distributed::Synchronize(&mesh, std::nullopt);
}

int device_count() { return static_cast<int>(::tt::tt_metal::GetNumAvailableDevices()); }

std::string arch_name(Mesh& mesh) {
    switch (mesh.arch()) {
        case ::tt::ARCH::WORMHOLE_B0: return "wormhole_b0";
        case ::tt::ARCH::BLACKHOLE: return "blackhole";
        default: return "unknown";
    }
}

uint32_t worker_cores(Mesh& mesh) {
    auto grid = mesh.compute_with_storage_grid_size();
    return static_cast<uint32_t>(grid.x * grid.y);
}

uint64_t l1_bytes_per_core(Mesh& mesh) { return mesh.l1_size_per_core(); }

uint64_t dram_bytes(Mesh& mesh) {
    return static_cast<uint64_t>(mesh.num_dram_channels()) * mesh.dram_size_per_channel();
}

/* ---- enums ---- */

::ttnn::DataType data_type(uint32_t btt_dtype) {
    switch (btt_dtype) {
        case BTT_DTYPE_BFLOAT16: return ::ttnn::DataType::BFLOAT16;
        case BTT_DTYPE_FLOAT32: return ::ttnn::DataType::FLOAT32;
        case BTT_DTYPE_UINT32: return ::ttnn::DataType::UINT32;
        case BTT_DTYPE_BFLOAT8_B: return ::ttnn::DataType::BFLOAT8_B;
        case BTT_DTYPE_BFLOAT4_B: return ::ttnn::DataType::BFLOAT4_B;
        default: fail(BTT_ERR_INVALID_ARGUMENT, "dtype " + std::to_string(btt_dtype) + " is not a BTT_DTYPE_*");
    }
}

::ttnn::Layout layout(uint32_t btt_layout) {
    switch (btt_layout) {
        case BTT_LAYOUT_ROW_MAJOR: return ::ttnn::Layout::ROW_MAJOR;
        case BTT_LAYOUT_TILE: return ::ttnn::Layout::TILE;
        default: fail(BTT_ERR_INVALID_ARGUMENT, "layout " + std::to_string(btt_layout) + " is not a BTT_LAYOUT_*");
    }
}

::ttnn::MemoryConfig memory_config(uint32_t btt_memory) {
    switch (btt_memory) {
        case BTT_MEMORY_DRAM: return ::ttnn::DRAM_MEMORY_CONFIG;
        case BTT_MEMORY_L1: return ::ttnn::L1_MEMORY_CONFIG;
        case BTT_MEMORY_L1_HEIGHT_SHARDED:
        case BTT_MEMORY_L1_WIDTH_SHARDED:
            // A shard spec needs a core grid and shard shape per tensor, which the ABI does not carry.
            fail(BTT_ERR_UNSUPPORTED, "sharded placements are not implemented by the ttnn shim; use DRAM or L1");
        default: fail(BTT_ERR_INVALID_ARGUMENT, "memory " + std::to_string(btt_memory) + " is not a BTT_MEMORY_*");
    }
}

/* ---- tensors: tt-mlir creation/empty.cpp, write_tensor.cpp (copy_to_device), runtime.cpp
 * (from_device, to_vector), deletion/deallocate.cpp, data_movement/copy.cpp ---- */

const ::ttnn::MemoryConfig& l1() { return scratch(); }

Tensor allocate(Mesh& mesh, const std::vector<uint32_t>& shape, ::ttnn::DataType dtype, ::ttnn::Layout layout,
                const ::ttnn::MemoryConfig& memory) {
    return ::ttnn::empty(shape_of(shape), dtype, layout, &mesh, memory);
}

void write_f32(Tensor& dst, const float* data, std::size_t count) {
    ::ttnn::copy_to_device(host_tensor_like(dst, data, count), dst, queue());
}

void write_u32(Tensor& dst, const uint32_t* data, std::size_t count) {
    ::ttnn::copy_to_device(host_tensor_like(dst, data, count), dst, queue());
}

void write_i32(Tensor& dst, const int32_t* data, std::size_t count) {
    ::ttnn::copy_to_device(host_tensor_like(dst, data, count), dst, queue());
}

std::vector<float> read_f32(const Tensor& src) { return ::ttnn::from_device(src, true).to_vector<float>(); }

std::vector<uint32_t> read_u32(const Tensor& src) { return ::ttnn::from_device(src, true).to_vector<uint32_t>(); }

void deallocate(Tensor& t) { ::ttnn::deallocate(t, true); }

void copy_into(const Tensor& src, Tensor& dst) { ::ttnn::copy(src, dst); }

/* ---- data movement: tt-mlir data_movement/{reshape,slice,concat,permute}.cpp, layout/{to_layout,
 * typecast,to_memory_config}.cpp, utils.cpp (sharded MemoryConfig) ---- */

Tensor reshape(const Tensor& t, const std::vector<int32_t>& shape, const std::optional<::ttnn::MemoryConfig>& memory) {
    // No memory config keeps the input's placement, which lets TT-NN return a view when the last two
    // dimensions are unchanged (the caches' 2-D <-> 4-D mapping relies on that).
    return ::ttnn::reshape(t, shape, memory);
}

Tensor slice(const Tensor& t, const std::vector<int32_t>& begins, const std::vector<int32_t>& ends) {
    std::vector<int32_t> step(begins.size(), 1);
    ttsl::Span<const int32_t> b(begins.data(), begins.data() + begins.size());
    ttsl::Span<const int32_t> e(ends.data(), ends.data() + ends.size());
    ttsl::Span<const int32_t> s(step.data(), step.data() + step.size());
    return ::ttnn::slice(t, b, e, s, std::optional<::ttnn::MemoryConfig>(scratch()));
}

Tensor concat(const std::vector<Tensor>& parts, int32_t dim) {
    return ::ttnn::concat(parts, dim, std::optional<::ttnn::MemoryConfig>(scratch()));
}

Tensor permute(const Tensor& t, const std::vector<int64_t>& order, const ::ttnn::MemoryConfig& memory) {
    ttsl::SmallVector<int64_t> permutation(order.begin(), order.end());
    return ::ttnn::permute(t, permutation, std::optional<::ttnn::MemoryConfig>(memory), 0.0f);
}

Tensor to_layout(const Tensor& t, ::ttnn::Layout target, const ::ttnn::MemoryConfig& memory) {
    return ::ttnn::to_layout(t, target, std::nullopt, std::optional<::ttnn::MemoryConfig>(memory));
}

Tensor typecast(const Tensor& t, ::ttnn::DataType dtype) {
    return ::ttnn::typecast(t, dtype, std::optional<::ttnn::MemoryConfig>(scratch()));
}

Tensor height_sharded_one_core(const Tensor& t, uint32_t shard_rows, uint32_t shard_width) {
    // UNVERIFIED: CoreRangeSet from a single CoreRange. The MemoryConfig{layout, buffer, ShardSpec}
    // form is from tt-mlir utils.cpp.
    ::tt::tt_metal::CoreRangeSet cores(::tt::tt_metal::CoreRange(::tt::tt_metal::CoreCoord(0, 0),
                                                                 ::tt::tt_metal::CoreCoord(0, 0)));
    std::array<uint32_t, 2> shard_shape{shard_rows, shard_width};
    ::tt::tt_metal::ShardSpec spec(cores, shard_shape, ::ttnn::ShardOrientation::ROW_MAJOR);
    ::ttnn::MemoryConfig config{::ttnn::TensorMemoryLayout::HEIGHT_SHARDED, ::ttnn::BufferType::L1, spec};
    return ::ttnn::to_memory_config(t, config, std::nullopt);
}

/* ---- element-wise: ttnn/cpp/ttnn/operations/eltwise/binary/binary.hpp @00b0fa3f (add, multiply,
 * scalar forms, output tensor); tt-mlir eltwise/unary/unary.cpp (abs, neg, relu, reciprocal:
 * (input, memory_config, output, sub_core_grids)); unary_composite.cpp (clamp); reduction.cpp (max) ---- */

Tensor abs(const Tensor& t) { return ::ttnn::abs(t, std::optional<::ttnn::MemoryConfig>(scratch())); }
Tensor neg(const Tensor& t) { return ::ttnn::neg(t, std::optional<::ttnn::MemoryConfig>(scratch())); }
Tensor relu(const Tensor& t) { return ::ttnn::relu(t, std::optional<::ttnn::MemoryConfig>(scratch())); }
Tensor reciprocal(const Tensor& t) { return ::ttnn::reciprocal(t, std::optional<::ttnn::MemoryConfig>(scratch())); }

Tensor round_half_even(const Tensor& t) {
    // UNVERIFIED: ttnn::round(input, decimals, memory_config). Whether the device rounds ties to
    // even (the spec's roundHalfEven) or away from zero is not documented; ties are values x*s that
    // are exactly k + 0.5, so a difference shows up as a rare off-by-one in one quantized activation.
    return ::ttnn::round(t, 0, std::optional<::ttnn::MemoryConfig>(scratch()));
}

Tensor clamp(const Tensor& t, float lo, float hi) {
    return ::ttnn::clamp(t, lo, hi, std::optional<::ttnn::MemoryConfig>(scratch()));
}

Tensor max_last_dim(const Tensor& t) {
    std::optional<ttsl::SmallVector<int>> dims = ttsl::SmallVector<int>{-1};
    return ::ttnn::max(t, dims, true, std::optional<::ttnn::MemoryConfig>(scratch()), std::nullopt);
}

Tensor add(const Tensor& a, const Tensor& b, const std::optional<Tensor>& out) {
    if (out) return ::ttnn::add(a, b, out->dtype(), out->memory_config(), out);
    return ::ttnn::add(a, b, std::nullopt, std::optional<::ttnn::MemoryConfig>(scratch()));
}

Tensor multiply(const Tensor& a, const Tensor& b, const std::optional<Tensor>& out) {
    if (out) return ::ttnn::multiply(a, b, out->dtype(), out->memory_config(), out);
    return ::ttnn::multiply(a, b, std::nullopt, std::optional<::ttnn::MemoryConfig>(scratch()));
}

Tensor multiply(const Tensor& a, float b) {
    return ::ttnn::multiply(a, b, std::nullopt, std::optional<::ttnn::MemoryConfig>(scratch()));
}

/* ---- fused ops ---- */

Tensor linear_transpose_b(const Tensor& x, const Tensor& w, ::ttnn::DataType out_dtype) {
    // ttnn/cpp/ttnn/operations/matmul/matmul.hpp @015e459a and tt-mlir matmul/matmul.cpp.
    return ::ttnn::linear(x, w, std::nullopt, false, true, std::optional<const ::ttnn::MemoryConfig>(scratch()),
                          std::optional<const ::ttnn::DataType>(out_dtype), std::nullopt, std::nullopt,
                          std::optional<const ::ttnn::DeviceComputeKernelConfig>(exact_matmul_config()));
}

Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps) {
    // ttnn/cpp/ttnn/operations/normalization/rmsnorm/rmsnorm.hpp @120b164d and tt-mlir rms_norm.cpp.
    return ::ttnn::rms_norm(x, eps, std::optional<const Tensor>(weight), std::nullopt, std::nullopt,
                            std::optional<::ttnn::MemoryConfig>(scratch()), std::nullopt,
                            std::optional<const ::ttnn::DeviceComputeKernelConfig>(exact_matmul_config()));
}

Tensor embedding(const Tensor& ids, const Tensor& table, ::ttnn::DataType out_dtype) {
    // tt-mlir embedding/embedding.cpp (the EmbeddingsType enum lives in ttnn::prim there).
    return ::ttnn::embedding(ids, table, std::nullopt, ::ttnn::Layout::TILE, ::ttnn::prim::EmbeddingsType::GENERIC,
                             std::optional<const ::ttnn::DataType>(out_dtype),
                             std::optional<::ttnn::MemoryConfig>(scratch()));
}

void paged_update_cache(const Tensor& cache, const Tensor& input, const std::optional<Tensor>& position,
                        uint32_t host_position) {
    // ttnn/cpp/ttnn/operations/experimental/paged_cache/paged_cache.hpp @00b0fa3f and tt-mlir
    // kv_cache/paged_update_cache.cpp. No page table: the cache is one contiguous sequence.
    std::vector<uint32_t> host_index;
    std::optional<const Tensor> index_tensor;
    if (position) {
        index_tensor.emplace(*position);
    } else {
        host_index.push_back(host_position);
    }
    ::ttnn::experimental::paged_update_cache(cache, input, host_index, index_tensor, std::optional<bool>(false),
                                             std::nullopt, 0, std::nullopt, std::nullopt);
}

Tensor sdpa_decode(const Tensor& q, const Tensor& k, const Tensor& v, const std::optional<Tensor>& position,
                   uint32_t host_position, float scale) {
    // ttnn/cpp/ttnn/operations/transformer/sdpa_decode/sdpa_decode.hpp @09b4c34b and tt-mlir
    // transformer/scaled_dot_product_attention_decode.cpp.
    std::vector<uint32_t> host_pos;
    std::optional<const Tensor> pos_tensor;
    if (position) {
        pos_tensor.emplace(*position);
    } else {
        host_pos.push_back(host_position);
    }
    return ::ttnn::transformer::scaled_dot_product_attention_decode(
        q, k, v, true, std::nullopt, host_pos, pos_tensor, std::nullopt, std::optional<float>(scale), std::nullopt,
        std::optional<::ttnn::MemoryConfig>(scratch()), std::nullopt,
        std::optional<::ttnn::DeviceComputeKernelConfig>(exact_matmul_config()));
}

Tensor argmax_last_dim(const Tensor& t) {
    // tt-mlir reduction/argmax.cpp: (input, dim, keepdim, sub_core_grids, memory_config, output).
    return ::ttnn::argmax(t, -1, false, std::nullopt, std::optional<::ttnn::MemoryConfig>(scratch()), std::nullopt);
}

std::pair<Tensor, Tensor> topk_last_dim(const Tensor& t, uint32_t k) {
    // tt-mlir reduction/topk.cpp: (input, k, dim, largest, sorted, memory_config, sub_core_grids,
    // indices_tensor, preallocated_output_tensors) -> {values, indices}.
    std::vector<Tensor> outs = ::ttnn::topk(t, k, -1, true, true, std::optional<::ttnn::MemoryConfig>(scratch()),
                                            std::nullopt, std::nullopt, std::nullopt);
    if (outs.size() != 2) fail(BTT_ERR_DEVICE, "ttnn::topk returned " + std::to_string(outs.size()) + " tensors, expected 2");
    return {outs[0], outs[1]};
}

/* ---- traces: ttnn/cpp/ttnn/operations/trace.hpp @06bd3735 and tt-mlir runtime/lib/ttnn/operations/trace ---- */

uint32_t begin_trace(Mesh& mesh) {
    ::ttnn::MeshTraceId id = ::ttnn::operations::trace::begin_trace_capture(&mesh, queue());
    return static_cast<uint32_t>(id.get());
}

void end_trace(Mesh& mesh, uint32_t id) {
    ::ttnn::operations::trace::end_trace_capture(&mesh, ::ttnn::MeshTraceId(id), queue());
}

void execute_trace(Mesh& mesh, uint32_t id, bool blocking) {
    ::ttnn::operations::trace::execute_trace(&mesh, ::ttnn::MeshTraceId(id), queue(), blocking);
}

void release_trace(Mesh& mesh, uint32_t id) {
    ::ttnn::operations::trace::release_trace(&mesh, ::ttnn::MeshTraceId(id));
}

}  // namespace bttshim::nn
