// Moving an ABI tensor's value between its forms (shim_state.hpp, Value): bringing a decode-step form
// back into the tensor's own buffer with device ops, and reading any form back to the host.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "shim_state.hpp"

namespace bttshim {

namespace {

const nn::MemoryConfig kL1 = nn::MemoryConfig::l1();

/* An interleaved copy of t (sharded tensors go through sharded_to_interleaved). */
nn::Tensor interleaved(const nn::Tensor& t) {
    return t.memory().is_sharded() ? nn::to_memory_config(t, kL1) : t;
}

/* The group's outputs dequantized with the absmax, as the decode step's split does: acc * max(m, 1e-5) / 127. */
nn::Tensor dequantized(const QkvGroup& g) {
    return nn::multiply(g.acc, g.absmax,
                        {.rhs = {{nn::UnaryKind::RELU_MIN, 1e-5f}}, .post = {{nn::UnaryKind::MUL, 1.0f / 127.0f}}});
}

/* [1, 1, r, n] (interleaved) -> row 0 as [1, 1, 1, n]. */
nn::Tensor first_row(const nn::Tensor& t, uint32_t col0, uint32_t cols) {
    return nn::slice(t, {0, 0, 0, col0}, {1, 1, 1, col0 + cols}, kL1);
}

}  // namespace

void materialize(Ctx& c, TensorRec& t) {
    (void)c;  // device ops only: allowed inside a capture
    Value& v = t.value;
    if (v.plain() && v.scale == 1.0f && !v.dyn) return;
    const uint32_t cols = static_cast<uint32_t>(t.cols());
    nn::Tensor row;  // [1, 1, 1, cols] stored values of row 0, or the whole plain tensor
    bool whole = false;
    switch (v.kind) {
        case Value::Kind::Plain:
            row = t.plain;
            whole = true;
            break;
        case Value::Kind::Rows:
            row = first_row(interleaved(v.t), 0, cols);
            break;
        case Value::Kind::Heads:
            row = nn::reshape(interleaved(v.t), {1, 1, 1, cols}, kL1);
            break;
        case Value::Kind::Member: {
            const QkvGroup& g = *v.group;
            uint32_t col0 = 0;
            for (uint32_t i = 0; i < v.member; ++i) col0 += g.widths[i];
            row = first_row(interleaved(dequantized(g)), col0, cols);
            break;
        }
    }
    if (v.dyn) {
        nn::Tensor factor = first_row(interleaved(*v.dyn), 0, 1);
        for (uint32_t i = 0; i < v.dyn_power; ++i) row = nn::multiply(row, factor, {.memory = kL1});
    }
    const nn::DataType dtype = data_type(t.dtype);
    if (whole) {
        nn::multiply(row, v.scale, {.dtype = dtype, .memory = t.plain.memory(), .output = t.plain});
    } else {
        if (v.scale != 1.0f) row = nn::multiply(row, v.scale, {.memory = kL1});
        nn::Tensor shaped = nn::reshape(row, t.plain.shape(), kL1);
        if (t.plain.layout() != shaped.layout()) shaped = nn::to_layout(shaped, t.plain.layout(), kL1);
        nn::copy(shaped, t.plain);
    }
    t.value = Value{};
    t.value.t = t.plain;
}

std::vector<float> read_value(btt_device& dev, TensorRec& t) {
    (void)dev;
    const Value& v = t.value;
    const uint64_t cols = t.cols();
    std::vector<float> out;
    switch (v.kind) {
        case Value::Kind::Plain:
            out = nn::read_f32(t.plain);
            break;
        case Value::Kind::Rows:
            if (v.t.layout() == nn::Layout::ROW_MAJOR) {
                // Row 0's first cols elements only (the decode step's top-k values).
                const std::vector<uint32_t> bits = nn::read_leading(v.t, cols);
                out.resize(cols);
                std::memcpy(out.data(), bits.data(), cols * sizeof(float));
                break;
            }
            [[fallthrough]];
        case Value::Kind::Heads: {
            // Rows: row 0 of [1, 1, 32, cols]; Heads: the heads of [1, 1, H, D] in order.
            std::vector<float> all = nn::read_f32(v.t);
            out.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(cols));
            break;
        }
        case Value::Kind::Member: {
            const QkvGroup& g = *v.group;
            uint64_t col0 = 0, width = 0;
            for (uint32_t i = 0; i < 3; ++i) width += g.widths[i];
            for (uint32_t i = 0; i < v.member; ++i) col0 += g.widths[i];
            std::vector<float> acc = nn::read_f32(g.acc), m = nn::read_f32(g.absmax);
            const float factor = std::max(m.empty() ? 0.0f : m[0], 1e-5f) / 127.0f;
            out.resize(cols);
            for (uint64_t i = 0; i < cols && col0 + i < width && col0 + i < acc.size(); ++i) out[i] = acc[col0 + i] * factor;
            break;
        }
    }
    float factor = v.scale;
    if (v.dyn) {
        std::vector<float> m = nn::read_f32(*v.dyn);
        for (uint32_t i = 0; i < v.dyn_power; ++i) factor *= m.empty() ? 0.0f : m[0];
    }
    if (factor != 1.0f) {
        for (float& x : out) x *= factor;
    }
    return out;
}

std::vector<uint32_t> read_u32_value(btt_device& dev, TensorRec& t) {
    (void)dev;
    // The decode step's top-k indices: the first n of row 0 of their untilized UINT16 or UINT32 form.
    if (t.value.kind == Value::Kind::Rows) return nn::read_leading(t.value.t, t.elements());
    if (!t.derived_current) return nn::read_u32(t.plain);
    // Ops wrote the derived forms: a position reads its INT32 copy; ids their first slots (4 bytes for [1]).
    const uint64_t n = t.elements();
    std::vector<uint32_t> out(n);
    if (t.ids) {
        nn::read_region(*t.ids, out.data(), 0, n * sizeof(uint32_t));
    } else {
        nn::read_region(*t.position_i32, out.data(), 0, sizeof(uint32_t));
    }
    return out;
}

void flush_pending_update(btt_device& dev) {
    if (!dev.pending_update) return;
    PendingUpdate p = *dev.pending_update;
    dev.pending_update.reset();
    TensorRec* cache = dev.tensors.find(p.cache);
    TensorRec* position = dev.tensors.find(p.position);
    if (cache == nullptr || position == nullptr || !position->position_i32) return;
    nn::paged_update_cache(cache->plain, p.input, {}, *position->position_i32, compute_configs(dev.mode).sdpa);
}

}  // namespace bttshim
