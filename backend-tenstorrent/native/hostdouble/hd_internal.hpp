// Internals of the host double of TT-NN: device state, buffers, the command queue and traces.
//
// Model: a tensor is a handle on a device buffer holding its logical elements as 32-bit words
// (float bits already rounded to the dtype, or integers). Capacity and traffic are accounted in the
// bytes the tensor occupies on a card (32x32 tiles, block-float exponents, ROW_MAJOR sticks). An op
// call validates its arguments against the rules of the TT-NN op (hd_rules.hpp), allocates its
// outputs and enqueues a program; programs run in order at a barrier (a read, synchronize, a blocking
// trace replay), or are recorded into a trace while one is being captured.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hd_rules.hpp"
#include "ttnn_adapter.hpp"

namespace bttshim::nn {

struct DeviceImpl;

namespace hd {

constexpr uint32_t kTile = 32;
constexpr uint64_t kDefaultDramBytes = 12ull << 30;      // an n150
constexpr uint64_t kDefaultL1PerCore = 1464ull << 10;
constexpr uint32_t kDefaultCores = 64;                   // an 8x8 worker grid
constexpr uint32_t kDefaultDramBanks = 12;               // an n150's DRAM channels

/* Device storage of one buffer. Programs hold it by shared_ptr, so a replayed trace still has its
 * intermediates' storage after their handles are gone (the double does not model address reuse). */
struct Buffer {
    DeviceImpl* device = nullptr;
    BufferType type = BufferType::DRAM;
    uint64_t bytes = 0;
    bool allocated = true;
    bool stores_data = true;
    std::vector<uint32_t> words;  // logical elements; empty when !stores_data
    uint32_t handles = 0;         // TensorImpls naming it; the last one gone frees the allocation
};

uint64_t tensor_bytes(const Shape& shape, DataType dtype, Layout layout);
uint64_t volume(const Shape& shape);
/* The padded shape TT-NN reports: TILE pads the last two dims to 32 (rank 1 counts as [1, n]). */
Shape padded_shape(const Shape& shape, Layout layout);
bool is_block_float(DataType d);
bool is_float(DataType d);
bool is_integer(DataType d);

/* One recorded or queued piece of device work. */
struct Program {
    std::string op;                 // TT-NN op name, "" for a host transfer (not a program)
    std::string compute;            // compute config text, "" when the op takes none
    std::string program_config;     // "default" unless a program config was given
    bool layout_conversion = false;
    std::function<void(DeviceImpl&)> run;
};

struct Trace {
    std::vector<Program> programs;
    bool ended = false;
};

}  // namespace hd

struct DeviceImpl : std::enable_shared_from_this<DeviceImpl> {
    DeviceOptions options;
    uint64_t dram_capacity = 0;
    uint64_t l1_capacity = 0;
    uint64_t dram_used = 0;
    uint64_t l1_used = 0;
    bool closed = false;
    Counters counters;
    std::map<std::string, uint64_t> stats;
    std::vector<hd::Program> queue;
    std::optional<uint32_t> capturing;
    std::map<uint32_t, hd::Trace> traces;
    uint32_t next_trace = 1;
    uint32_t live_traces = 0;
    std::vector<std::weak_ptr<hd::Buffer>> allocated_while_live;  // see hd_device.cpp allocate()
    std::string pending_error;  // first failure of a program, reported by the next barrier

    bool count_only() const { return options.count_only; }
    /* Width of the compute grid (8 on the default 8x8; fewer cores form one row). */
    uint32_t grid_x() const { return options.cores >= 8 ? 8 : options.cores; }
    uint32_t grid_y() const { return options.cores / grid_x(); }
    /* Whether a core grid lies inside the compute grid. */
    bool grid_fits(const CoreGrid& g) const {
        if (g.run) return g.offset + g.cores() <= options.cores;
        return g.offset == 0 && g.x <= grid_x() && g.y <= grid_y();
    }
    /* Counts traffic to a buffer in DRAM. */
    void reads(const hd::Buffer& b, uint64_t bytes) {
        if (b.type == BufferType::DRAM) counters.dram_bytes_read += bytes;
    }
    void writes(const hd::Buffer& b, uint64_t bytes) {
        if (b.type == BufferType::DRAM) counters.dram_bytes_written += bytes;
    }
};

struct TensorImpl {
    std::shared_ptr<DeviceImpl> owner;  // a handle keeps its device's state alive
    std::shared_ptr<hd::Buffer> buffer;
    Shape shape;
    DataType dtype = DataType::FLOAT32;
    Layout layout = Layout::TILE;
    MemoryConfig memory;

    TensorImpl(std::shared_ptr<hd::Buffer> b, Shape s, DataType d, Layout l, MemoryConfig m);
    ~TensorImpl();
    TensorImpl(const TensorImpl&) = delete;
    TensorImpl& operator=(const TensorImpl&) = delete;

    uint64_t bytes() const { return hd::tensor_bytes(shape, dtype, layout); }
    uint64_t elements() const { return hd::volume(shape); }
    Shape padded() const { return hd::padded_shape(shape, layout); }
    DeviceImpl& device() const { return *buffer->device; }
};

namespace hd {

/* Allocates a new device tensor (budget checked) whose buffer is filled by a later program. */
Tensor allocate(DeviceImpl& dev, const Shape& shape, DataType dtype, Layout layout, const MemoryConfig& memory);
/* A second handle on t's buffer with another shape (a view). */
Tensor view(const Tensor& t, const Shape& shape);
/* Enqueues (or records into the trace being captured) a program. */
void enqueue(DeviceImpl& dev, Program program);
/* Runs queued programs; the first failure is kept and reported by drain_and_check. */
void drain(DeviceImpl& dev);
void drain_and_check(DeviceImpl& dev);
DeviceImpl& device_of(const Tensor& t);

/* Rules every op checks on its tensor arguments (on device, allocated, same device). */
void require_device_tensor(const char* op, const Tensor& t, const char* role);
void require_same_device(const char* op, const Tensor& a, const Tensor& b);

/* Element access on a buffer's words. */
inline float f(const Buffer& b, uint64_t i) {
    float v;
    std::memcpy(&v, &b.words[i], sizeof v);
    return v;
}
inline void set_f(Buffer& b, uint64_t i, float v) { std::memcpy(&b.words[i], &v, sizeof v); }

/* Whether a program can compute its output: count-only devices keep data for integer tensors only. */
inline bool has_data(std::initializer_list<const Buffer*> buffers) {
    for (const Buffer* b : buffers) {
        if (b != nullptr && !b->stores_data) return false;
    }
    return true;
}

}  // namespace hd
}  // namespace bttshim::nn
