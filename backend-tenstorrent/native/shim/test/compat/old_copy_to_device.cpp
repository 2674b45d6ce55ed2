// The old shim's upload (ttnn_adapter.cpp before the guards): must not compile at 622c6fb9, where
// copy_to_device lives in tt::tt_metal.
#include "compat_api.hpp"

void old_upload(const ttnn::Tensor& host, ttnn::Tensor& device) { ::ttnn::copy_to_device(host, device, ttnn::QueueId{0}); }
