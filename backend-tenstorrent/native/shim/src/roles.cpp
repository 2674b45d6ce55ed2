// Derived device forms of ABI tensors: what a TT-NN op needs that the ABI tensor is not.
//
// Each is made once, outside trace capture (a conversion captured into a trace would run on every
// replay): from the last upload of a small UINT32 tensor, or by reading a tensor back and writing its
// new form (weights pre-transposed and DRAM-sharded, the LM head's chunks, the KV cache's heads).
// Later uploads rewrite the small ones in place (their addresses may be baked into a trace) and drop
// the weight copies, which are rebuilt at their next use.
#include <algorithm>
#include <climits>
#include <cstring>
#include <vector>

#include "shim_state.hpp"

namespace bttshim {

namespace {

const nn::MemoryConfig kDram = nn::MemoryConfig::dram();

void require_shadow(Ctx& c, TensorRec& t, const char* what) {
    if (t.shadow.size() != t.elements()) {
        fail(BTT_ERR_STATE, std::string(c.op()) + ": the " + what + " of tensor " + shape_text(t.dims) +
                                " is built from its uploads, and it was never uploaded");
    }
}

/* The ids slots of a UINT32 [n] tensor: n rounded up to 32; one id fills all 32 (the decode rows). */
std::vector<uint32_t> id_slots(const std::vector<uint32_t>& values) {
    std::vector<uint32_t> v(round_up32(values.size()), 0);
    if (values.size() == 1) {
        std::fill(v.begin(), v.end(), values[0]);
    } else {
        std::copy(values.begin(), values.end(), v.begin());
    }
    return v;
}

int32_t checked_position(uint32_t value) {
    require(value <= static_cast<uint32_t>(INT32_MAX), "position " + std::to_string(value) + " exceeds INT32_MAX");
    return static_cast<int32_t>(value);
}

/* A weight's values as the host holds them: [rows, cols] logical, row-major; none in count-only mode, where
 * the device keeps no float data (the one-time read-back at load is then not counted). */
std::vector<float> host_values(btt_device& dev, TensorRec& t) {
    if (dev.info.count_only) return {};
    return nn::read_f32(t.plain);
}

/* [rows, cols] -> [cols, rows] into `out` at column offset `col0` of a [cols, width] matrix. */
void transpose_into(const std::vector<float>& in, uint64_t rows, uint64_t cols, std::vector<float>& out, uint64_t width,
                    uint64_t col0) {
    if (in.empty()) return;  // count-only
    for (uint64_t r = 0; r < rows; ++r)
        for (uint64_t c = 0; c < cols; ++c) out[c * width + col0 + r] = in[r * cols + c];
}

/* DRAM width-sharded over the banks: each bank holds ceil(N tiles / banks) tile columns of all K rows. */
nn::MemoryConfig dram_weight_memory(const btt_device& dev, uint64_t k, uint64_t n) {
    const uint32_t banks = std::max<uint32_t>(1, dev.info.dram_banks);
    const uint32_t per_bank = (tiles(n) + banks - 1) / banks;
    const uint32_t used = (tiles(n) + per_bank - 1) / per_bank;
    return nn::MemoryConfig{nn::MemoryLayout::WIDTH_SHARDED, nn::BufferType::DRAM,
                            nn::ShardSpec{{used, 1, 0, false}, round_up32(k), per_bank * 32, nn::ShardOrientation::ROW_MAJOR}};
}

nn::Tensor upload_new(Ctx& c, const std::vector<float>& values, uint32_t rows, uint32_t cols, nn::DataType dtype,
                      const nn::MemoryConfig& memory) {
    nn::Tensor t = nn::empty(c.device(), {rows, cols}, dtype, nn::Layout::TILE, memory);
    // Count-only: an empty buffer; the double counts the transfer without reading it.
    static const float kNone = 0.0f;
    nn::write(t, values.empty() ? &kNone : values.data(), static_cast<std::size_t>(rows) * cols);
    return t;
}

/* The host buffer a new [rows, cols] copy is built in: none in count-only mode. */
std::vector<float> host_buffer(const btt_device& dev, uint64_t rows, uint64_t cols) {
    return dev.info.count_only ? std::vector<float>{} : std::vector<float>(rows * cols);
}

}  // namespace

nn::Tensor position_i32(Ctx& c, TensorRec& p) {
    if (!p.position_i32) {
        c.forbid_in_capture("an INT32 copy of the position tensor");
        require_shadow(c, p, "INT32 copy");
        nn::Tensor t = nn::empty(c.device(), {1}, nn::DataType::INT32, nn::Layout::ROW_MAJOR, kDram);
        int32_t v = checked_position(p.shadow[0]);
        nn::write(t, &v, 1);
        p.position_i32 = t;
    }
    c.reads_derived(p, "INT32 copy");
    return *p.position_i32;
}

nn::Tensor ids(Ctx& c, TensorRec& t) {
    if (!t.ids) {
        c.forbid_in_capture("the padded ids of a UINT32 tensor");
        require_shadow(c, t, "padded ids");
        std::vector<uint32_t> v = id_slots(t.shadow);
        nn::Tensor d = nn::empty(c.device(), {1, 1, static_cast<uint32_t>(v.size())}, nn::DataType::UINT32,
                                 nn::Layout::ROW_MAJOR, kDram);
        nn::write(d, v.data(), v.size());
        t.ids = d;
    }
    c.reads_derived(t, "padded ids");
    return *t.ids;
}

nn::Tensor table_rm(Ctx& c, TensorRec& table) {
    if (table.dtype == BTT_DTYPE_BFLOAT16 && table.layout == BTT_LAYOUT_ROW_MAJOR && table.memory == BTT_MEMORY_DRAM) {
        return table.plain;
    }
    if (!table.table_rm) {
        c.forbid_in_capture("a BFLOAT16 ROW_MAJOR copy of the table");
        if (table.op_written) {
            fail(BTT_ERR_STATE, std::string(c.op()) + ": table " + shape_text(table.dims) +
                                    " was written by an op; its BFLOAT16 ROW_MAJOR copy is built from uploads");
        }
        // Converted once on the device (typecast, untilize); later uploads rewrite the copy from the host.
        nn::Tensor t = table.plain;
        if (table.dtype != BTT_DTYPE_BFLOAT16) t = nn::typecast(t, nn::DataType::BFLOAT16, kDram);
        table.table_rm = nn::to_layout(t, nn::Layout::ROW_MAJOR, kDram);
    }
    c.reads_derived(table, "BFLOAT16 ROW_MAJOR copy");
    return *table.table_rm;
}

nn::Tensor gamma_rm(Ctx& c, TensorRec& w) {
    if (!w.gamma_rm) {
        c.forbid_in_capture("a BFLOAT16 ROW_MAJOR copy of the norm weight");
        if (w.op_written) {
            fail(BTT_ERR_STATE, std::string(c.op()) + ": weight " + shape_text(w.dims) +
                                    " was written by an op; its BFLOAT16 sticks are built from uploads");
        }
        nn::Tensor t = w.plain;
        if (w.dtype != BTT_DTYPE_BFLOAT16) t = nn::typecast(t, nn::DataType::BFLOAT16, kDram);
        if (w.layout != BTT_LAYOUT_ROW_MAJOR) t = nn::to_layout(t, nn::Layout::ROW_MAJOR, kDram);
        w.gamma_rm = nn::reshape(t, {1, 1, static_cast<uint32_t>(w.elements() / 32), 32}, kDram);
    }
    c.reads_derived(w, "BFLOAT16 ROW_MAJOR sticks");
    return *w.gamma_rm;
}

void cache_heads(Ctx& c, TensorRec& cache, uint32_t kv_heads) {
    if (cache.kv_heads == kv_heads) return;
    c.expect(cache.kv_heads == 0, "cache already split into " + std::to_string(cache.kv_heads) + " heads, called with " +
                                      std::to_string(kv_heads));
    c.forbid_in_capture("moving the KV cache into SDPA decode's form");
    c.expect(cache.value.plain(), "the cache's value is not in its buffer");
    const uint32_t s = static_cast<uint32_t>(cache.dims[0]), w = static_cast<uint32_t>(cache.dims[1]);
    const uint32_t d = w / kv_heads, s_pad = round_up32(s);
    // One read-back and write: [S, Hkv * D] rows become [Hkv, S, D] heads, S padded with zero rows to
    // a multiple of 32 (SDPA decode's K chunk is a power of two of at least 32 dividing S).
    std::vector<float> flat = nn::read_f32(cache.plain);
    std::vector<float> heads(static_cast<std::size_t>(kv_heads) * s_pad * d, 0.0f);
    for (uint32_t r = 0; r < s; ++r)
        for (uint32_t h = 0; h < kv_heads; ++h)
            std::memcpy(&heads[(static_cast<std::size_t>(h) * s_pad + r) * d], &flat[static_cast<std::size_t>(r) * w + h * d],
                        d * sizeof(float));
    nn::Tensor fresh = nn::empty(c.device(), {1, kv_heads, s_pad, d}, kv_cache_dtype(c.mode()), nn::Layout::TILE, kDram);
    nn::write(fresh, heads.data(), heads.size());
    nn::deallocate(cache.plain);
    cache.plain = fresh;
    cache.value = Value{};
    cache.value.t = fresh;
    cache.value.scale = cache.cache_scale.value_or(1.0f);
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
    nn::Tensor t = upload_new(c, r, d, d, nn::DataType::BFLOAT16, kDram);
    c.dev().constants.rotate_half.emplace_back(d, t);
    return t;
}

nn::Tensor batch_offset(Ctx& c) {
    if (!c.dev().constants.batch_offset) {
        c.forbid_in_capture("the batch offset of nlp_create_qkv_heads_decode");
        nn::Tensor t = nn::empty(c.device(), {1}, nn::DataType::INT32, nn::Layout::ROW_MAJOR, kDram);
        int32_t zero = 0;
        nn::write(t, &zero, 1);
        c.dev().constants.batch_offset = t;
    }
    return *c.dev().constants.batch_offset;
}

nn::Tensor decode_weight(Ctx& c, TensorRec& w) {
    if (!w.decode_weight) {
        c.forbid_in_capture("the pre-transposed, DRAM-sharded decode copy of a weight");
        const uint64_t n = w.dims[0], k = w.dims[1];
        std::vector<float> t = host_buffer(c.dev(), k, n);
        transpose_into(host_values(c.dev(), w), n, k, t, n, 0);
        w.decode_weight = upload_new(c, t, static_cast<uint32_t>(k), static_cast<uint32_t>(n), data_type(w.dtype),
                                     dram_weight_memory(c.dev(), k, n));
    }
    return *w.decode_weight;
}

nn::Tensor fused_qkv_weight(Ctx& c, std::array<TensorRec*, 3> ws) {
    const std::array<btt_tensor, 3> key{ws[0]->handle, ws[1]->handle, ws[2]->handle};
    auto it = c.dev().fused_qkv.find(key);
    if (it != c.dev().fused_qkv.end()) return it->second;
    c.forbid_in_capture("the fused, pre-transposed, DRAM-sharded QKV decode weight");
    const uint64_t k = ws[0]->dims[1];
    uint64_t width = 0;
    for (TensorRec* w : ws) width += static_cast<uint64_t>(w->dims[0]);
    std::vector<float> t = host_buffer(c.dev(), k, width);
    uint64_t col = 0;
    for (TensorRec* w : ws) {
        transpose_into(host_values(c.dev(), *w), static_cast<uint64_t>(w->dims[0]), k, t, width, col);
        col += static_cast<uint64_t>(w->dims[0]);
    }
    nn::Tensor fused = upload_new(c, t, static_cast<uint32_t>(k), static_cast<uint32_t>(width), data_type(ws[0]->dtype),
                                  dram_weight_memory(c.dev(), k, width));
    c.dev().fused_qkv.emplace(key, fused);
    return fused;
}

const LmHead& lm_head(Ctx& c, TensorRec& table) {
    auto it = c.dev().lm_heads.find(table.handle);
    if (it != c.dev().lm_heads.end()) return it->second;
    c.forbid_in_capture("the LM head's BFLOAT8_B column chunks of the output table");
    const uint64_t vocab = table.dims[0], hidden = table.dims[1];
    // Circular buffers of the DRAM-sharded matmul per core (its program factory): the weight's N-per-bank
    // tiles triple-buffered in0_block_w deep, plus output and intermediate tiles; chunks are added until
    // they take at most 3/4 of a core's L1. tt_transformers' lm_head.py splits the vocabulary likewise.
    const uint64_t banks = std::max<uint32_t>(1, c.dev().info.dram_banks), l1 = c.dev().info.l1_bytes_per_core;
    const uint64_t in0_block_w = 2, bf8_tile = 1088, out_tile = 2048;
    uint32_t chunks = 1;
    for (;; ++chunks) {
        const uint64_t per_bank = (tiles((vocab + chunks - 1) / chunks) + banks - 1) / banks;
        const uint64_t cb = per_bank * (in0_block_w * 3 * bf8_tile + 2 * out_tile) + 8 * out_tile;
        if (4 * cb <= 3 * l1 || chunks >= vocab / 32) break;
    }
    // Equal chunks give equal output grids, which a sharded concat needs; and a width-sharded concat takes
    // three or more inputs (concat_device_operation.cpp).
    const uint32_t nt = tiles(vocab);
    for (uint32_t c2 = chunks > 1 ? std::max(chunks, 3u) : 1u; c2 <= 2 * chunks + 2 && c2 <= nt; ++c2) {
        if (nt % c2 == 0) {
            chunks = c2;
            break;
        }
    }
    if (chunks == 2) chunks = 3;
    LmHead head;
    const std::vector<float> values = host_values(c.dev(), table);
    const uint64_t step = round_up32((vocab + chunks - 1) / chunks);
    for (uint64_t first = 0; first < vocab; first += step) {
        const uint64_t width = std::min(step, vocab - first);
        std::vector<float> t = host_buffer(c.dev(), hidden, width);
        for (uint64_t r = 0; r < width && !values.empty(); ++r)
            for (uint64_t col = 0; col < hidden; ++col) t[col * width + r] = values[(first + r) * hidden + col];
        head.chunks.push_back(upload_new(c, t, static_cast<uint32_t>(hidden), static_cast<uint32_t>(width),
                                         nn::DataType::BFLOAT8_B, dram_weight_memory(c.dev(), hidden, width)));
        head.widths.push_back(static_cast<uint32_t>(width));
    }
    return c.dev().lm_heads.emplace(table.handle, std::move(head)).first->second;
}

void refresh_derived(btt_device& dev, TensorRec& t, const void* host) {
    (void)dev;
    const uint64_t n = t.elements();
    if (t.dtype == BTT_DTYPE_UINT32) {
        const uint32_t* data = static_cast<const uint32_t*>(host);
        if (n <= 4096) t.shadow.assign(data, data + n);
        if (token_slot_only(t)) {
            nn::write_region(*t.ids, data, 0, sizeof(uint32_t));
            t.op_written = false;
            t.derived_current = true;  // the plain buffer was not written: reads come from the ids
            return;
        }
        if (t.ids) {
            std::vector<uint32_t> v = id_slots(std::vector<uint32_t>(data, data + n));
            nn::write_region(*t.ids, v.data(), 0, v.size() * sizeof(uint32_t));
        }
        if (t.position_i32) {
            int32_t v = checked_position(data[0]);
            nn::write_region(*t.position_i32, &v, 0, sizeof v);
        }
    } else {
        if (t.table_rm) nn::write(*t.table_rm, static_cast<const float*>(host), n);
        if (t.gamma_rm) nn::write(*t.gamma_rm, static_cast<const float*>(host), n);
    }
    t.op_written = false;
    t.derived_current = false;
}

bool token_slot_only(const TensorRec& t) {
    // The decode step's token: one id whose ids form exists (the step reads it) and which is no position. Its
    // row 0 is the token; slots 1..31 feed the tile's padding rows, which never reach row 0 (every op of the
    // step is per row, and the heads are taken from row 0), and keep the valid ids an earlier upload or the
    // step's argmax left there. So a sampled token is 4 bytes host to device, like the argmax's 4 back.
    return t.dtype == BTT_DTYPE_UINT32 && t.elements() == 1 && t.ids && !t.position_i32;
}

void drop_decode_copies(btt_device& dev, TensorRec& t) {
    if (t.decode_weight) {
        nn::deallocate(*t.decode_weight);
        t.decode_weight.reset();
    }
    for (auto it = dev.fused_qkv.begin(); it != dev.fused_qkv.end();) {
        if (std::find(it->first.begin(), it->first.end(), t.handle) != it->first.end()) {
            nn::deallocate(it->second);
            it = dev.fused_qkv.erase(it);
        } else {
            ++it;
        }
    }
    auto head = dev.lm_heads.find(t.handle);
    if (head != dev.lm_heads.end()) {
        for (nn::Tensor& chunk : head->second.chunks) nn::deallocate(chunk);
        dev.lm_heads.erase(head);
    }
}

void release_tensor(btt_device& dev, TensorRec& t) {
    drop_decode_copies(dev, t);
    // A value in another form is an op's output: its handle goes with the record (a trace may still use it).
    t.value = Value{};
    nn::deallocate(t.plain);
    if (t.ids) nn::deallocate(*t.ids);
    if (t.position_i32) nn::deallocate(*t.position_i32);
    if (t.table_rm) nn::deallocate(*t.table_rm);
    if (t.gamma_rm) nn::deallocate(*t.gamma_rm);
}

}  // namespace bttshim
