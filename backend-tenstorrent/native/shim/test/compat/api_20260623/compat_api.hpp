// Stand-in declarations of the TT-NN calls ttnn_compat.hpp guards, as tt-metal 622c6fb9 declares
// them (ttnn/api/ttnn/tensor/tensor_ops.hpp, tt_metal/api/tt-metalium/distributed.hpp): just enough
// to compile the guards against this API level without a tt-metal tree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace tt::tt_metal {
struct QueueId {
    uint8_t id;
};
class Tensor {};
struct BufferRegion {
    BufferRegion(uint64_t offset, uint64_t size) : offset(offset), size(size) {}
    uint64_t offset, size;
};
namespace distributed {
class MeshDevice {};
class MeshCommandQueue {};
void Synchronize(MeshDevice* device, std::optional<uint8_t> cq_id);
}  // namespace distributed
void copy_to_device(const Tensor& host_tensor, Tensor& device_tensor, std::optional<QueueId> cq_id = std::nullopt);
void copy_to_device(distributed::MeshCommandQueue& queue, const std::byte* src, Tensor& device_tensor,
                    const std::optional<BufferRegion>& region = std::nullopt);
void copy_to_host(distributed::MeshCommandQueue& queue, const Tensor& device_tensor, std::byte* dst,
                  const std::optional<BufferRegion>& region = std::nullopt, bool blocking = true);
}  // namespace tt::tt_metal

namespace ttnn {
using Tensor = tt::tt_metal::Tensor;
using QueueId = tt::tt_metal::QueueId;
}  // namespace ttnn
