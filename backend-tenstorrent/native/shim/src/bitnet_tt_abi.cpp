// extern "C" entry points of bitnet_tt.h: devices, tensors, traces and counters, and the dispatch of
// the fused primitives (primitives.cpp). Every entry point runs inside guarded(), so no C++ exception
// crosses the C boundary. Device work goes through ttnn_adapter.hpp only.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <utility>
#include <mutex>
#include <set>
#include <sstream>

#include "shim_state.hpp"

namespace bttshim {

std::string& last_error_slot() {
    thread_local std::string message;
    return message;
}

namespace {

std::mutex& registry_mutex() {
    static std::mutex m;
    return m;
}

std::set<btt_device*>& registry() {
    static std::set<btt_device*> open;
    return open;
}

std::vector<uint32_t> device_shape(const TensorRec& t) {
    std::vector<uint32_t> shape;
    // Float vectors are [1, n]: TT-NN pads the last two dims of a tile, and norms read gammas as rows.
    if (t.dims.size() == 1 && (t.dtype != BTT_DTYPE_UINT32 || t.layout == BTT_LAYOUT_TILE)) shape.push_back(1);
    for (int64_t d : t.dims) shape.push_back(static_cast<uint32_t>(d));
    return shape;
}

/* [Hkv, S_pad, D] on the device <-> the logical [S, Hkv * D]. */
void heads_to_rows(const TensorRec& t, const std::vector<float>& heads, float* rows) {
    const uint64_t s = t.dims[0], hkv = t.kv_heads, d = t.dims[1] / hkv;
    for (uint64_t h = 0; h < hkv; ++h)
        for (uint64_t r = 0; r < s; ++r)
            std::memcpy(rows + r * hkv * d + h * d, heads.data() + (h * t.seq_padded + r) * d, d * sizeof(float));
}

std::vector<float> rows_to_heads(const TensorRec& t, const float* rows) {
    const uint64_t s = t.dims[0], hkv = t.kv_heads, d = t.dims[1] / hkv;
    std::vector<float> heads(hkv * t.seq_padded * d, 0.0f);
    for (uint64_t h = 0; h < hkv; ++h)
        for (uint64_t r = 0; r < s; ++r)
            std::memcpy(heads.data() + (h * t.seq_padded + r) * d, rows + r * hkv * d + h * d, d * sizeof(float));
    return heads;
}

void release_everything(btt_device& dev) {
    dev.pending_update.reset();
    dev.rope_rows.clear();
    dev.traces.for_each([&](TraceRec& trace) {
        if (trace.ended) nn::release_trace(dev.dev, trace.id);
    });
    dev.traces.clear();
    dev.tensors.for_each([&](TensorRec& t) { release_tensor(dev, t); });
    dev.tensors.clear();
    for (auto& [d, t] : dev.constants.rotate_half) nn::deallocate(t);
    dev.constants.rotate_half.clear();
    if (dev.constants.batch_offset) nn::deallocate(*dev.constants.batch_offset);
    dev.constants.batch_offset.reset();
}

/* Whether a derived copy built from uploads is stale: an op wrote the plain buffer, none the copy. */
bool derived_stale(const TensorRec& t) { return t.op_written && !t.derived_current; }

template <typename Body>
btt_status primitive(btt_device* device, const char* function, Body&& body) noexcept {
    return guarded(function, [&] {
        Ctx c(device, function);
        // A K cache update waits for the V update that may follow, to share one fused update.
        if (std::strcmp(function, "btt_kv_cache_update") != 0) flush_pending_update(c.dev());
        body(c);
        if (c.capturing()) {
            c.dev().capture_abi_calls += 1;
        } else {
            c.dev().abi_calls += 1;
        }
    });
}

}  // namespace

/* ---- shared helpers (shim_state.hpp) ---- */

std::string shape_text(const std::vector<int64_t>& dims) {
    std::ostringstream out;
    out << '[';
    for (std::size_t i = 0; i < dims.size(); ++i) out << (i ? ", " : "") << dims[i];
    out << ']';
    return out.str();
}

const char* dtype_name(uint32_t dtype) {
    switch (dtype) {
        case BTT_DTYPE_BFLOAT16: return "BFLOAT16";
        case BTT_DTYPE_FLOAT32: return "FLOAT32";
        case BTT_DTYPE_UINT32: return "UINT32";
        case BTT_DTYPE_BFLOAT8_B: return "BFLOAT8_B";
        case BTT_DTYPE_BFLOAT4_B: return "BFLOAT4_B";
        default: return "?";
    }
}

nn::DataType data_type(uint32_t btt_dtype) {
    switch (btt_dtype) {
        case BTT_DTYPE_BFLOAT16: return nn::DataType::BFLOAT16;
        case BTT_DTYPE_FLOAT32: return nn::DataType::FLOAT32;
        case BTT_DTYPE_UINT32: return nn::DataType::UINT32;
        case BTT_DTYPE_BFLOAT8_B: return nn::DataType::BFLOAT8_B;
        case BTT_DTYPE_BFLOAT4_B: return nn::DataType::BFLOAT4_B;
        default: fail(BTT_ERR_INVALID_ARGUMENT, "dtype " + std::to_string(btt_dtype) + " is not a BTT_DTYPE_*");
    }
}

nn::Layout layout_of(uint32_t btt_layout) {
    switch (btt_layout) {
        case BTT_LAYOUT_ROW_MAJOR: return nn::Layout::ROW_MAJOR;
        case BTT_LAYOUT_TILE: return nn::Layout::TILE;
        default: fail(BTT_ERR_INVALID_ARGUMENT, "layout " + std::to_string(btt_layout) + " is not a BTT_LAYOUT_*");
    }
}

nn::MemoryConfig memory_config(uint32_t btt_memory) {
    switch (btt_memory) {
        case BTT_MEMORY_DRAM: return nn::MemoryConfig::dram();
        case BTT_MEMORY_L1: return nn::MemoryConfig::l1();
        case BTT_MEMORY_L1_HEIGHT_SHARDED:
        case BTT_MEMORY_L1_WIDTH_SHARDED:
            // A shard spec needs a core grid and shard shape per tensor, which the ABI does not carry.
            fail(BTT_ERR_UNSUPPORTED, "sharded placements are not implemented by the shim; use DRAM or L1");
        default: fail(BTT_ERR_INVALID_ARGUMENT, "memory " + std::to_string(btt_memory) + " is not a BTT_MEMORY_*");
    }
}

int32_t i32(int64_t v) { return static_cast<int32_t>(v); }

btt_device& live(btt_device* device) {
    if (device == nullptr) fail(BTT_ERR_INVALID_ARGUMENT, "device is null");
    std::lock_guard<std::mutex> lock(registry_mutex());
    if (registry().count(device) == 0) fail(BTT_ERR_CLOSED, "device was closed or never opened");
    return *device;
}

Ctx::Ctx(btt_device* device, const char* op) : dev_(live(device)), op_(op) {}

TensorRec& Ctx::tensor(btt_tensor handle, const char* role) {
    TensorRec& rec = dev_.tensors.get(handle, (std::string(op_) + " " + role).c_str());
    if (capturing()) dev_.capture_touched.insert(handle);
    return rec;
}

void Ctx::written(TensorRec& t, Value v) {
    if (capturing() && dev_.capture_saved.count(t.handle) == 0) dev_.capture_saved.emplace(t.handle, t.value);
    t.value = std::move(v);
    t.op_written = true;
    t.derived_current = false;
    t.version += 1;
    if (capturing()) dev_.capture_op_writes.insert(t.handle);
}

void Ctx::derived_written(TensorRec& t) {
    t.derived_current = true;
    t.version += 1;
    if (capturing()) dev_.capture_derived_writes.insert(t.handle);
}

void Ctx::reads_derived(TensorRec& t, const char* what) {
    if (derived_stale(t)) {
        fail(BTT_ERR_STATE, std::string(op_) + ": the " + what + " of tensor " + shape_text(t.dims) +
                                " is stale: an op wrote the tensor since its last upload, and the copy is "
                                "rewritten by uploads only");
    }
    if (capturing()) dev_.capture_derived_reads.insert(t.handle);
}

void Ctx::forbid_in_capture(const std::string& what) {
    if (capturing()) {
        fail(BTT_ERR_STATE, std::string(op_) + ": " + what +
                                " needs a one-time conversion; run the step once eagerly before capturing it");
    }
}

void Ctx::bad(const std::string& message) { fail(BTT_ERR_INVALID_ARGUMENT, std::string(op_) + ": " + message); }

void Ctx::expect_2d(const TensorRec& t, const char* role) {
    expect(t.dims.size() == 2, std::string(role) + " must be 2-D, got " + shape_text(t.dims));
}

void Ctx::expect_float(const TensorRec& t, const char* role) {
    expect(t.dtype != BTT_DTYPE_UINT32, std::string(role) + " must be a float dtype, got UINT32");
}

TensorRec& Ctx::position(btt_tensor handle) {
    TensorRec& p = tensor(handle, "position");
    expect(p.dtype == BTT_DTYPE_UINT32 && p.elements() == 1,
           "position must be UINT32 [1], got " + std::string(dtype_name(p.dtype)) + " " + shape_text(p.dims));
    return p;
}

}  // namespace bttshim

