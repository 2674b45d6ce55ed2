// The real TT-NN adapter: each function of ttnn_adapter.hpp is one call of the TT-NN C++ API of
// TT-Metalium, checked against tt-metal 622c6fb9 (../VERIFIED_API.md; ../check_real_headers.sh
// compiles this file against a tt-metal tree). Calls whose form moved after that commit go through
// ttnn_compat.hpp. Built by CMake only (needs TT_METAL_HOME); never part of the Maven build.
//
// The counters here are what the wrappers dispatch: one op per wrapper call (a composite TT-NN op
// counts once), host<->device bytes of the tensors written and read, explicit allocations and
// layout conversions. DRAM traffic is not observable here (0); the host double measures it.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>

#include <tt-metalium/allocator.hpp>
#include <tt-metalium/buffer.hpp>
#include <tt-metalium/distributed.hpp>
#include <tt-metalium/host_api.hpp>
#include <tt-metalium/mesh_device.hpp>

#include "ttnn/device.hpp"
#include "ttnn/operations/copy/typecast/typecast.hpp"
#include "ttnn/operations/core/core.hpp"
#include "ttnn/operations/core/to_layout/to_layout_op.hpp"
#include "ttnn/operations/creation/creation.hpp"
#include "ttnn/operations/data_movement/concat/concat.hpp"
#include "ttnn/operations/data_movement/copy/copy.hpp"
#include "ttnn/operations/data_movement/reshape_view/reshape.hpp"
#include "ttnn/operations/data_movement/sharded/interleaved_to_sharded/interleaved_to_sharded.hpp"
#include "ttnn/operations/data_movement/sharded/sharded_to_interleaved/sharded_to_interleaved.hpp"
#include "ttnn/operations/data_movement/slice/slice.hpp"
#include "ttnn/operations/eltwise/binary/binary.hpp"
#include "ttnn/operations/eltwise/ternary/ternary.hpp"
#include "ttnn/operations/eltwise/unary/unary.hpp"
#include "ttnn/operations/eltwise/unary/unary_composite.hpp"
#include "ttnn/operations/embedding/embedding.hpp"
#include "ttnn/operations/experimental/paged_cache/paged_cache.hpp"
#include "ttnn/operations/experimental/plusone/plusone.hpp"
#include "ttnn/operations/experimental/transformer/nlp_concat_heads_decode/nlp_concat_heads_decode.hpp"
#include "ttnn/operations/experimental/transformer/nlp_create_qkv_heads_decode/nlp_create_qkv_heads_decode.hpp"
#include "ttnn/operations/experimental/transformer/rotary_embedding_hf/rotary_embedding_hf.hpp"
#include "ttnn/operations/matmul/matmul.hpp"
#include "ttnn/operations/moreh/moreh_norm/moreh_norm.hpp"
#include "ttnn/operations/normalization/rmsnorm/rmsnorm.hpp"
#include "ttnn/operations/reduction/argmax/argmax.hpp"
#include "ttnn/operations/reduction/generic/generic_reductions.hpp"
#include "ttnn/operations/reduction/topk/topk.hpp"
#include "ttnn/operations/trace.hpp"
#include "ttnn/operations/transformer/sdpa_decode/sdpa_decode.hpp"
#include "ttnn/tensor/tensor.hpp"
#include "ttnn/tensor/tensor_ops.hpp"

#include "ttnn_adapter.hpp"
#include "ttnn_compat.hpp"

