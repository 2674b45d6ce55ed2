// Every guarded call of ttnn_compat.hpp, compiled at each API level (see ../../../hostdouble/Makefile).
#include "compat_api.hpp"
#include "ttnn_compat.hpp"

void use_every_guard(tt::tt_metal::distributed::MeshDevice& mesh, tt::tt_metal::distributed::MeshCommandQueue& queue,
                     const ttnn::Tensor& host, ttnn::Tensor& device) {
    bttshim::compat::copy_to_device(host, device, ttnn::QueueId{0});
    std::byte bytes[4] = {};
    bttshim::compat::copy_region_to_device(queue, bytes, device, tt::tt_metal::BufferRegion(0, 4));
    bttshim::compat::copy_region_to_host(queue, device, bytes, tt::tt_metal::BufferRegion(0, 4));
    bttshim::compat::synchronize(mesh);
}
