// Derived device forms of ABI tensors: what a TT-NN op needs that the ABI tensor is not.
//
// Each is made once, outside trace capture (a conversion captured into a trace would run on every
// replay): from the last upload of a small UINT32 tensor, or by converting a table on the device.
// Later uploads rewrite them in place (their addresses may be baked into a trace). A tensor written
// by an op since its last upload has stale copies; reading one is refused (BTT_ERR_STATE).
#include <algorithm>
#include <climits>
#include <cstring>
#include <vector>

#include "shim_state.hpp"

namespace bttshim {

namespace {

const nn::MemoryConfig kDram = nn::MemoryConfig::dram();

std::vector<uint32_t> padded_ids(const TensorRec& ids) {
    std::vector<uint32_t> v(round_up32(ids.elements()), 0);
    std::copy(ids.shadow.begin(), ids.shadow.end(), v.begin());
    return v;
}

void require_shadow(Ctx& c, TensorRec& t, const char* what) {
    if (t.shadow.size() != t.elements()) {
        fail(BTT_ERR_STATE, std::string(c.op()) + ": the " + what + " of tensor " + shape_text(t.dims) +
                                " is built from its uploads, and it was never uploaded");
    }
}

}  // namespace

nn::Tensor position_i32(Ctx& c, TensorRec& p) {
    if (!p.position_i32) {
        c.forbid_in_capture("an INT32 copy of the position tensor");
        require_shadow(c, p, "INT32 copy");
        nn::Tensor t = nn::empty(c.device(), {1}, nn::DataType::INT32, nn::Layout::ROW_MAJOR, kDram);
        const uint32_t value = p.shadow[0];
        c.expect(value <= static_cast<uint32_t>(INT32_MAX), "position " + std::to_string(value) + " exceeds INT32_MAX");
        int32_t v = static_cast<int32_t>(value);
        nn::write(t, &v, 1);
        p.position_i32 = t;
    }
    c.reads_derived(p, "INT32 copy");
    return *p.position_i32;
}

nn::Tensor ids_padded(Ctx& c, TensorRec& ids) {
    if (!ids.ids_padded) {
        c.forbid_in_capture("a padded copy of the ids");
        require_shadow(c, ids, "padded copy");
        std::vector<uint32_t> v = padded_ids(ids);
        nn::Tensor t = nn::empty(c.device(), {1, static_cast<uint32_t>(v.size())}, nn::DataType::UINT32,
                                 nn::Layout::ROW_MAJOR, kDram);
        nn::write(t, v.data(), v.size());
        ids.ids_padded = t;
    }
    c.reads_derived(ids, "padded copy");
    return *ids.ids_padded;
}

nn::Tensor table_rm(Ctx& c, TensorRec& table) {
    if (table.dtype == BTT_DTYPE_BFLOAT16 && table.layout == BTT_LAYOUT_ROW_MAJOR && table.memory == BTT_MEMORY_DRAM) {
        return table.dev;
    }
    if (!table.table_rm) {
        c.forbid_in_capture("a BFLOAT16 ROW_MAJOR copy of the table");
        if (table.op_written) {
            fail(BTT_ERR_STATE, std::string(c.op()) + ": table " + shape_text(table.dims) +
                                    " was written by an op; its BFLOAT16 ROW_MAJOR copy is built from uploads");
        }
        // Converted once on the device (typecast, untilize); later uploads rewrite the copy from the host.
        nn::Tensor t = table.dev;
        if (table.dtype != BTT_DTYPE_BFLOAT16) t = nn::typecast(t, nn::DataType::BFLOAT16, kDram);
        table.table_rm = nn::to_layout(t, nn::Layout::ROW_MAJOR, kDram);
    }
    c.reads_derived(table, "BFLOAT16 ROW_MAJOR copy");
    return *table.table_rm;
}

void cache_heads(Ctx& c, TensorRec& cache, uint32_t kv_heads) {
    if (cache.kv_heads == kv_heads) return;
    c.expect(cache.kv_heads == 0, "cache already split into " + std::to_string(cache.kv_heads) + " heads, called with " +
                                      std::to_string(kv_heads));
    c.forbid_in_capture("moving the KV cache into SDPA decode's form");
    const uint32_t s = static_cast<uint32_t>(cache.dims[0]), w = static_cast<uint32_t>(cache.dims[1]);
    const uint32_t d = w / kv_heads, s_pad = round_up32(s);
    // One read-back and write: [S, Hkv * D] rows become [Hkv, S, D] heads, S padded with zero rows to
    // a multiple of 32 (SDPA decode's K chunk is a power of two of at least 32 dividing S).
    std::vector<float> flat = nn::read_f32(cache.dev);
    std::vector<float> heads(static_cast<std::size_t>(kv_heads) * s_pad * d, 0.0f);
    for (uint32_t r = 0; r < s; ++r)
        for (uint32_t h = 0; h < kv_heads; ++h)
            std::memcpy(&heads[(static_cast<std::size_t>(h) * s_pad + r) * d], &flat[static_cast<std::size_t>(r) * w + h * d],
                        d * sizeof(float));
    nn::Tensor fresh = nn::empty(c.device(), {1, kv_heads, s_pad, d}, nn::DataType::BFLOAT16, nn::Layout::TILE, kDram);
    nn::write(fresh, heads.data(), heads.size());
    nn::deallocate(cache.dev);
    cache.dev = fresh;
    cache.kv_heads = kv_heads;
    cache.seq_padded = s_pad;
}

nn::Tensor rotate_half_matrix(Ctx& c, uint32_t d) {
    for (auto& [dim, t] : c.dev().constants.rotate_half) {
        if (dim == d) return t;
    }
    c.forbid_in_capture("the rotate-half matrix for D=" + std::to_string(d));
    // rotate_half(x)[i] = -x[i + D/2] for i < D/2, x[i - D/2] otherwise: column i of R holds one +-1.
    std::vector<float> r(static_cast<std::size_t>(d) * d, 0.0f);
    for (uint32_t i = 0; i < d; ++i) {
        if (i < d / 2) {
            r[static_cast<std::size_t>(i + d / 2) * d + i] = -1.0f;
        } else {
            r[static_cast<std::size_t>(i - d / 2) * d + i] = 1.0f;
        }
    }
    nn::Tensor t = nn::empty(c.device(), {d, d}, nn::DataType::BFLOAT16, nn::Layout::TILE, kDram);
    nn::write(t, r.data(), r.size());
    c.dev().constants.rotate_half.emplace_back(d, t);
    return t;
}

void refresh_derived(btt_device& dev, TensorRec& t, const void* host) {
    (void)dev;
    const uint64_t n = t.elements();
    if (t.dtype == BTT_DTYPE_UINT32) {
        const uint32_t* data = static_cast<const uint32_t*>(host);
        if (n <= 4096) t.shadow.assign(data, data + n);
        if (t.ids_padded) nn::write_region(*t.ids_padded, data, 0, n * sizeof(uint32_t));
        if (t.position_i32) {
            require(data[0] <= static_cast<uint32_t>(INT32_MAX), "position " + std::to_string(data[0]) + " exceeds INT32_MAX");
            int32_t v = static_cast<int32_t>(data[0]);
            nn::write_region(*t.position_i32, &v, 0, sizeof v);
        }
    } else if (t.table_rm) {
        nn::write(*t.table_rm, static_cast<const float*>(host), n);
    }
    t.op_written = false;
}

void release_tensor(TensorRec& t) {
    nn::deallocate(t.dev);
    if (t.ids_padded) nn::deallocate(*t.ids_padded);
    if (t.position_i32) nn::deallocate(*t.position_i32);
    if (t.table_rm) nn::deallocate(*t.table_rm);
}

}  // namespace bttshim
