// The old shim's synchronize: must not compile from 2026-08-18 on, where Synchronize takes MeshDevice&.
#include "compat_api.hpp"

void old_synchronize(tt::tt_metal::distributed::MeshDevice& mesh) {
    ::tt::tt_metal::distributed::Synchronize(&mesh, std::nullopt);
}
