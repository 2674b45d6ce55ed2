// The one place the shim calls TT-NN. Every function is a thin wrapper over one TT-NN entry point
// whose signature was checked against the sources named in ../VERIFIED_API.md; when a TT-Metalium
// release moves a signature, this file (and ttnn_adapter.cpp) is what a person with a card fixes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ttnn/device.hpp"
#include "ttnn/tensor/tensor.hpp"
#include "ttnn/tensor/types.hpp"

namespace bttshim::nn {

using Tensor = ::ttnn::Tensor;
using Mesh = ::ttnn::MeshDevice;

/* ---- device ---- */
std::shared_ptr<Mesh> open_device(int device_id, std::size_t l1_small_size, std::size_t trace_region_size);
void close_device(Mesh& mesh);
void synchronize(Mesh& mesh);
int device_count();
std::string arch_name(Mesh& mesh);
uint32_t worker_cores(Mesh& mesh);
uint64_t l1_bytes_per_core(Mesh& mesh);
uint64_t dram_bytes(Mesh& mesh);

/* ---- enums (the ABI's values equal ttnn::DataType / ttnn::Layout, mapped explicitly anyway) ---- */
::ttnn::DataType data_type(uint32_t btt_dtype);
::ttnn::Layout layout(uint32_t btt_layout);
::ttnn::MemoryConfig memory_config(uint32_t btt_memory);

/* ---- tensors ---- */
const ::ttnn::MemoryConfig& l1();
Tensor allocate(Mesh& mesh, const std::vector<uint32_t>& shape, ::ttnn::DataType dtype, ::ttnn::Layout layout,
                const ::ttnn::MemoryConfig& memory);
/* Host data (dense logical row-major) converted to dtype/layout on the host, then written into the
 * existing device buffer of dst, so its address (baked into captured traces) never changes. */
void write_f32(Tensor& dst, const float* data, std::size_t count);
void write_u32(Tensor& dst, const uint32_t* data, std::size_t count);
void write_i32(Tensor& dst, const int32_t* data, std::size_t count);
/* Blocking read of the logical elements (padding removed, block floats expanded). */
std::vector<float> read_f32(const Tensor& src);
std::vector<uint32_t> read_u32(const Tensor& src);
void deallocate(Tensor& t);
void copy_into(const Tensor& src, Tensor& dst);

/* ---- data movement ---- */
Tensor reshape(const Tensor& t, const std::vector<int32_t>& shape,
               const std::optional<::ttnn::MemoryConfig>& memory = std::nullopt);
Tensor slice(const Tensor& t, const std::vector<int32_t>& begins, const std::vector<int32_t>& ends);
Tensor concat(const std::vector<Tensor>& parts, int32_t dim);
Tensor permute(const Tensor& t, const std::vector<int64_t>& order, const ::ttnn::MemoryConfig& memory);
Tensor to_layout(const Tensor& t, ::ttnn::Layout layout, const ::ttnn::MemoryConfig& memory);
Tensor typecast(const Tensor& t, ::ttnn::DataType dtype);
/* Height-sharded L1 copy of an [.., rows, width] tensor on one core, as paged_update_cache requires. */
Tensor height_sharded_one_core(const Tensor& t, uint32_t shard_rows, uint32_t shard_width);

/* ---- element-wise and reductions (results in L1 unless an output is given) ---- */
Tensor abs(const Tensor& t);
Tensor neg(const Tensor& t);
Tensor relu(const Tensor& t);
Tensor reciprocal(const Tensor& t);
Tensor round_half_even(const Tensor& t);
Tensor clamp(const Tensor& t, float lo, float hi);
Tensor max_last_dim(const Tensor& t);
Tensor add(const Tensor& a, const Tensor& b, const std::optional<Tensor>& out = std::nullopt);
Tensor multiply(const Tensor& a, const Tensor& b, const std::optional<Tensor>& out = std::nullopt);
Tensor multiply(const Tensor& a, float b);

/* ---- fused ops ---- */
/* x . w^T with FP32 accumulation at HiFi4, result in out_dtype. */
Tensor linear_transpose_b(const Tensor& x, const Tensor& w, ::ttnn::DataType out_dtype);
Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps);
Tensor embedding(const Tensor& ids, const Tensor& table, ::ttnn::DataType out_dtype);
/* cache [1, Hkv, S, D]; input height-sharded [1, 1, Hkv, D]; row index from a device INT32 [1] tensor
 * (position) or, when position is empty, from the host value. */
void paged_update_cache(const Tensor& cache, const Tensor& input, const std::optional<Tensor>& position,
                        uint32_t host_position);
/* q [1, 1, H, D]; caches [1, Hkv, S, D]; attends to rows 0..pos inclusive. */
Tensor sdpa_decode(const Tensor& q, const Tensor& k, const Tensor& v, const std::optional<Tensor>& position,
                   uint32_t host_position, float scale);
Tensor argmax_last_dim(const Tensor& t);
std::pair<Tensor, Tensor> topk_last_dim(const Tensor& t, uint32_t k);

/* ---- traces ---- */
uint32_t begin_trace(Mesh& mesh);
void end_trace(Mesh& mesh, uint32_t id);
void execute_trace(Mesh& mesh, uint32_t id, bool blocking);
void release_trace(Mesh& mesh, uint32_t id);

}  // namespace bttshim::nn