namespace bttshim::nn {

struct DeviceImpl {
    std::shared_ptr<::ttnn::MeshDevice> mesh;
    Counters counters;
    std::map<std::string, uint64_t> stats;
    std::optional<uint32_t> capturing;
    std::map<uint32_t, std::vector<std::pair<std::string, std::string>>> traces;  // op, compute config
};

struct TensorImpl {
    ::ttnn::Tensor t;
    DeviceImpl* device = nullptr;
};

namespace {

std::mutex& devices_mutex() {
    static std::mutex m;
    return m;
}

/* The adapter state of each open mesh, to count what an op on its tensors dispatches. */
std::map<const ::ttnn::MeshDevice*, DeviceImpl*>& devices() {
    static std::map<const ::ttnn::MeshDevice*, DeviceImpl*> open;
    return open;
}

DeviceImpl& state_of(const ::ttnn::Tensor& t) {
    std::lock_guard<std::mutex> lock(devices_mutex());
    return *devices().at(t.device());
}

::ttnn::QueueId queue() { return ::ttnn::QueueId(0); }

void count(DeviceImpl& dev, const std::string& op, const std::string& compute = "", bool conversion = false) {
    if (dev.capturing) {
        dev.traces[*dev.capturing].emplace_back(op, compute);
        return;
    }
    dev.counters.ops += 1;
    dev.stats["op:" + op] += 1;
    if (!compute.empty()) dev.stats["compute:" + op + " " + compute] += 1;
    if (conversion) dev.counters.layout_conversions += 1;
}

Tensor wrap(::ttnn::Tensor t, DeviceImpl& dev) {
    auto impl = std::make_shared<TensorImpl>();
    impl->t = std::move(t);
    impl->device = &dev;
    return Tensor(impl);
}

Tensor wrap(::ttnn::Tensor t, const Tensor& like) { return wrap(std::move(t), *like.impl().device); }

const ::ttnn::Tensor& tt(const Tensor& t) { return t.impl().t; }

::ttnn::DataType to_tt(DataType d) {
    switch (d) {
        case DataType::BFLOAT16: return ::ttnn::DataType::BFLOAT16;
        case DataType::FLOAT32: return ::ttnn::DataType::FLOAT32;
        case DataType::UINT32: return ::ttnn::DataType::UINT32;
        case DataType::BFLOAT8_B: return ::ttnn::DataType::BFLOAT8_B;
        case DataType::BFLOAT4_B: return ::ttnn::DataType::BFLOAT4_B;
        case DataType::UINT16: return ::ttnn::DataType::UINT16;
        case DataType::INT32: return ::ttnn::DataType::INT32;
    }
    throw std::invalid_argument("unknown DataType");
}

DataType from_tt(::ttnn::DataType d) {
    switch (d) {
        case ::ttnn::DataType::BFLOAT16: return DataType::BFLOAT16;
        case ::ttnn::DataType::FLOAT32: return DataType::FLOAT32;
        case ::ttnn::DataType::UINT32: return DataType::UINT32;
        case ::ttnn::DataType::BFLOAT8_B: return DataType::BFLOAT8_B;
        case ::ttnn::DataType::BFLOAT4_B: return DataType::BFLOAT4_B;
        case ::ttnn::DataType::UINT16: return DataType::UINT16;
        case ::ttnn::DataType::INT32: return DataType::INT32;
        default: throw std::invalid_argument("a TT-NN dtype the shim does not use");
    }
}

::ttnn::Layout to_tt(Layout l) { return l == Layout::TILE ? ::ttnn::Layout::TILE : ::ttnn::Layout::ROW_MAJOR; }

/* The compute grid's width of the open device: a CoreGrid run (linear core indices) becomes core
 * ranges over it. The shim opens one device per process. */
std::atomic<uint32_t>& grid_width() {
    static std::atomic<uint32_t> width{8};
    return width;
}

/* A CoreGrid as TT-NN's CoreRangeSet: its rectangle from (0, 0), or its run of cores split at row ends. */
::ttnn::CoreRangeSet to_tt(const CoreGrid& g) {
    if (!g.run) return ::ttnn::CoreRangeSet(::ttnn::CoreRange(::ttnn::CoreCoord(0, 0), ::ttnn::CoreCoord(g.x - 1, g.y - 1)));
    const uint32_t width = std::max<uint32_t>(1, grid_width().load());
    std::vector<::ttnn::CoreRange> ranges;
    const std::vector<uint32_t> cores = g.linear(width);
    for (std::size_t i = 0; i < cores.size();) {
        std::size_t j = i;
        while (j + 1 < cores.size() && cores[j + 1] == cores[j] + 1 && cores[j + 1] % width != 0) ++j;
        ranges.emplace_back(::ttnn::CoreCoord(cores[i] % width, cores[i] / width),
                            ::ttnn::CoreCoord(cores[j] % width, cores[j] / width));
        i = j + 1;
    }
    return ::ttnn::CoreRangeSet(std::move(ranges));
}

::ttnn::MemoryConfig to_tt(const MemoryConfig& m) {
    const ::ttnn::BufferType buffer = m.buffer == BufferType::L1 ? ::ttnn::BufferType::L1 : ::ttnn::BufferType::DRAM;
    if (!m.is_sharded()) return ::ttnn::MemoryConfig{::ttnn::TensorMemoryLayout::INTERLEAVED, buffer};
    const ShardSpec& s = *m.shard;
    ::tt::tt_metal::ShardSpec spec(to_tt(s.grid), std::array<uint32_t, 2>{s.height, s.width},
                                   s.orientation == ShardOrientation::ROW_MAJOR ? ::ttnn::ShardOrientation::ROW_MAJOR
                                                                                : ::ttnn::ShardOrientation::COL_MAJOR);
    ::ttnn::TensorMemoryLayout layout = m.layout == MemoryLayout::HEIGHT_SHARDED  ? ::ttnn::TensorMemoryLayout::HEIGHT_SHARDED
                                        : m.layout == MemoryLayout::WIDTH_SHARDED ? ::ttnn::TensorMemoryLayout::WIDTH_SHARDED
                                                                                  : ::ttnn::TensorMemoryLayout::BLOCK_SHARDED;
    return ::ttnn::MemoryConfig{layout, buffer, spec};
}

std::optional<::ttnn::MemoryConfig> to_tt(const std::optional<MemoryConfig>& m) {
    if (!m) return std::nullopt;
    return to_tt(*m);
}

::ttnn::DeviceComputeKernelConfig to_tt(const ComputeConfig& c) {
    ::ttnn::WormholeComputeKernelConfig config;
    switch (c.fidelity) {
        case MathFidelity::LoFi: config.math_fidelity = ::tt::tt_metal::MathFidelity::LoFi; break;
        case MathFidelity::HiFi2: config.math_fidelity = ::tt::tt_metal::MathFidelity::HiFi2; break;
        case MathFidelity::HiFi3: config.math_fidelity = ::tt::tt_metal::MathFidelity::HiFi3; break;
        case MathFidelity::HiFi4: config.math_fidelity = ::tt::tt_metal::MathFidelity::HiFi4; break;
    }
    config.math_approx_mode = c.math_approx;
    config.fp32_dest_acc_en = c.fp32_dest_acc;
    config.packer_l1_acc = c.packer_l1_acc;
    return config;
}

std::optional<::ttnn::DeviceComputeKernelConfig> to_tt(const std::optional<ComputeConfig>& c) {
    if (!c) return std::nullopt;
    return to_tt(*c);
}

/* A fused unary op of binary_ng or a matmul (unary_op_types.hpp). */
::ttnn::operations::unary::EltwiseUnaryWithParam to_tt(const UnaryOp& op) {
    using ::ttnn::operations::unary::UnaryOpType;
    switch (op.kind) {
        case UnaryKind::RELU: return {UnaryOpType::RELU};
        case UnaryKind::SQUARE: return {UnaryOpType::SQUARE};
        case UnaryKind::RECIP: return {UnaryOpType::RECIP};
        case UnaryKind::MUL: return {UnaryOpType::MUL_UNARY_SFPU, op.param};
        case UnaryKind::ROUND: return {UnaryOpType::ROUND, static_cast<int32_t>(op.param)};
        case UnaryKind::RELU_MIN: return {UnaryOpType::RELU_MIN, op.param};
    }
    throw std::invalid_argument("unknown UnaryKind");
}

std::vector<::ttnn::operations::unary::EltwiseUnaryWithParam> to_tt(const std::vector<UnaryOp>& ops) {
    std::vector<::ttnn::operations::unary::EltwiseUnaryWithParam> out;
    for (const UnaryOp& op : ops) out.push_back(to_tt(op));
    return out;
}

::ttnn::Shape to_tt(const Shape& s) { return ::ttnn::Shape(ttsl::SmallVector<uint32_t>(s.begin(), s.end())); }

template <typename T>
void write_all(Tensor& dst, const T* data, std::size_t count) {
    ::ttnn::Tensor& device = dst.impl().t;
    ttsl::Span<const T> span(data, count);
    // from_span converts on the host (tilize, block-float packing) to the destination's spec; the copy
    // keeps dst's buffer, whose address a captured trace may hold.
    ::ttnn::Tensor host = ::ttnn::Tensor::from_span(span, device.tensor_spec(), nullptr);
    compat::copy_to_device(host, device, queue());
    dst.impl().device->counters.host_to_device_bytes += storage_bytes(dst.shape(), dst.dtype(), dst.layout());
}

}  // namespace

Shape Tensor::shape() const {
    const ::ttnn::Shape& s = impl_->t.logical_shape();
    return Shape(s.cbegin(), s.cend());
}
DataType Tensor::dtype() const { return from_tt(impl_->t.dtype()); }
Layout Tensor::layout() const { return impl_->t.layout() == ::ttnn::Layout::TILE ? Layout::TILE : Layout::ROW_MAJOR; }
MemoryConfig Tensor::memory() const {
    const ::ttnn::MemoryConfig m = impl_->t.memory_config();
    MemoryConfig out;
    out.buffer = m.buffer_type() == ::ttnn::BufferType::L1 ? BufferType::L1 : BufferType::DRAM;
    switch (m.memory_layout()) {
        case ::ttnn::TensorMemoryLayout::HEIGHT_SHARDED: out.layout = MemoryLayout::HEIGHT_SHARDED; break;
        case ::ttnn::TensorMemoryLayout::WIDTH_SHARDED: out.layout = MemoryLayout::WIDTH_SHARDED; break;
        case ::ttnn::TensorMemoryLayout::BLOCK_SHARDED: out.layout = MemoryLayout::BLOCK_SHARDED; break;
        default: out.layout = MemoryLayout::INTERLEAVED; break;
    }
    if (m.shard_spec()) {
        const auto& s = *m.shard_spec();
        const auto box = s.grid.bounding_box();
        out.shard = ShardSpec{{static_cast<uint32_t>(box.end_coord.x + 1), static_cast<uint32_t>(box.end_coord.y + 1)},
                              s.shape[0], s.shape[1],
                              s.orientation == ::ttnn::ShardOrientation::ROW_MAJOR ? ShardOrientation::ROW_MAJOR
                                                                                    : ShardOrientation::COL_MAJOR};
    }
    return out;
}

/* ---- device: ttnn/api/ttnn/device.hpp, tt-metalium/distributed.hpp, host_api.hpp ---- */

const char* adapter_name() { return "ttnn"; }

int device_count() { return static_cast<int>(::tt::tt_metal::GetNumAvailableDevices()); }

Device open_device(const DeviceOptions& options) {
    auto dev = std::make_shared<DeviceImpl>();
    // The three leading parameters are the same in every version seen.
    dev->mesh = ::ttnn::open_mesh_device(options.device_id, options.l1_small_size, options.trace_region_size);
    dev->mesh->enable_program_cache();
    grid_width() = static_cast<uint32_t>(dev->mesh->compute_with_storage_grid_size().x);
    std::lock_guard<std::mutex> lock(devices_mutex());
    devices()[dev->mesh.get()] = dev.get();
    return Device(dev);
}

void close_device(Device& device) {
    DeviceImpl& dev = device.impl();
    {
        std::lock_guard<std::mutex> lock(devices_mutex());
        devices().erase(dev.mesh.get());
    }
    dev.mesh->close();
}

DeviceInfo device_info(Device& device) {
    ::ttnn::MeshDevice& mesh = *device.impl().mesh;
    DeviceInfo info;
    switch (mesh.arch()) {
        case ::tt::ARCH::WORMHOLE_B0: info.arch = "wormhole_b0"; break;
        case ::tt::ARCH::BLACKHOLE: info.arch = "blackhole"; break;
        default: info.arch = "unknown"; break;
    }
    auto grid = mesh.compute_with_storage_grid_size();
    info.cores = static_cast<uint32_t>(grid.x * grid.y);
    info.grid_x = static_cast<uint32_t>(grid.x);
    info.dram_banks = static_cast<uint32_t>(mesh.num_dram_channels());
    info.l1_bytes_per_core = mesh.l1_size_per_core();
    info.dram_bytes = static_cast<uint64_t>(mesh.num_dram_channels()) * mesh.dram_size_per_channel();
    return info;
}

void synchronize(Device& device) { compat::synchronize(*device.impl().mesh); }

Counters counters(Device& device) {
    DeviceImpl& dev = device.impl();
    Counters c = dev.counters;
    const auto& allocator = dev.mesh->allocator();
    c.dram_bytes_in_use = allocator->get_statistics(::ttnn::BufferType::DRAM).total_allocated_bytes;
    c.l1_bytes_in_use = allocator->get_statistics(::ttnn::BufferType::L1).total_allocated_bytes;
    return c;
}

void reset_counters(Device& device) {
    device.impl().counters = Counters{};
    device.impl().stats.clear();
}

std::vector<std::pair<std::string, uint64_t>> op_stats(Device& device) {
    return {device.impl().stats.begin(), device.impl().stats.end()};
}

/* ---- tensors: creation.hpp (empty), tensor.hpp (from_span, to_vector), tensor_ops.hpp (copy_to_device,
 * copy_to_host with a BufferRegion), core.hpp (deallocate) ---- */

Tensor empty(Device& device, const Shape& shape, DataType dtype, Layout layout, const MemoryConfig& memory) {
    DeviceImpl& dev = device.impl();
    dev.counters.allocations += 1;
    return wrap(::ttnn::empty(to_tt(shape), to_tt(dtype), to_tt(layout), dev.mesh.get(), to_tt(memory)), dev);
}

void write(Tensor& dst, const float* data, std::size_t count) { write_all(dst, data, count); }
void write(Tensor& dst, const uint32_t* data, std::size_t count) { write_all(dst, data, count); }
void write(Tensor& dst, const int32_t* data, std::size_t count) { write_all(dst, data, count); }

void write_region(Tensor& dst, const void* bytes, uint64_t offset, uint64_t size) {
    DeviceImpl& dev = *dst.impl().device;
    compat::copy_region_to_device(dev.mesh->mesh_command_queue(std::nullopt), static_cast<const std::byte*>(bytes),
                                  dst.impl().t, ::tt::tt_metal::BufferRegion(offset, size));
    dev.counters.host_to_device_bytes += size;
}

std::vector<float> read_f32(const Tensor& src) {
    src.impl().device->counters.device_to_host_bytes += storage_bytes(src.shape(), src.dtype(), src.layout());
    if (src.dtype() == DataType::INT32) {
        std::vector<int32_t> v = tt(src).to_vector<int32_t>();
        return std::vector<float>(v.begin(), v.end());
    }
    return tt(src).to_vector<float>();
}

std::vector<uint32_t> read_u32(const Tensor& src) {
    src.impl().device->counters.device_to_host_bytes += storage_bytes(src.shape(), src.dtype(), src.layout());
    return tt(src).to_vector<uint32_t>();
}

void read_region(const Tensor& src, void* bytes, uint64_t offset, uint64_t size) {
    DeviceImpl& dev = *src.impl().device;
    compat::copy_region_to_host(dev.mesh->mesh_command_queue(std::nullopt), tt(src), static_cast<std::byte*>(bytes),
                                ::tt::tt_metal::BufferRegion(offset, size));
    dev.counters.device_to_host_bytes += size;
}

std::vector<uint32_t> read_leading(const Tensor& src, uint64_t n) {
    const DataType d = src.dtype();
    const bool half = d == DataType::BFLOAT16 || d == DataType::UINT16;
    const bool word = d == DataType::FLOAT32 || d == DataType::UINT32 || d == DataType::INT32;
    uint64_t elements = 1;
    for (uint32_t x : src.shape()) elements *= x;
    if (src.layout() != Layout::ROW_MAJOR || src.memory().is_sharded() || !(half || word) || n == 0 || n > elements) {
        throw std::runtime_error("read_leading: " + std::to_string(n) + " elements of a tensor that is not an interleaved "
                                 "ROW_MAJOR tensor of 16- or 32-bit elements holding them");
    }
    const uint64_t size = half ? 2 : 4;
    std::vector<std::byte> raw((n * size + 3) / 4 * 4);
    read_region(src, raw.data(), 0, raw.size());
    std::vector<uint32_t> out(n);
    for (uint64_t i = 0; i < n; ++i) {
        if (half) {
            uint16_t h;
            std::memcpy(&h, raw.data() + 2 * i, 2);
            out[i] = d == DataType::BFLOAT16 ? static_cast<uint32_t>(h) << 16 : h;
        } else {
            std::memcpy(&out[i], raw.data() + 4 * i, 4);
        }
    }
    return out;
}

void deallocate(Tensor& t) {
    if (!t.valid()) return;
    ::ttnn::deallocate(t.impl().t, true);
    t.impl().device->counters.deallocations += 1;
}

uint64_t device_bytes(const Tensor& t) { return storage_bytes(t.shape(), t.dtype(), t.layout()); }

/* ---- data movement: copy.hpp, reshape.hpp, slice.hpp, concat.hpp, to_layout_op.hpp, typecast.hpp,
 * interleaved_to_sharded.hpp ---- */

void copy(const Tensor& src, Tensor& dst) {
    count(*src.impl().device, "ttnn::copy");
    ::ttnn::copy(tt(src), tt(dst));
}

Tensor reshape(const Tensor& t, const Shape& shape, const std::optional<MemoryConfig>& memory) {
    count(*t.impl().device, "ttnn::reshape");
    return wrap(::ttnn::reshape(tt(t), to_tt(shape), to_tt(memory)), t);
}

Tensor slice(const Tensor& t, const Shape& begins, const Shape& ends, const std::optional<MemoryConfig>& memory) {
    count(*t.impl().device, "ttnn::slice");
    std::vector<uint32_t> step(begins.size(), 1);
    ttsl::Span<const uint32_t> b(begins.data(), begins.size()), e(ends.data(), ends.size()), s(step.data(), step.size());
    return wrap(::ttnn::slice(tt(t), b, e, s, to_tt(memory)), t);
}

Tensor concat(const std::vector<Tensor>& parts, int dim, const std::optional<MemoryConfig>& memory) {
    count(*parts.at(0).impl().device, "ttnn::concat");
    std::vector<::ttnn::Tensor> inputs;
    for (const Tensor& p : parts) inputs.push_back(tt(p));
    return wrap(::ttnn::concat(inputs, dim, to_tt(memory)), parts.at(0));
}

Tensor to_layout(const Tensor& t, Layout layout, const std::optional<MemoryConfig>& memory) {
    count(*t.impl().device, layout == Layout::TILE ? "ttnn::tilize" : "ttnn::untilize", "", t.layout() != layout);
    return wrap(::ttnn::to_layout(tt(t), to_tt(layout), std::nullopt, to_tt(memory)), t);
}

Tensor typecast(const Tensor& t, DataType dtype, const std::optional<MemoryConfig>& memory) {
    count(*t.impl().device, "ttnn::typecast");
    return wrap(::ttnn::typecast(tt(t), to_tt(dtype), to_tt(memory)), t);
}

Tensor bitcast(const Tensor& t, DataType dtype, const std::optional<MemoryConfig>& memory) {
    count(*t.impl().device, "ttnn::bitcast");
    return wrap(::ttnn::bitcast(tt(t), to_tt(dtype), to_tt(memory)), t);
}

Tensor interleaved_to_sharded(const Tensor& t, const MemoryConfig& sharded) {
    count(*t.impl().device, "ttnn::interleaved_to_sharded");
    return wrap(::ttnn::interleaved_to_sharded(tt(t), to_tt(sharded)), t);
}

/* ---- element-wise: unary.hpp (DECLARE_UNARY_OP: input, memory_config, output, sub_core_grids; round),
 * unary_composite.hpp (clamp), binary.hpp (add / multiply: lhs, rhs, dtype, memory_config, output),
 * generic_reductions.hpp (max) ---- */

Tensor abs(const Tensor& t, const std::optional<MemoryConfig>& memory) {
    count(*t.impl().device, "ttnn::abs");
    return wrap(::ttnn::abs(tt(t), to_tt(memory)), t);
}

Tensor neg(const Tensor& t, const std::optional<MemoryConfig>& memory) {
    count(*t.impl().device, "ttnn::neg");
    return wrap(::ttnn::neg(tt(t), to_tt(memory)), t);
}

Tensor relu(const Tensor& t, const std::optional<MemoryConfig>& memory) {
    count(*t.impl().device, "ttnn::relu");
    return wrap(::ttnn::relu(tt(t), to_tt(memory)), t);
}

Tensor reciprocal(const Tensor& t, const std::optional<MemoryConfig>& memory) {
    count(*t.impl().device, "ttnn::reciprocal");
    return wrap(::ttnn::reciprocal(tt(t), to_tt(memory)), t);
}

Tensor round(const Tensor& t, int32_t decimals, const std::optional<MemoryConfig>& memory) {
    count(*t.impl().device, "ttnn::round");
    return wrap(::ttnn::round(tt(t), std::optional<int32_t>(decimals), to_tt(memory)), t);
}

Tensor clamp(const Tensor& t, float lo, float hi, const std::optional<MemoryConfig>& memory) {
    count(*t.impl().device, "ttnn::clamp");
    return wrap(::ttnn::clamp(tt(t), std::optional<std::variant<float, int32_t>>(lo),
                              std::optional<std::variant<float, int32_t>>(hi), to_tt(memory)),
                t);
}

Tensor max(const Tensor& t, int dim, bool keepdim, const std::optional<MemoryConfig>& memory) {
    count(*t.impl().device, "ttnn::max");
    // Only the leading parameters: the trailing ones were removed on 2026-08-18 (ttnn_compat.hpp).
    return wrap(::ttnn::max(tt(t), std::optional<std::variant<int, int64_t, ttsl::SmallVector<int>>>(dim), keepdim,
                            to_tt(memory)),
                t);
}

namespace {

std::optional<const ::ttnn::DataType> binary_dtype(const BinaryOptions& o) {
    if (!o.dtype) return std::nullopt;
    return to_tt(*o.dtype);
}

std::optional<::ttnn::Tensor> binary_output(const BinaryOptions& o) {
    if (!o.output) return std::nullopt;
    return tt(*o.output);
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, const BinaryOptions& o) {
    count(*a.impl().device, "ttnn::add");
    const auto post = to_tt(o.post), lhs = to_tt(o.lhs), rhs = to_tt(o.rhs);
    return wrap(::ttnn::add(tt(a), tt(b), binary_dtype(o), to_tt(o.memory), binary_output(o), post, lhs, rhs), a);
}

Tensor multiply(const Tensor& a, const Tensor& b, const BinaryOptions& o) {
    count(*a.impl().device, "ttnn::multiply");
    const auto post = to_tt(o.post), lhs = to_tt(o.lhs), rhs = to_tt(o.rhs);
    return wrap(::ttnn::multiply(tt(a), tt(b), binary_dtype(o), to_tt(o.memory), binary_output(o), post, lhs, rhs), a);
}

Tensor multiply(const Tensor& a, float b, const BinaryOptions& o) {
    count(*a.impl().device, "ttnn::multiply");
    const auto post = to_tt(o.post), lhs = to_tt(o.lhs), rhs = to_tt(o.rhs);
    return wrap(::ttnn::multiply(tt(a), b, binary_dtype(o), to_tt(o.memory), binary_output(o), post, lhs, rhs), a);
}

Tensor divide(const Tensor& a, const Tensor& b, const BinaryOptions& o) {
    count(*a.impl().device, "ttnn::divide");
    const auto post = to_tt(o.post), lhs = to_tt(o.lhs), rhs = to_tt(o.rhs);
    return wrap(::ttnn::divide(tt(a), tt(b), binary_dtype(o), to_tt(o.memory), binary_output(o), post, lhs, rhs), a);
}

/* ---- ternary.hpp (addcmul), moreh_norm.hpp, plusone.hpp ---- */

Tensor addcmul(const Tensor& a, const Tensor& b, const Tensor& c, float value, const std::optional<MemoryConfig>& memory,
               const std::optional<Tensor>& output) {
    count(*a.impl().device, "ttnn::addcmul");
    std::optional<::ttnn::Tensor> out;
    if (output) out = tt(*output);
    return wrap(::ttnn::addcmul(tt(a), tt(b), tt(c), value, to_tt(memory), out), a);
}

Tensor moreh_norm(const Tensor& t, float p, int dim, bool keepdim, const std::optional<MemoryConfig>& memory,
                  const std::optional<ComputeConfig>& compute) {
    count(*t.impl().device, "ttnn::moreh_norm", compute ? compute->text() : "");
    const int64_t rank = static_cast<int64_t>(t.shape().size());
    const int64_t d = dim < 0 ? dim + rank : dim;
    return wrap(::ttnn::moreh_norm(tt(t), p, std::optional<std::variant<int64_t, ttsl::SmallVector<int64_t>>>(d), keepdim,
                                   std::nullopt, to_tt(memory), to_tt(compute)),
                t);
}

void plus_one(const Tensor& t) {
    count(*t.impl().device, "ttnn::experimental::plus_one");
    ::ttnn::operations::experimental::plus_one(tt(t));
}

/* ---- matmul.hpp (linear), rmsnorm.hpp, embedding.hpp, paged_cache.hpp, sdpa_decode.hpp, argmax.hpp,
 * topk.hpp ---- */

Tensor linear(const Tensor& a, const Tensor& b, const LinearOptions& o) {
    count(*a.impl().device, "ttnn::linear", o.compute ? o.compute->text() : "");
    std::optional<const ::ttnn::MemoryConfig> memory;
    if (o.memory) memory.emplace(to_tt(*o.memory));
    std::optional<const ::ttnn::DataType> dtype;
    if (o.dtype) dtype.emplace(to_tt(*o.dtype));
    std::optional<const ::ttnn::DeviceComputeKernelConfig> compute;
    if (o.compute) compute.emplace(to_tt(*o.compute));
    std::optional<::ttnn::Tensor> output;
    if (o.output) output = tt(*o.output);
    std::optional<const ::ttnn::operations::matmul::MatmulProgramConfig> program;
    if (o.dram_sharded) {
        ::ttnn::operations::matmul::MatmulMultiCoreReuseMultiCastDRAMShardedProgramConfig config;
        config.in0_block_w = o.dram_sharded->in0_block_w;
        config.per_core_M = o.dram_sharded->per_core_M;
        config.per_core_N = o.dram_sharded->per_core_N;
        if (o.dram_sharded->fused_activation) {
            const UnaryOp& act = *o.dram_sharded->fused_activation;
            using ::ttnn::operations::unary::UnaryOpType;
            using ::ttnn::operations::unary::UnaryWithParam;
            switch (act.kind) {
                case UnaryKind::RELU: config.fused_activation = UnaryWithParam(UnaryOpType::RELU); break;
                case UnaryKind::SQUARE: config.fused_activation = UnaryWithParam(UnaryOpType::SQUARE); break;
                default: throw std::invalid_argument(std::string("a matmul fuses no ") + name(act.kind));
            }
        }
        program.emplace(config);
    }
    return wrap(::ttnn::linear(tt(a), tt(b), std::nullopt, false, o.transpose_b, memory, dtype, program, std::nullopt,
                               compute, std::nullopt, std::nullopt, output),
                a);
}

Tensor rms_norm(const Tensor& x, float eps, const std::optional<Tensor>& weight, const NormOptions& o) {
    count(*x.impl().device, "ttnn::rms_norm", o.compute ? o.compute->text() : "");
    std::optional<const ::ttnn::Tensor> gamma;
    if (weight) gamma.emplace(tt(*weight));
    std::optional<const ::ttnn::Tensor> residual;
    if (o.residual) residual.emplace(tt(*o.residual));
    std::optional<const ::ttnn::prim::LayerNormProgramConfig> program;
    if (o.sharded) {
        ::ttnn::prim::LayerNormShardedMultiCoreProgramConfig config;
        config.compute_with_storage_grid_size = ::ttnn::CoreCoord(o.sharded->grid_x, o.sharded->grid_y);
        config.subblock_w = o.sharded->subblock_w;
        config.block_h = o.sharded->block_h;
        config.block_w = o.sharded->block_w;
        config.inplace = false;
        program.emplace(config);
    }
    std::optional<const ::ttnn::DeviceComputeKernelConfig> config;
    if (o.compute) config.emplace(to_tt(*o.compute));
    return wrap(::ttnn::rms_norm(tt(x), eps, gamma, std::nullopt, residual, to_tt(o.memory), program, config), x);
}

Tensor embedding(const Tensor& ids, const Tensor& table, const EmbeddingOptions& o) {
    count(*ids.impl().device, "ttnn::embedding");
    std::optional<::ttnn::Layout> layout;
    if (o.layout) layout = to_tt(*o.layout);
    std::optional<const ::ttnn::DataType> dtype;
    if (o.dtype) dtype.emplace(to_tt(*o.dtype));
    return wrap(::ttnn::embedding(tt(ids), tt(table), std::nullopt, layout, ::ttnn::prim::EmbeddingsType::GENERIC, dtype,
                                  to_tt(o.memory)),
                ids);
}

void paged_update_cache(const Tensor& cache, const Tensor& input, const std::vector<uint32_t>& update_idxs,
                        const std::optional<Tensor>& update_idxs_tensor, const std::optional<ComputeConfig>& compute) {
    count(*cache.impl().device, "ttnn::experimental::paged_update_cache", compute ? compute->text() : "");
    std::optional<const ::ttnn::Tensor> index;
    if (update_idxs_tensor) index.emplace(tt(*update_idxs_tensor));
    std::optional<const ::ttnn::DeviceComputeKernelConfig> config;
    if (compute) config.emplace(to_tt(*compute));
    // No page table: the cache is one contiguous sequence per user. No mesh coordinates: one chip.
    ::ttnn::experimental::paged_update_cache(tt(cache), tt(input), update_idxs, index, std::optional<bool>(false),
                                             std::nullopt, 0, config, std::nullopt);
}

Tensor sdpa_decode(const Tensor& q, const Tensor& k, const Tensor& v, const SdpaDecodeOptions& o) {
    count(*q.impl().device, "ttnn::transformer::scaled_dot_product_attention_decode", o.compute ? o.compute->text() : "");
    std::optional<const ::ttnn::Tensor> position;
    if (o.cur_pos_tensor) position.emplace(tt(*o.cur_pos_tensor));
    std::optional<::ttnn::operations::transformer::SDPAProgramConfig> program;
    if (o.program) {
        ::ttnn::operations::transformer::SDPAProgramConfig config;
        config.compute_with_storage_grid_size = ::ttnn::CoreCoord(o.program->grid_x, o.program->grid_y);
        config.q_chunk_size = o.program->q_chunk_size;
        config.k_chunk_size = o.program->k_chunk_size;
        config.exp_approx_mode = o.program->exp_approx;
        program = config;
    }
    return wrap(::ttnn::transformer::scaled_dot_product_attention_decode(
                    tt(q), tt(k), tt(v), o.causal, std::nullopt, o.cur_pos, position, std::nullopt, o.scale, std::nullopt,
                    to_tt(o.memory), program, to_tt(o.compute)),
                q);
}

/* ---- nlp_create_qkv_heads_decode.hpp, rotary_embedding_hf.hpp, paged_cache.hpp (fused),
 * nlp_concat_heads_decode.hpp, sharded_to_interleaved.hpp / interleaved_to_sharded.hpp ---- */

std::array<Tensor, 3> nlp_create_qkv_heads_decode(const Tensor& qkv, uint32_t heads, uint32_t kv_heads, bool overlap_qk,
                                                  const MemoryConfig& memory, const std::optional<Tensor>& batch_offset,
                                                  const std::optional<uint32_t>& slice_size) {
    count(*qkv.impl().device, "ttnn::experimental::nlp_create_qkv_heads_decode");
    std::optional<std::array<::ttnn::Tensor, 3>> outputs;
    std::optional<const ::ttnn::Tensor> offset;
    if (batch_offset) offset.emplace(tt(*batch_offset));
    std::optional<const uint32_t> slice;
    if (slice_size) slice.emplace(*slice_size);
    auto [q, k, v] = ::ttnn::experimental::nlp_create_qkv_heads_decode(
        tt(qkv), heads, std::optional<const uint32_t>(kv_heads), outputs, std::optional<const bool>(overlap_qk), offset, slice,
        std::optional<::ttnn::MemoryConfig>(to_tt(memory)));
    return {wrap(q, qkv), wrap(k, qkv), wrap(v, qkv)};
}

Tensor rotary_embedding_hf(const Tensor& x, const Tensor& cos, const Tensor& sin, bool decode,
                           const std::optional<MemoryConfig>& memory, const std::optional<ComputeConfig>& compute) {
    count(*x.impl().device, "ttnn::experimental::rotary_embedding_hf", compute ? compute->text() : "");
    std::optional<const ::ttnn::DeviceComputeKernelConfig> config;
    if (compute) config.emplace(to_tt(*compute));
    return wrap(::ttnn::experimental::rotary_embedding_hf(tt(x), tt(cos), tt(sin), decode, to_tt(memory), config), x);
}

void paged_fused_update_cache(const Tensor& cache1, const Tensor& input1, const Tensor& cache2, const Tensor& input2,
                              const Tensor& update_idxs_tensor, const std::optional<ComputeConfig>& compute) {
    count(*cache1.impl().device, "ttnn::experimental::paged_fused_update_cache", compute ? compute->text() : "");
    std::optional<const ::ttnn::DeviceComputeKernelConfig> config;
    if (compute) config.emplace(to_tt(*compute));
    // No page table: one contiguous sequence per user. No mesh coordinates: one chip.
    ::ttnn::experimental::paged_fused_update_cache(tt(cache1), tt(input1), tt(cache2), tt(input2), {},
                                                   std::optional<const ::ttnn::Tensor>(tt(update_idxs_tensor)),
                                                   std::optional<bool>(false), std::nullopt, 0, config, std::nullopt);
}

Tensor nlp_concat_heads_decode(const Tensor& x, uint32_t heads, const CoreGrid& sub_core_grid) {
    count(*x.impl().device, "ttnn::experimental::nlp_concat_heads_decode");
    return wrap(::ttnn::experimental::nlp_concat_heads_decode(tt(x), heads, std::nullopt, std::nullopt,
                                                              std::optional<::ttnn::CoreRangeSet>(to_tt(sub_core_grid))),
                x);
}

Tensor to_memory_config(const Tensor& t, const MemoryConfig& memory, const std::optional<DataType>& dtype) {
    std::optional<::ttnn::DataType> out_dtype;
    if (dtype) out_dtype = to_tt(*dtype);
    if (t.memory().is_sharded() && !memory.is_sharded()) {
        count(*t.impl().device, "ttnn::sharded_to_interleaved");
        return wrap(::ttnn::sharded_to_interleaved(tt(t), to_tt(memory), out_dtype), t);
    }
    if (!t.memory().is_sharded() && memory.is_sharded() && !dtype) {
        count(*t.impl().device, "ttnn::interleaved_to_sharded");
        return wrap(::ttnn::interleaved_to_sharded(tt(t), to_tt(memory)), t);
    }
    count(*t.impl().device, "ttnn::to_memory_config");
    return wrap(::ttnn::to_memory_config(tt(t), to_tt(memory), out_dtype), t);
}

Tensor argmax(const Tensor& t, int dim, bool keepdim, const std::optional<MemoryConfig>& memory,
              const std::optional<Tensor>& output) {
    count(*t.impl().device, "ttnn::argmax");
    std::optional<::ttnn::Tensor> out;
    if (output) out = tt(*output);
    return wrap(::ttnn::argmax(tt(t), std::optional<int>(dim), keepdim, std::nullopt, to_tt(memory), out), t);
}

std::pair<Tensor, Tensor> topk(const Tensor& t, uint32_t k, int dim, bool largest, bool sorted,
                               const std::optional<MemoryConfig>& memory) {
    count(*t.impl().device, "ttnn::topk");
    std::vector<::ttnn::Tensor> outs =
        ::ttnn::topk(tt(t), k, static_cast<int8_t>(dim), largest, sorted, to_tt(memory), std::nullopt, std::nullopt, std::nullopt);
    if (outs.size() != 2) throw std::runtime_error("ttnn::topk returned " + std::to_string(outs.size()) + " tensors, expected 2");
    return {wrap(outs[0], t), wrap(outs[1], t)};
}

/* ---- traces: ttnn/cpp/ttnn/operations/trace.hpp ---- */

uint32_t begin_trace(Device& device) {
    DeviceImpl& dev = device.impl();
    auto id = ::ttnn::operations::trace::begin_trace_capture(dev.mesh.get(), queue());
    dev.capturing = static_cast<uint32_t>(*id);
    dev.traces[*dev.capturing].clear();
    return *dev.capturing;
}

void end_trace(Device& device, uint32_t id) {
    DeviceImpl& dev = device.impl();
    ::ttnn::operations::trace::end_trace_capture(dev.mesh.get(), ::tt::tt_metal::distributed::MeshTraceId(id), queue());
    dev.capturing.reset();
}

void execute_trace(Device& device, uint32_t id, bool blocking) {
    DeviceImpl& dev = device.impl();
    ::ttnn::operations::trace::execute_trace(dev.mesh.get(), ::tt::tt_metal::distributed::MeshTraceId(id), queue(),
                                             blocking);
    for (const auto& [op, compute] : dev.traces[id]) count(dev, op, compute);
}

void release_trace(Device& device, uint32_t id) {
    DeviceImpl& dev = device.impl();
    ::ttnn::operations::trace::release_trace(dev.mesh.get(), ::tt::tt_metal::distributed::MeshTraceId(id));
    dev.traces.erase(id);
}

}  // namespace bttshim::nn
