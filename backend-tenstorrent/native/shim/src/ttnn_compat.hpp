// Version guards for the TT-NN calls whose form moved after tt-metal 622c6fb9 (spec: ttnn.md §2).
//
// Include after the TT-NN / TT-Metalium headers. BTT_TTNN_API_DATE is the date (YYYYMMDD) of the
// tt-metal tree compiled against; CMakeLists.txt probes it (or takes -DBTT_TTNN_API_DATE=...), and the
// default is 622c6fb9's. test/compat/ compiles this header against stand-in declarations of both API
// levels, so a guard that picks the wrong form fails in CI, not on a card.
#pragma once

#include <cstddef>
#include <optional>

#ifndef BTT_TTNN_API_DATE
#define BTT_TTNN_API_DATE 20260623  // tt-metal 622c6fb9
#endif

namespace bttshim::compat {

/* copy_to_device: tt::tt_metal:: (ttnn/api/ttnn/tensor/tensor_ops.hpp) up to 2026-07-28, ttnn:: from
 * d4e57975 (2026-07-29). */
#if BTT_TTNN_API_DATE >= 20260729
namespace tensor_ops = ::ttnn;
#else
namespace tensor_ops = ::tt::tt_metal;
#endif

inline void copy_to_device(const ::ttnn::Tensor& host, ::ttnn::Tensor& device, ::ttnn::QueueId queue) {
    tensor_ops::copy_to_device(host, device, queue);
}

/* Raw bytes into a region of a device buffer (the queue form of copy_to_device). */
inline void copy_region_to_device(::tt::tt_metal::distributed::MeshCommandQueue& queue, const std::byte* source,
                                  ::ttnn::Tensor& device, const ::tt::tt_metal::BufferRegion& region) {
    tensor_ops::copy_to_device(queue, source, device, std::optional<::tt::tt_metal::BufferRegion>(region));
}

inline void copy_region_to_host(::tt::tt_metal::distributed::MeshCommandQueue& queue, const ::ttnn::Tensor& device,
                                std::byte* target, const ::tt::tt_metal::BufferRegion& region) {
    tensor_ops::copy_to_host(queue, device, target, std::optional<::tt::tt_metal::BufferRegion>(region), true);
}

/* distributed::Synchronize takes MeshDevice* (and an optional command queue) up to 2026-08-17 and
 * MeshDevice& from 5804b6a0 (2026-08-18). */
inline void synchronize(::tt::tt_metal::distributed::MeshDevice& mesh) {
#if BTT_TTNN_API_DATE >= 20260818
    ::tt::tt_metal::distributed::Synchronize(mesh, std::nullopt);
#else
    ::tt::tt_metal::distributed::Synchronize(&mesh, std::nullopt);
#endif
}

// Reductions (ttnn::max, ...) lost their trailing parameters on 2026-08-18: the adapter passes only
// the leading ones (input, dim, keepdim, memory_config), valid at both levels, so no guard is needed.

}  // namespace bttshim::compat