using namespace bttshim;

extern "C" {

int32_t btt_abi_version(void) { return BTT_ABI_VERSION; }

const char* btt_implementation(void) { return nn::adapter_name(); }

const char* btt_last_error(void) { return last_error_slot().c_str(); }

btt_status btt_device_count(int32_t* count) {
    return guarded("btt_device_count", [&] {
        require(count != nullptr, "count is null");
        *count = nn::device_count();
    });
}

btt_status btt_device_open(const btt_device_config* config, btt_device** out) {
    return guarded("btt_device_open", [&] {
        require(out != nullptr, "out must not be null");
        *out = nullptr;
        btt_device_config c{};
        if (config != nullptr) {
            require(config->struct_size >= offsetof(btt_device_config, dram_bytes),
                    "config->struct_size " + std::to_string(config->struct_size) + " is too small");
            // An older caller's shorter struct leaves the newer fields at their defaults.
            std::memcpy(&c, config, std::min<std::size_t>(config->struct_size, sizeof c));
        }
        require(c.device_id >= 0, "device_id must be >= 0, got " + std::to_string(c.device_id));
        nn::DeviceOptions options;
        options.device_id = c.device_id;
        // Defaults chosen here, not TT-NN's: a trace region is needed for btt_trace_*, and the decode
        // step of a 2B model records a few thousand commands.
        if (c.l1_small_size != 0) options.l1_small_size = c.l1_small_size;
        if (c.trace_region_size != 0) options.trace_region_size = c.trace_region_size;
        options.dram_bytes = c.dram_bytes;
        options.l1_bytes_per_core = c.l1_bytes_per_core;
        options.cores = c.cores;
        options.count_only = (c.flags & BTT_FLAG_COUNT_ONLY) != 0;
        require((c.flags & ~(BTT_FLAG_COUNT_ONLY | BTT_FLAG_ACCURACY)) == 0,
                "flags " + std::to_string(c.flags) + " has bits that are no BTT_FLAG_*");
        auto dev = std::make_unique<btt_device>();
        dev->dev = nn::open_device(options);
        dev->info = nn::device_info(dev->dev);
        dev->mode = (c.flags & BTT_FLAG_ACCURACY) != 0 ? Mode::Accuracy : Mode::Performance;
        btt_device* raw = dev.release();
        std::lock_guard<std::mutex> lock(registry_mutex());
        registry().insert(raw);
        *out = raw;
    });
}

btt_status btt_device_close(btt_device* device) {
    return guarded("btt_device_close", [&] {
        btt_device& dev = live(device);
        {
            std::lock_guard<std::mutex> lock(registry_mutex());
            registry().erase(device);
        }
        std::unique_ptr<btt_device> owned(device);
        if (dev.capturing) {
            TraceRec& open_trace = dev.traces.get(*dev.capturing, "trace");
            nn::end_trace(dev.dev, open_trace.id);
            open_trace.ended = true;
            dev.capturing.reset();
        }
        release_everything(dev);
        nn::close_device(dev.dev);
    });
}

btt_status btt_device_info_get(btt_device* device, btt_device_info* out) {
    return guarded("btt_device_info_get", [&] {
        btt_device& dev = live(device);
        require(out != nullptr, "out is null");
        std::memset(out, 0, sizeof(*out));
        nn::DeviceInfo info = nn::device_info(dev.dev);
        std::strncpy(out->arch, info.arch.c_str(), sizeof(out->arch) - 1);
        out->cores = info.cores;
        out->dram_bytes = info.dram_bytes;
        out->l1_bytes_per_core = info.l1_bytes_per_core;
    });
}

btt_status btt_synchronize(btt_device* device) {
    return guarded("btt_synchronize", [&] {
        btt_device& dev = live(device);
        if (dev.capturing) fail(BTT_ERR_STATE, "cannot synchronize while a trace is being captured");
        flush_pending_update(dev);
        nn::synchronize(dev.dev);
    });
}

btt_status btt_counters_read(btt_device* device, uint64_t* values, uint32_t count) {
    return guarded("btt_counters_read", [&] {
        btt_device& dev = live(device);
        require(values != nullptr, "values is null");
        if (!dev.capturing) flush_pending_update(dev);
        nn::Counters a = nn::counters(dev.dev);
        uint64_t all[BTT_COUNTER_COUNT] = {};
        all[BTT_COUNTER_OPS] = a.ops;
        all[BTT_COUNTER_HOST_TO_DEVICE_BYTES] = a.host_to_device_bytes;
        all[BTT_COUNTER_DEVICE_TO_HOST_BYTES] = a.device_to_host_bytes;
        all[BTT_COUNTER_ALLOCATIONS] = a.allocations;
        all[BTT_COUNTER_DEALLOCATIONS] = a.deallocations;
        all[BTT_COUNTER_LAYOUT_CONVERSIONS] = a.layout_conversions;
        all[BTT_COUNTER_TRACE_CAPTURES] = dev.trace_captures;
        all[BTT_COUNTER_TRACE_REPLAYS] = dev.trace_replays;
        all[BTT_COUNTER_DRAM_BYTES_READ] = a.dram_bytes_read;
        all[BTT_COUNTER_DRAM_BYTES_WRITTEN] = a.dram_bytes_written;
        all[BTT_COUNTER_DRAM_BYTES_IN_USE] = a.dram_bytes_in_use;
        all[BTT_COUNTER_L1_BYTES_IN_USE] = a.l1_bytes_in_use;
        all[BTT_COUNTER_ABI_CALLS] = dev.abi_calls;
        // A caller built against a newer header may ask for counters this library does not know.
        for (uint32_t i = 0; i < count; ++i) values[i] = i < BTT_COUNTER_COUNT ? all[i] : 0;
    });
}

btt_status btt_counters_reset(btt_device* device) {
    return guarded("btt_counters_reset", [&] {
        btt_device& dev = live(device);
        nn::reset_counters(dev.dev);
        dev.abi_calls = 0;
        dev.trace_captures = 0;
        dev.trace_replays = 0;
    });
}

btt_status btt_op_stats_size(btt_device* device, uint32_t* entries) {
    return guarded("btt_op_stats_size", [&] {
        btt_device& dev = live(device);
        require(entries != nullptr, "entries is null");
        *entries = static_cast<uint32_t>(nn::op_stats(dev.dev).size());
    });
}

btt_status btt_op_stat(btt_device* device, uint32_t index, char* key, uint32_t key_capacity, uint64_t* count) {
    return guarded("btt_op_stat", [&] {
        btt_device& dev = live(device);
        require(key != nullptr && key_capacity > 0 && count != nullptr, "key, key_capacity and count must be set");
        auto stats = nn::op_stats(dev.dev);
        require(index < stats.size(), "index " + std::to_string(index) + " is not below the " +
                                          std::to_string(stats.size()) + " entries");
        std::strncpy(key, stats[index].first.c_str(), key_capacity - 1);
        key[key_capacity - 1] = '\0';
        *count = stats[index].second;
    });
}

btt_status btt_tensor_allocate(btt_device* device, uint32_t dtype, uint32_t layout, uint32_t memory, uint32_t rank,
                               const int64_t* dims, btt_tensor* out) {
    return guarded("btt_tensor_allocate", [&] {
        btt_device& dev = live(device);
        require(dims != nullptr && out != nullptr, "dims and out must not be null");
        *out = 0;
        require(rank >= 1 && rank <= 4, "rank must be 1..4, got " + std::to_string(rank));
        if (dev.capturing) fail(BTT_ERR_STATE, "allocation while a trace is being captured");
        auto rec = std::make_unique<TensorRec>();
        rec->dims.assign(dims, dims + rank);
        for (int64_t d : rec->dims) {
            require(d >= 1 && d <= (int64_t{1} << 31), "dims " + shape_text(rec->dims) + " must be in 1..2^31");
        }
        rec->dtype = dtype;
        rec->layout = layout;
        rec->memory = memory;
        nn::DataType tdtype = data_type(dtype);
        nn::Layout tlayout = layout_of(layout);
        nn::MemoryConfig placement = memory_config(memory);
        require(!((dtype == BTT_DTYPE_BFLOAT8_B || dtype == BTT_DTYPE_BFLOAT4_B) && layout != BTT_LAYOUT_TILE),
                std::string(dtype_name(dtype)) + " needs TILE layout");
        rec->plain = nn::empty(dev.dev, device_shape(*rec), tdtype, tlayout, placement);
        rec->value.t = rec->plain;
        btt_tensor handle = dev.tensors.insert(std::move(rec));
        dev.tensors.get(handle, "tensor").handle = handle;
        *out = handle;
    });
}

btt_status btt_tensor_upload(btt_device* device, btt_tensor tensor, const void* host, uint64_t bytes) {
    return guarded("btt_tensor_upload", [&] {
        btt_device& dev = live(device);
        TensorRec& t = dev.tensors.get(tensor, "btt_tensor_upload tensor");
        require(host != nullptr, "host is null");
        if (dev.capturing) fail(BTT_ERR_STATE, "upload while a trace is being captured");
        const uint64_t n = t.elements();
        require(bytes == n * 4, "tensor " + shape_text(t.dims) + " needs " + std::to_string(n * 4) + " bytes, got " +
                                    std::to_string(bytes));
        flush_pending_update(dev);
        const bool has_copies = t.decode_weight || dev.lm_heads.count(t.handle) != 0 ||
                                std::any_of(dev.fused_qkv.begin(), dev.fused_qkv.end(), [&](const auto& e) {
                                    return std::find(e.first.begin(), e.first.end(), t.handle) != e.first.end();
                                });
        if (has_copies && t.trace_pins > 0) {
            fail(BTT_ERR_STATE, "tensor " + shape_text(t.dims) + " has decode copies a live trace reads; release the "
                                "trace before uploading new values");
        }
        drop_decode_copies(dev, t);
        if (t.dtype == BTT_DTYPE_UINT32) {
            // A decode step's token (token_slot_only) crosses into its ids form alone (refresh_derived).
            if (!token_slot_only(t)) nn::write(t.plain, static_cast<const uint32_t*>(host), n);
        } else if (t.kv_heads != 0) {
            std::vector<float> heads = rows_to_heads(t, static_cast<const float*>(host));
            nn::write(t.plain, heads.data(), heads.size());
        } else {
            nn::write(t.plain, static_cast<const float*>(host), n);
        }
        // The host wrote logical values: every other form of the tensor is gone.
        t.value = Value{};
        t.value.t = t.plain;
        if (t.dtype != BTT_DTYPE_UINT32) t.cache_scale = 1.0f;
        t.version += 1;
        refresh_derived(dev, t, host);
    });
}

btt_status btt_tensor_download(btt_device* device, btt_tensor tensor, void* host, uint64_t bytes) {
    return guarded("btt_tensor_download", [&] {
        btt_device& dev = live(device);
        TensorRec& t = dev.tensors.get(tensor, "btt_tensor_download tensor");
        require(host != nullptr, "host is null");
        if (dev.capturing) fail(BTT_ERR_STATE, "download while a trace is being captured");
        const uint64_t n = t.elements();
        require(bytes == n * 4, "tensor " + shape_text(t.dims) + " needs " + std::to_string(n * 4) + " bytes, got " +
                                    std::to_string(bytes));
        flush_pending_update(dev);
        if (t.dtype == BTT_DTYPE_UINT32) {
            std::vector<uint32_t> v = read_u32_value(dev, t);
            require(v.size() == n, "device returned " + std::to_string(v.size()) + " elements");
            std::memcpy(host, v.data(), bytes);
        } else {
            std::vector<float> v = read_value(dev, t);
            if (t.kv_heads == 0) {
                require(v.size() == n, "device returned " + std::to_string(v.size()) + " elements");
                std::memcpy(host, v.data(), bytes);
            } else {
                heads_to_rows(t, v, static_cast<float*>(host));
            }
        }
    });
}

btt_status btt_tensor_deallocate(btt_device* device, btt_tensor tensor) {
    return guarded("btt_tensor_deallocate", [&] {
        btt_device& dev = live(device);
        TensorRec& t = dev.tensors.get(tensor, "btt_tensor_deallocate tensor");
        if (dev.capturing) fail(BTT_ERR_STATE, "deallocation while a trace is being captured");
        if (t.trace_pins > 0) {
            fail(BTT_ERR_STATE, "tensor " + std::to_string(tensor) + " is used by " + std::to_string(t.trace_pins) +
                                    " live trace(s); release them first");
        }
        flush_pending_update(dev);
        std::unique_ptr<TensorRec> rec = dev.tensors.erase(tensor, "btt_tensor_deallocate tensor");
        release_tensor(dev, *rec);
    });
}

btt_status btt_ternary_linear(btt_device* device, btt_tensor x, uint32_t n, const btt_tensor* weights,
                              const float* scales, const btt_tensor* outs) {
    return primitive(device, "btt_ternary_linear", [&](Ctx& c) { ternary_linear(c, x, n, weights, scales, outs); });
}

btt_status btt_rms_norm(btt_device* device, btt_tensor x, btt_tensor weight, float eps, btt_tensor out) {
    return primitive(device, "btt_rms_norm", [&](Ctx& c) { rms_norm(c, x, weight, eps, out); });
}

btt_status btt_rotary(btt_device* device, btt_tensor x, uint32_t heads, btt_tensor cos, btt_tensor sin,
                      uint32_t start_pos, btt_tensor position) {
    return primitive(device, "btt_rotary", [&](Ctx& c) { rotary(c, x, heads, cos, sin, start_pos, position); });
}

btt_status btt_kv_cache_update(btt_device* device, btt_tensor cache, btt_tensor kv, uint32_t start_pos,
                               btt_tensor position) {
    return primitive(device, "btt_kv_cache_update", [&](Ctx& c) { kv_cache_update(c, cache, kv, start_pos, position); });
}

btt_status btt_attention(btt_device* device, btt_tensor q, btt_tensor k_cache, btt_tensor v_cache, uint32_t start_pos,
                         btt_tensor position, uint32_t heads, uint32_t kv_heads, btt_tensor out) {
    return primitive(device, "btt_attention",
                     [&](Ctx& c) { attention(c, q, k_cache, v_cache, start_pos, position, heads, kv_heads, out); });
}

btt_status btt_relu2_gate(btt_device* device, btt_tensor gate, btt_tensor up, btt_tensor out) {
    return primitive(device, "btt_relu2_gate", [&](Ctx& c) { relu2_gate(c, gate, up, out); });
}

btt_status btt_add(btt_device* device, btt_tensor a, btt_tensor b, btt_tensor out) {
    return primitive(device, "btt_add", [&](Ctx& c) { add(c, a, b, out); });
}

btt_status btt_embedding(btt_device* device, btt_tensor table, btt_tensor ids, btt_tensor out) {
    return primitive(device, "btt_embedding", [&](Ctx& c) { embedding(c, table, ids, out); });
}

btt_status btt_output_projection(btt_device* device, btt_tensor x, btt_tensor table, btt_tensor logits) {
    return primitive(device, "btt_output_projection", [&](Ctx& c) { output_projection(c, x, table, logits); });
}

btt_status btt_argmax(btt_device* device, btt_tensor logits, btt_tensor out) {
    return primitive(device, "btt_argmax", [&](Ctx& c) { argmax(c, logits, out); });
}

btt_status btt_topk(btt_device* device, btt_tensor logits, uint32_t k, btt_tensor values, btt_tensor indices) {
    return primitive(device, "btt_topk", [&](Ctx& c) { topk(c, logits, k, values, indices); });
}

btt_status btt_plus_one(btt_device* device, btt_tensor tensor) {
    return primitive(device, "btt_plus_one", [&](Ctx& c) { plus_one(c, tensor); });
}

btt_status btt_trace_begin(btt_device* device, btt_trace* out) {
    return guarded("btt_trace_begin", [&] {
        btt_device& dev = live(device);
        require(out != nullptr, "out is null");
        *out = 0;
        if (dev.capturing) fail(BTT_ERR_STATE, "a trace is already being captured");
        auto rec = std::make_unique<TraceRec>();
        rec->id = nn::begin_trace(dev.dev);
        btt_trace handle = dev.traces.insert(std::move(rec));
        dev.capturing = handle;
        dev.capture_abi_calls = 0;
        dev.capture_touched.clear();
        dev.capture_derived_reads.clear();
        dev.capture_op_writes.clear();
        dev.capture_derived_writes.clear();
        dev.capture_saved.clear();
        *out = handle;
    });
}

btt_status btt_trace_end(btt_device* device, btt_trace trace) {
    return guarded("btt_trace_end", [&] {
        btt_device& dev = live(device);
        TraceRec& rec = dev.traces.get(trace, "btt_trace_end trace");
        if (!dev.capturing || *dev.capturing != trace) fail(BTT_ERR_STATE, "trace_end without a matching trace_begin");
        // A K cache update held back for fusion belongs to the recorded step.
        flush_pending_update(dev);
        nn::end_trace(dev.dev, rec.id);
        rec.ended = true;
        rec.abi_calls = dev.capture_abi_calls;
        rec.derived_reads = dev.capture_derived_reads;
        rec.op_writes = dev.capture_op_writes;
        rec.derived_writes = dev.capture_derived_writes;
        // The recorded ops wrote tensors that hold nothing yet: the trace keeps them for its replays, and
        // each tensor goes back to its value from before the capture.
        for (auto& [h, before] : dev.capture_saved) {
            if (TensorRec* t = dev.tensors.find(h)) {
                rec.values[h] = t->value;
                t->value = before;
            }
        }
        dev.capture_saved.clear();
        // The trace replays fixed buffer addresses: the tensors it touched stay allocated while it lives.
        for (btt_tensor h : dev.capture_touched) {
            if (TensorRec* t = dev.tensors.find(h)) {
                t->trace_pins += 1;
                rec.pinned.push_back(h);
            }
        }
        dev.capturing.reset();
        dev.capture_touched.clear();
        dev.trace_captures += 1;
    });
}

btt_status btt_trace_execute(btt_device* device, btt_trace trace, int32_t blocking) {
    return guarded("btt_trace_execute", [&] {
        btt_device& dev = live(device);
        TraceRec& rec = dev.traces.get(trace, "btt_trace_execute trace");
        if (dev.capturing) fail(BTT_ERR_STATE, "trace_execute while a trace is being captured");
        if (!rec.ended) fail(BTT_ERR_STATE, "trace was not ended");
        flush_pending_update(dev);
        for (btt_tensor h : rec.derived_reads) {
            TensorRec* t = dev.tensors.find(h);
            if (t != nullptr && derived_stale(*t) && rec.derived_writes.count(h) == 0) {
                fail(BTT_ERR_STATE, "the trace reads a device copy of tensor " + shape_text(t->dims) +
                                        " built from its uploads, but an op wrote the tensor since its last upload; "
                                        "upload it before the replay");
            }
        }
        nn::execute_trace(dev.dev, rec.id, blocking != 0);
        for (auto& [h, v] : rec.values) {
            if (TensorRec* t = dev.tensors.find(h)) t->value = v;
        }
        for (btt_tensor h : rec.op_writes) {
            if (TensorRec* t = dev.tensors.find(h)) {
                t->op_written = true;
                t->derived_current = false;
                t->version += 1;
            }
        }
        for (btt_tensor h : rec.derived_writes) {
            if (TensorRec* t = dev.tensors.find(h)) {
                t->derived_current = true;
                t->version += 1;
            }
        }
        dev.trace_replays += 1;
        dev.abi_calls += rec.abi_calls;
    });
}

btt_status btt_trace_release(btt_device* device, btt_trace trace) {
    return guarded("btt_trace_release", [&] {
        btt_device& dev = live(device);
        TraceRec& rec = dev.traces.get(trace, "btt_trace_release trace");
        if (dev.capturing && *dev.capturing == trace) fail(BTT_ERR_STATE, "trace is still being captured");
        if (rec.ended) nn::release_trace(dev.dev, rec.id);
        for (btt_tensor h : rec.pinned) {
            if (TensorRec* t = dev.tensors.find(h)) t->trace_pins -= 1;
        }
        dev.traces.erase(trace, "btt_trace_release trace");
    });
}

}  // extern "C"
