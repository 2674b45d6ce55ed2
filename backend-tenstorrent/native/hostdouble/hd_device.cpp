// The host double's device: opening, capacity, buffers, host transfers, the in-order command queue,
// trace capture and replay, and the counters.
#include <algorithm>
#include <cstring>
#include <sstream>

#include "hd_internal.hpp"
#include "hd_numerics.hpp"

namespace bttshim::nn {

namespace hd {

HD_RULE(kAllocated, "ttnn (every op)", "tensor.allocated",
        "operands must be device tensors allocated in buffers on the device (not deallocated)",
        "ttnn/cpp/ttnn/operations/*/device/*_device_operation.cpp (\"need to be allocated in buffers on device\")");
HD_RULE(kSameDevice, "ttnn (every op)", "tensor.same_device", "operands must be on the same device",
        "ttnn/cpp/ttnn/operations/*/device/*_device_operation.cpp (\"need to be on the same device\")");
HD_RULE(kBlockFloatTile, "ttnn::empty", "tensor_spec.block_float_tile",
        "BFLOAT8_B and BFLOAT4_B tensors must be in TILE layout",
        "tt_metal/impl/tensor/spec/tensor_spec.cpp (\"Only TILE layout is supported for BFLOAT8_B dtype\")");
HD_RULE(kShardedL1, "ttnn::empty", "memory_config.shard_spec",
        "a sharded memory config needs a shard spec whose grid fits the device and whose shards cover the tensor",
        "tt_metal/impl/tensor/spec/tensor_spec.cpp (shard grid fit), tt_metal/impl/buffers/buffer.cpp");
HD_RULE(kNoWriteInCapture, "ttnn::copy_to_device", "trace.no_write_in_capture",
        "writes are not supported during trace capture", "tt_metal/distributed/fd_mesh_command_queue.cpp");
HD_RULE(kNoReadInCapture, "ttnn::from_device", "trace.no_read_in_capture",
        "reads are not supported during trace capture", "tt_metal/distributed/fd_mesh_command_queue.cpp");
HD_RULE(kRegion, "tt::tt_metal::copy_to_device", "copy_to_device.region",
        "a BufferRegion write must lie inside the buffer", "tt_metal/api/tt-metalium/buffer.hpp (is_valid_region)");
HD_RULE(kTraceNested, "ttnn::operations::trace::begin_trace_capture", "trace.nested",
        "a trace capture cannot begin while another is being captured",
        "tt_metal/distributed/mesh_device.cpp (begin_mesh_trace: \"CQ is already being used for tracing\")");
HD_RULE(kTraceUnknown, "ttnn::operations::trace::execute_trace", "trace.unknown_id",
        "the trace id must name a captured trace that was not released",
        "tt_metal/distributed/mesh_device.cpp (get_mesh_trace), tt_metal/distributed/mesh_trace.cpp");
HD_RULE(kTraceBlocking, "ttnn::operations::trace", "trace.no_blocking_in_capture",
        "blocking calls and synchronization are not supported while a trace is recorded",
        "tt_metal/distributed/fd_mesh_command_queue.cpp (\"Blocking is not supported when recording a trace\")");

uint64_t volume(const Shape& shape) {
    uint64_t v = 1;
    for (uint32_t d : shape) v *= d;
    return v;
}

bool is_block_float(DataType d) { return d == DataType::BFLOAT8_B || d == DataType::BFLOAT4_B; }
bool is_float(DataType d) { return d == DataType::BFLOAT16 || d == DataType::FLOAT32 || is_block_float(d); }
bool is_integer(DataType d) { return !is_float(d); }

Shape padded_shape(const Shape& shape, Layout layout) {
    Shape p = shape;
    if (layout != Layout::TILE) return p;
    if (p.size() == 1) p.insert(p.begin(), 1);
    p[p.size() - 1] = (p[p.size() - 1] + kTile - 1) / kTile * kTile;
    p[p.size() - 2] = (p[p.size() - 2] + kTile - 1) / kTile * kTile;
    return p;
}

uint64_t tensor_bytes(const Shape& shape, DataType dtype, Layout layout) { return storage_bytes(shape, dtype, layout); }

namespace {

void release(DeviceImpl& dev, Buffer& b) {
    if (!b.allocated) return;
    b.allocated = false;
    (b.type == BufferType::DRAM ? dev.dram_used : dev.l1_used) -= b.bytes;
    dev.counters.deallocations += 1;
}

std::string bytes_text(uint64_t b) { return std::to_string(b) + " B"; }

void run_program(DeviceImpl& dev, Program& p) {
    if (!p.op.empty()) {
        dev.counters.ops += 1;
        dev.stats["op:" + p.op] += 1;
        if (!p.compute.empty()) dev.stats["compute:" + p.op + " " + p.compute] += 1;
        dev.stats["program:" + p.op + " " + p.program_config] += 1;
        if (p.layout_conversion) dev.counters.layout_conversions += 1;
    }
    p.run(dev);
}

}  // namespace

Tensor allocate(DeviceImpl& dev, const Shape& shape, DataType dtype, Layout layout, const MemoryConfig& memory) {
    check(!(is_block_float(dtype) && layout != Layout::TILE), kBlockFloatTile,
          std::string("got ") + name(dtype) + " " + name(layout) + " " + shape_text(shape));
    const uint64_t bytes = tensor_bytes(shape, dtype, layout);
    if (memory.is_sharded()) {
        // A DRAM width-sharded weight spreads over the DRAM banks (the grid then counts banks).
        const bool dram_banks = memory.buffer == BufferType::DRAM && memory.layout == MemoryLayout::WIDTH_SHARDED &&
                                memory.shard.has_value() && memory.shard->grid.cores() <= dev.options.dram_banks;
        check((memory.buffer == BufferType::L1 || dram_banks) && memory.shard.has_value() && memory.shard->height > 0 &&
                  memory.shard->width > 0 && (dram_banks || dev.grid_fits(memory.shard->grid)),
              kShardedL1, "got " + memory.text() + " for " + shape_text(shape) + " on " +
                              std::to_string(dev.options.cores) + " cores");
        const Shape p = padded_shape(shape, layout);
        const uint64_t height = volume(p) / p.back();
        const uint64_t shards_h = (height + memory.shard->height - 1) / memory.shard->height;
        const uint64_t shards_w = (p.back() + memory.shard->width - 1) / memory.shard->width;
        check(shards_h * shards_w <= memory.shard->grid.cores(), kShardedL1,
              "shards of " + std::to_string(memory.shard->height) + "x" + std::to_string(memory.shard->width) +
                  " do not cover " + shape_text(p) + " on " + std::to_string(memory.shard->grid.cores()) + " cores");
    }
    const bool dram = memory.buffer == BufferType::DRAM;
    const uint64_t capacity = dram ? dev.dram_capacity : dev.l1_capacity;
    uint64_t& used = dram ? dev.dram_used : dev.l1_used;
    if (bytes > capacity - used) {
        // The allocator's message on a card starts the same way (tt_metal/impl/allocator/bank_manager.cpp).
        throw std::runtime_error("Out of Memory: Not enough space to allocate " + bytes_text(bytes) + " " +
                                 (dram ? "DRAM" : "L1") + " buffer for " + name(dtype) + " " + name(layout) + " " +
                                 shape_text(shape) + ": " + bytes_text(capacity - used) + " free of " +
                                 bytes_text(capacity));
    }
    used += bytes;
    dev.counters.allocations += 1;
    auto buffer = std::make_shared<Buffer>();
    if (dev.live_traces > 0 && !dev.capturing) {
        // tt_metal/impl/allocator/allocator.cpp (verify_safe_allocation): a buffer allocated while a trace
        // lives may take the address of one of its intermediates, and a replay then overwrites it,
        // unless it is freed before the replay. execute_trace counts those still allocated.
        dev.allocated_while_live.push_back(buffer);
    }
    buffer->device = &dev;
    buffer->type = memory.buffer;
    buffer->bytes = bytes;
    buffer->stores_data = !dev.count_only() || is_integer(dtype);
    if (buffer->stores_data) buffer->words.assign(volume(shape), 0u);
    return Tensor(std::make_shared<TensorImpl>(std::move(buffer), shape, dtype, layout, memory));
}

Tensor view(const Tensor& t, const Shape& shape) {
    TensorImpl& i = t.impl();
    i.device().stats["view:ttnn::reshape"] += 1;
    return Tensor(std::make_shared<TensorImpl>(i.buffer, shape, i.dtype, i.layout, i.memory));
}

void enqueue(DeviceImpl& dev, Program program) {
    if (dev.capturing) {
        dev.traces[*dev.capturing].programs.push_back(std::move(program));
    } else {
        dev.queue.push_back(std::move(program));
    }
}

void drain(DeviceImpl& dev) {
    std::vector<Program> queue;
    queue.swap(dev.queue);
    for (Program& p : queue) {
        try {
            run_program(dev, p);
        } catch (const std::exception& e) {
            if (dev.pending_error.empty()) dev.pending_error = e.what();
        }
    }
}

void drain_and_check(DeviceImpl& dev) {
    drain(dev);
    if (!dev.pending_error.empty()) {
        std::string message = dev.pending_error;
        dev.pending_error.clear();
        throw std::runtime_error(message);
    }
}

DeviceImpl& device_of(const Tensor& t) { return t.impl().device(); }

void require_device_tensor(const char* op, const Tensor& t, const char* role) {
    check(t.valid() && t.impl().buffer->allocated && !t.impl().device().closed, kAllocated,
          std::string(op) + " " + role + (t.valid() ? " " + shape_text(t.impl().shape) + " was deallocated" : " is empty"));
}

void require_same_device(const char* op, const Tensor& a, const Tensor& b) {
    check(&device_of(a) == &device_of(b), kSameDevice, std::string(op) + ": operands live on different devices");
}

}  // namespace hd

/* ---- TensorImpl and Tensor ---- */

TensorImpl::TensorImpl(std::shared_ptr<hd::Buffer> b, Shape s, DataType d, Layout l, MemoryConfig m)
    : owner(b->device->shared_from_this()),
      buffer(std::move(b)), shape(std::move(s)), dtype(d), layout(l), memory(std::move(m)) {
    buffer->handles += 1;
}

TensorImpl::~TensorImpl() {
    // ttnn::Tensor frees its buffer when the last handle on it goes (queued programs keep the storage).
    if (--buffer->handles == 0 && !buffer->device->closed) hd::release(*buffer->device, *buffer);
}

Shape Tensor::shape() const { return impl_->shape; }
DataType Tensor::dtype() const { return impl_->dtype; }
Layout Tensor::layout() const { return impl_->layout; }
MemoryConfig Tensor::memory() const { return impl_->memory; }

/* ---- device ---- */

const char* adapter_name() { return "ttnn-host-double"; }

int device_count() { return 1; }

Device open_device(const DeviceOptions& options) {
    if (options.device_id != 0) {
        throw std::runtime_error("device_id " + std::to_string(options.device_id) +
                                 " does not exist (the host double has one device, id 0)");
    }
    auto dev = std::make_shared<DeviceImpl>();
    dev->options = options;
    if (dev->options.cores == 0) dev->options.cores = hd::kDefaultCores;
    if (dev->options.l1_bytes_per_core == 0) dev->options.l1_bytes_per_core = hd::kDefaultL1PerCore;
    if (dev->options.dram_bytes == 0) dev->options.dram_bytes = hd::kDefaultDramBytes;
    if (dev->options.dram_banks == 0) dev->options.dram_banks = hd::kDefaultDramBanks;
    dev->dram_capacity = dev->options.dram_bytes;
    dev->l1_capacity = dev->options.l1_bytes_per_core * dev->options.cores;
    return Device(dev);
}

void close_device(Device& device) {
    DeviceImpl& dev = device.impl();
    // Queued programs are dropped, as closing a card abandons its command queue.
    dev.queue.clear();
    dev.traces.clear();
    dev.closed = true;
}

DeviceInfo device_info(Device& device) {
    DeviceImpl& dev = device.impl();
    DeviceInfo info;
    info.arch = "host-double";
    info.cores = dev.options.cores;
    info.grid_x = dev.grid_x();
    info.dram_banks = dev.options.dram_banks;
    info.l1_bytes_per_core = dev.options.l1_bytes_per_core;
    info.dram_bytes = dev.dram_capacity;
    info.count_only = dev.count_only();
    return info;
}

void synchronize(Device& device) {
    DeviceImpl& dev = device.impl();
    hd::check(!dev.capturing, hd::kTraceBlocking, "synchronize while trace " + std::to_string(*dev.capturing) + " records");
    hd::drain_and_check(dev);
}

Counters counters(Device& device) {
    DeviceImpl& dev = device.impl();
    Counters c = dev.counters;
    c.dram_bytes_in_use = dev.dram_used;
    c.l1_bytes_in_use = dev.l1_used;
    return c;
}

void reset_counters(Device& device) {
    DeviceImpl& dev = device.impl();
    hd::drain(dev);
    dev.counters = Counters{};
    dev.stats.clear();
}

std::vector<std::pair<std::string, uint64_t>> op_stats(Device& device) {
    DeviceImpl& dev = device.impl();
    hd::drain(dev);
    return {dev.stats.begin(), dev.stats.end()};
}

/* ---- tensors ---- */

Tensor empty(Device& device, const Shape& shape, DataType dtype, Layout layout, const MemoryConfig& memory) {
    return hd::allocate(device.impl(), shape, dtype, layout, memory);
}

namespace {

/* Converts host data to the stored form at enqueue time (TT-NN converts on the host), then writes
 * it in queue order. */
void write_words(Tensor& dst, std::vector<uint32_t> words, const char* what) {
    hd::require_device_tensor("ttnn::copy_to_device", dst, "destination");
    TensorImpl& t = dst.impl();
    DeviceImpl& dev = t.device();
    hd::check(!dev.capturing, hd::kNoWriteInCapture, std::string(what) + " into " + shape_text(t.shape));
    dev.counters.host_to_device_bytes += t.bytes();
    std::shared_ptr<hd::Buffer> buffer = t.buffer;
    hd::enqueue(dev, {"", "", "", false, [buffer, words = std::move(words)](DeviceImpl&) {
                          if (buffer->stores_data) buffer->words = words;
                      }});
}

void check_count(const Tensor& t, std::size_t count) {
    if (count != t.impl().elements()) {
        throw std::runtime_error("copy_to_device: " + std::to_string(count) + " host values for tensor " +
                                 shape_text(t.impl().shape) + " of " + std::to_string(t.impl().elements()));
    }
}

}  // namespace

void write(Tensor& dst, const float* data, std::size_t count) {
    check_count(dst, count);
    TensorImpl& t = dst.impl();
    if (!t.buffer->stores_data) {
        // Count-only: the transfer is counted, nothing is converted or kept.
        write_words(dst, {}, "write");
        return;
    }
    std::vector<uint32_t> words(count);
    if (hd::is_float(t.dtype)) {
        std::vector<float> v(data, data + count);
        const uint64_t width = t.shape.back();
        for (uint64_t r = 0; r < count / width; ++r) hd::round_row(t.dtype, v.data() + r * width, width);
        std::memcpy(words.data(), v.data(), count * sizeof(float));
    } else {
        for (std::size_t i = 0; i < count; ++i) words[i] = static_cast<uint32_t>(static_cast<int64_t>(data[i]));
    }
    write_words(dst, std::move(words), "write");
}

void write(Tensor& dst, const uint32_t* data, std::size_t count) {
    check_count(dst, count);
    if (hd::is_float(dst.impl().dtype)) {
        std::vector<float> v(count);
        for (std::size_t i = 0; i < count; ++i) v[i] = static_cast<float>(data[i]);
        write(dst, v.data(), count);
        return;
    }
    write_words(dst, std::vector<uint32_t>(data, data + count), "write");
}

void write(Tensor& dst, const int32_t* data, std::size_t count) {
    check_count(dst, count);
    std::vector<uint32_t> words(count);
    std::memcpy(words.data(), data, count * sizeof(int32_t));
    write_words(dst, std::move(words), "write");
}

void write_region(Tensor& dst, const void* bytes, uint64_t offset, uint64_t size) {
    hd::require_device_tensor("tt::tt_metal::copy_to_device", dst, "destination");
    TensorImpl& t = dst.impl();
    DeviceImpl& dev = t.device();
    hd::check(!dev.capturing, hd::kNoWriteInCapture, "region write into " + shape_text(t.shape));
    hd::check(t.layout == Layout::ROW_MAJOR && !hd::is_float(t.dtype) && offset % 4 == 0 && size % 4 == 0 &&
                  offset + size <= t.bytes(),
              hd::kRegion, "region [" + std::to_string(offset) + ", " + std::to_string(offset + size) + ") of " +
                               name(t.dtype) + " " + name(t.layout) + " " + shape_text(t.shape) + " (" +
                               std::to_string(t.bytes()) + " B)");
    dev.counters.host_to_device_bytes += size;
    std::vector<uint32_t> words(size / 4);
    std::memcpy(words.data(), bytes, size);
    std::shared_ptr<hd::Buffer> buffer = t.buffer;
    hd::enqueue(dev, {"", "", "", false, [buffer, words = std::move(words), first = offset / 4](DeviceImpl&) {
                          if (buffer->stores_data) std::copy(words.begin(), words.end(), buffer->words.begin() + first);
                      }});
}

namespace {

std::vector<uint32_t> read_words(const Tensor& src, std::optional<uint64_t> region_bytes = std::nullopt) {
    hd::require_device_tensor("ttnn::from_device", src, "source");
    TensorImpl& t = src.impl();
    DeviceImpl& dev = t.device();
    hd::check(!dev.capturing, hd::kNoReadInCapture, "read of " + shape_text(t.shape));
    hd::drain_and_check(dev);
    dev.counters.device_to_host_bytes += region_bytes.value_or(t.bytes());
    if (!t.buffer->stores_data) return std::vector<uint32_t>(t.elements(), 0u);
    return t.buffer->words;
}

}  // namespace

std::vector<float> read_f32(const Tensor& src) {
    std::vector<uint32_t> w = read_words(src);
    std::vector<float> v(w.size());
    if (hd::is_float(src.impl().dtype)) {
        std::memcpy(v.data(), w.data(), w.size() * sizeof(float));
    } else {
        for (std::size_t i = 0; i < w.size(); ++i) {
            v[i] = src.impl().dtype == DataType::INT32 ? static_cast<float>(static_cast<int32_t>(w[i]))
                                                         : static_cast<float>(w[i]);
        }
    }
    return v;
}

std::vector<uint32_t> read_u32(const Tensor& src) {
    if (hd::is_float(src.impl().dtype)) {
        throw std::runtime_error(std::string("to_vector<uint32_t> of a ") + name(src.impl().dtype) +
                                 " tensor: only UINT32 tensors convert to uint32_t (ttnn/core/tensor/tensor_impl.cpp)");
    }
    return read_words(src);
}

void read_region(const Tensor& src, void* bytes, uint64_t offset, uint64_t size) {
    TensorImpl& t = src.impl();
    hd::check(t.layout == Layout::ROW_MAJOR && !hd::is_float(t.dtype) && offset % 4 == 0 && size % 4 == 0 &&
                  offset + size <= t.bytes(),
              hd::kRegion, "read region [" + std::to_string(offset) + ", " + std::to_string(offset + size) + ") of " +
                               shape_text(t.shape));
    std::vector<uint32_t> w = read_words(src, size);  // only the region crosses
    std::memcpy(bytes, w.data() + offset / 4, size);
}

std::vector<uint32_t> read_leading(const Tensor& src, uint64_t n) {
    TensorImpl& t = src.impl();
    const uint64_t size = t.elements() == 0 ? 0 : t.bytes() / t.elements();
    hd::check(t.layout == Layout::ROW_MAJOR && !t.memory.is_sharded() && (size == 2 || size == 4) && n >= 1 &&
                  n <= t.elements(),
              hd::kRegion, "read of the first " + std::to_string(n) + " elements of " + name(t.dtype) + " " +
                               name(t.layout) + " " + t.memory.text() + " " + shape_text(t.shape) +
                               " (the double reads leading elements of interleaved ROW_MAJOR 16- and 32-bit tensors)");
    // Only the region crosses: n elements rounded up to 4 bytes, as the real adapter's read.
    std::vector<uint32_t> w = read_words(src, (n * size + 3) / 4 * 4);
    w.resize(n);
    return w;
}

void deallocate(Tensor& t) {
    if (!t.valid()) return;
    TensorImpl& i = t.impl();
    if (!i.device().closed) hd::release(i.device(), *i.buffer);
}

uint64_t device_bytes(const Tensor& t) { return t.impl().bytes(); }

/* ---- traces ---- */

uint32_t begin_trace(Device& device) {
    DeviceImpl& dev = device.impl();
    hd::check(!dev.capturing, hd::kTraceNested, "trace " + std::to_string(dev.capturing.value_or(0)) + " is recording");
    const uint32_t id = dev.next_trace++;
    dev.traces[id] = hd::Trace{};
    dev.capturing = id;
    return id;
}

void end_trace(Device& device, uint32_t id) {
    DeviceImpl& dev = device.impl();
    hd::check(dev.capturing == id, hd::kTraceUnknown, "end of trace " + std::to_string(id) + ", which is not recording");
    dev.traces[id].ended = true;
    dev.capturing.reset();
    dev.live_traces += 1;
}

void execute_trace(Device& device, uint32_t id, bool blocking) {
    DeviceImpl& dev = device.impl();
    hd::check(!dev.capturing, hd::kTraceBlocking, "replay of trace " + std::to_string(id) + " while another records");
    auto it = dev.traces.find(id);
    hd::check(it != dev.traces.end() && it->second.ended, hd::kTraceUnknown, "trace " + std::to_string(id));
    std::vector<std::weak_ptr<hd::Buffer>> still;
    for (const std::weak_ptr<hd::Buffer>& w : dev.allocated_while_live) {
        std::shared_ptr<hd::Buffer> b = w.lock();
        if (b && b->allocated) {
            dev.stats["hazard:replay over a buffer allocated while a trace lived"] += 1;
            still.push_back(w);
        }
    }
    dev.allocated_while_live.swap(still);
    // A replay runs fixed programs on fixed buffers: nothing is allocated.
    for (const hd::Program& p : it->second.programs) dev.queue.push_back(p);
    if (blocking) hd::drain_and_check(dev);
}

void release_trace(Device& device, uint32_t id) {
    DeviceImpl& dev = device.impl();
    auto it = dev.traces.find(id);
    hd::check(it != dev.traces.end(), hd::kTraceUnknown, "release of trace " + std::to_string(id));
    if (it->second.ended) dev.live_traces -= 1;
    if (dev.live_traces == 0) dev.allocated_while_live.clear();
    dev.traces.erase(it);
}

}  // namespace bttshim::nn
