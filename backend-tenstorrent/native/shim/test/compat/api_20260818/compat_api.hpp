// Stand-in declarations of the TT-NN calls ttnn_compat.hpp guards, as tt-metal declares them from
// 2026-08-18 on (spec: ttnn.md §2, reconstructed from tt-mlir's uplift commits): copy_to_device and
// copy_to_host in ttnn:: (since d4e57975), Synchronize taking MeshDevice& (since 5804b6a0).
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
void Synchronize(MeshDevice& device, std::optional<uint8_t> cq_id);
}  // namespace distributed
}  // namespace tt::tt_metal

namespace ttnn {
using Tensor = tt::tt_metal::Tensor;
using QueueId = tt::tt_metal::QueueId;
void copy_to_device(const Tensor& host_tensor, Tensor& device_tensor, std::optional<QueueId> cq_id = std::nullopt);
void copy_to_device(tt::tt_metal::distributed::MeshCommandQueue& queue, const std::byte* src, Tensor& device_tensor,
                    const std::optional<tt::tt_metal::BufferRegion>& region = std::nullopt);
void copy_to_host(tt::tt_metal::distributed::MeshCommandQueue& queue, const Tensor& device_tensor, std::byte* dst,
                  const std::optional<tt::tt_metal::BufferRegion>& region = std::nullopt, bool blocking = true);
}  // namespace ttnn
