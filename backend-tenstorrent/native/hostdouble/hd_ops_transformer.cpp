// RMSNorm, embedding, the KV cache update and decode attention on the host double.
#include <algorithm>
#include <cmath>
#include <limits>

#include "hd_ops.hpp"

namespace bttshim::nn {

using namespace hd;

namespace {

const char* const kLayernormSource = "ttnn/cpp/ttnn/operations/normalization/layernorm/device/layernorm_device_operation.cpp";
const char* const kEmbeddingSource = "ttnn/cpp/ttnn/operations/embedding/device/embedding_device_operation.cpp";
const char* const kUpdateSource =
    "ttnn/cpp/ttnn/operations/experimental/paged_cache/device/update_cache/paged_update_cache_device_operation.cpp";
const char* const kSdpaSource =
    "ttnn/cpp/ttnn/operations/transformer/sdpa_decode/device/sdpa_decode_device_operation.cpp";

HD_RULE(kNormLayout, "ttnn::rms_norm", "rms_norm.tile_input", "ttnn::rms_norm does not support ROW_MAJOR input tensors",
        "ttnn/cpp/ttnn/operations/normalization/rmsnorm/rmsnorm.cpp");
HD_RULE(kNormDtype, "ttnn::rms_norm", "rms_norm.dtype", "the input must be FLOAT32, BFLOAT16 or BFLOAT8_B", kLayernormSource);
HD_RULE(kNormGammaTile, "ttnn::rms_norm", "rms_norm.gamma_tile",
        "a TILE gamma has the input's padded width, a logical width >= the input's and a padded height of 32",
        kLayernormSource);
HD_RULE(kNormGammaRowMajor, "ttnn::rms_norm", "rms_norm.gamma_row_major",
        "a ROW_MAJOR gamma is FLOAT32 or BFLOAT16 sticks [.., n/32, 32] covering the input's padded width",
        kLayernormSource);

HD_RULE(kNormResidual, "ttnn::rms_norm", "rms_norm.residual",
        "the residual must be TILE with the input's logical and padded shape", kLayernormSource);
HD_RULE(kNormSharded, "ttnn::rms_norm", "rms_norm.sharded",
        "a sharded input is width- or block-sharded, needs a sharded output of its buffer type and memory layout, and a "
        "residual sharded with the same memory config",
        kLayernormSource);
HD_RULE(kNormRectangular, "ttnn::rms_norm", "rms_norm.rectangular",
        "sharded layernorm does not support non-rectangular core grids", kLayernormSource);
HD_RULE(kNormBlocks, "ttnn::rms_norm", "rms_norm.sharded_blocks",
        "the sharded program config covers the shard: block_h = M tiles, block_w = ceil(K tiles / cores), the shard "
        "block_h x block_w tiles, block_w divisible by subblock_w, the grid inside the config's grid",
        kLayernormSource);

HD_RULE(kEmbTable, "ttnn::embedding", "embedding.table_dtype",
        "the table must be BFLOAT16 (FLOAT32 tables are rejected)", kEmbeddingSource);
HD_RULE(kEmbIds, "ttnn::embedding", "embedding.ids_dtype", "ids must be UINT32 or BFLOAT16", kEmbeddingSource);
HD_RULE(kEmbInterleaved, "ttnn::embedding", "embedding.interleaved", "ids and table must be interleaved, not sharded",
        kEmbeddingSource);
HD_RULE(kEmbTypecast, "ttnn::embedding", "embedding.typecast_tile_only",
        "the output dtype can be changed only when the output is TILE", "ttnn/cpp/ttnn/operations/embedding/embedding.cpp");

HD_RULE(kUpdTile, "ttnn::experimental::paged_update_cache", "paged_update_cache.tile",
        "input and cache must be tilized; the cache interleaved, FLOAT32 / BFLOAT16 / BFLOAT8_B / BFLOAT4_B", kUpdateSource);
HD_RULE(kUpdInputDtype, "ttnn::experimental::paged_update_cache", "paged_update_cache.input_dtype",
        "the input must be FLOAT32 or BFLOAT16", kUpdateSource);
HD_RULE(kUpdHeadDim, "ttnn::experimental::paged_update_cache", "paged_update_cache.head_dim",
        "the input's padded last dim is a multiple of 32 equal to the cache's, its dim 0 is 1 and its users match the cache's batch",
        kUpdateSource);
HD_RULE(kUpdSharded, "ttnn::experimental::paged_update_cache", "paged_update_cache.input_sharding",
        "the input is sharded, not width-sharded, row-major orientation, shard width = padded head dim, one user per core",
        kUpdateSource);
HD_RULE(kUpdIndex, "ttnn::experimental::paged_update_cache", "paged_update_cache.index",
        "exactly one of update_idxs and update_idxs_tensor; the tensor INT32 ROW_MAJOR DRAM interleaved; one index per user",
        kUpdateSource);

HD_RULE(kSdpaDtype, "ttnn::transformer::scaled_dot_product_attention_decode", "sdpa_decode.dtype",
        "Q, K and V must be BFLOAT16, BFLOAT8_B or BFLOAT4_B (FLOAT32 is rejected)", kSdpaSource);
HD_RULE(kSdpaKvTile, "ttnn::transformer::scaled_dot_product_attention_decode", "sdpa_decode.kv_tile",
        "K and V must be tilized", kSdpaSource);
HD_RULE(kSdpaQPlacement, "ttnn::transformer::scaled_dot_product_attention_decode", "sdpa_decode.q_placement",
        "Q must be height-sharded or DRAM interleaved (L1 interleaved is rejected)", kSdpaSource);
HD_RULE(kSdpaKvDram, "ttnn::transformer::scaled_dot_product_attention_decode", "sdpa_decode.kv_dram",
        "K and V must be in DRAM", kSdpaSource);
HD_RULE(kSdpaOutput, "ttnn::transformer::scaled_dot_product_attention_decode", "sdpa_decode.output",
        "a sharded output must be height-sharded, and GQA (K heads > 1) takes no sharded output", kSdpaSource);
HD_RULE(kSdpaShapes, "ttnn::transformer::scaled_dot_product_attention_decode", "sdpa_decode.shapes",
        "Q is [1, B, heads, D]; K and V are [B, kv_heads, S, D] with one S, one D (padded) and one head count", kSdpaSource);
HD_RULE(kSdpaGqa, "ttnn::transformer::scaled_dot_product_attention_decode", "sdpa_decode.gqa",
        "with K heads > 1 Q must be BFLOAT16 and its heads a multiple of K's", kSdpaSource);
HD_RULE(kSdpaChunk, "ttnn::transformer::scaled_dot_product_attention_decode", "sdpa_decode.k_chunk",
        "the K chunk (the largest power of two dividing S, at most 512) must be a multiple of 32",
        "ttnn/cpp/ttnn/operations/transformer/sdpa_decode/sdpa_decode.cpp");
HD_RULE(kSdpaCurPos, "ttnn::transformer::scaled_dot_product_attention_decode", "sdpa_decode.cur_pos",
        "causal decode needs cur_pos (one position per user, each < S) or an INT32 ROW_MAJOR cur_pos_tensor whose last dim "
        "is the batch (TT-NN checks the tensor's form in paged mode; the kernel reads it so in both)",
        "ttnn/cpp/ttnn/operations/transformer/sdpa_decode/device/sdpa_decode_device_operation.cpp, "
        "sdpa_decode_program_factory.cpp");

HD_RULE(kSdpaProgram, "ttnn::transformer::scaled_dot_product_attention_decode", "sdpa_decode.program_config",
        "a program config's k_chunk_size (when > 0) is a power of two and a multiple of 32, and its grid fits the device",
        "ttnn/cpp/ttnn/operations/transformer/sdpa_decode/sdpa_decode.cpp, "
        "device/sdpa_decode_program_factory.cpp");

uint32_t chunk_size(uint32_t s) {
    // sdpa_decode.cpp get_chunk_size: the largest power of two dividing s, capped at 512.
    uint32_t i = 1;
    for (; i < s; i++) {
        if (s % (1u << (i + 1)) != 0) break;
    }
    return std::min<uint32_t>(512, 1u << i);
}

}  // namespace

Tensor rms_norm(const Tensor& x, float eps, const std::optional<Tensor>& weight, const NormOptions& o) {
    const char* op = "ttnn::rms_norm";
    require_device_tensor(op, x, "input");
    check_compute(op, o.compute);
    TensorImpl& in = x.impl();
    DeviceImpl& device = in.device();
    check(in.layout != Layout::ROW_MAJOR, kNormLayout, "input " + shape_text(in.shape) + " is ROW_MAJOR");
    check(in.dtype == DataType::FLOAT32 || in.dtype == DataType::BFLOAT16 || in.dtype == DataType::BFLOAT8_B, kNormDtype,
          std::string("got ") + name(in.dtype));
    const Shape padded = in.padded();
    if (o.residual) {
        require_device_tensor(op, *o.residual, "residual_input_tensor");
        TensorImpl& r = o.residual->impl();
        check(r.layout == Layout::TILE && r.shape == in.shape && r.padded() == padded, kNormResidual,
              std::string("residual ") + name(r.layout) + " " + shape_text(r.shape) + " for input " + shape_text(in.shape));
    }
    if (weight) {
        require_device_tensor(op, *weight, "weight");
        TensorImpl& g = weight->impl();
        const Shape gp = g.padded();
        if (g.layout == Layout::TILE) {
            check(gp.back() == padded.back() && g.shape.back() >= in.shape.back() && gp[gp.size() - 2] == kTile,
                  kNormGammaTile, "gamma " + shape_text(g.shape) + " (padded " + shape_text(gp) + ") for input " +
                                      shape_text(in.shape));
        } else {
            check(gp.back() == kTile && volume(gp) / kTile == padded.back() / kTile &&
                      (g.dtype == DataType::FLOAT32 || g.dtype == DataType::BFLOAT16),
                  kNormGammaRowMajor, std::string("gamma ") + name(g.dtype) + " " + shape_text(g.shape) + " for input " +
                                          shape_text(in.shape));
        }
    }
    MemoryConfig memory = out_memory(o.memory, x);
    std::string program = "default";
    if (in.memory.is_sharded()) {
        // layernorm_device_operation.cpp validate: the sharded factory.
        check(in.memory.layout != MemoryLayout::HEIGHT_SHARDED && memory.is_sharded() &&
                  memory.layout != MemoryLayout::HEIGHT_SHARDED && memory.buffer == in.memory.buffer &&
                  memory.layout == in.memory.layout,
              kNormSharded, "input " + in.memory.text() + ", output " + memory.text());
        if (o.residual) {
            check(o.residual->memory() == in.memory, kNormSharded,
                  "residual " + o.residual->memory().text() + " for input " + in.memory.text());
        }
        const ShardSpec& shard = *in.memory.shard;
        check(shard.grid.rectangular(device.grid_x()), kNormRectangular, "input " + in.memory.text());
        // rms_norm.cpp builds the config from the shard spec when none is given.
        const ShardedNormConfig pc = o.sharded.value_or(
            ShardedNormConfig{device.grid_x(), device.grid_y(), 1, shard.height / kTile, shard.width / kTile});
        const uint32_t cores = shard.grid.cores();
        const uint32_t kt = padded.back() / kTile, mt = static_cast<uint32_t>(volume(padded) / padded.back() / kTile);
        const uint32_t bbox_x = shard.grid.run ? std::min(cores, device.grid_x()) : shard.grid.x;
        const uint32_t bbox_y = shard.grid.run ? (cores + device.grid_x() - 1) / device.grid_x() : shard.grid.y;
        check(pc.subblock_w > 0 && pc.block_w % pc.subblock_w == 0 && pc.block_w == (kt + cores - 1) / cores &&
                  pc.block_h == mt && pc.block_h * kTile == shard.height && pc.block_w * kTile == shard.width &&
                  bbox_x <= pc.grid_x && bbox_y <= pc.grid_y,
              kNormBlocks, "block_h " + std::to_string(pc.block_h) + ", block_w " + std::to_string(pc.block_w) +
                               ", subblock_w " + std::to_string(pc.subblock_w) + ", grid " + std::to_string(pc.grid_x) +
                               "x" + std::to_string(pc.grid_y) + " for " + std::to_string(kt) + "x" + std::to_string(mt) +
                               " tiles on " + in.memory.text());
        if (!memory.shard) memory.shard = in.memory.shard;
        program = "ShardedMultiCore block_w=" + std::to_string(pc.block_w) + " subblock_w=" + std::to_string(pc.subblock_w);
    }
    Tensor out = allocate(device, in.shape, in.dtype, in.layout, memory);
    BufferRef src = buf(x), res = o.residual ? buf(*o.residual) : nullptr, gamma = weight ? buf(*weight) : nullptr,
              dst = buf(out);
    const DataType dtype = in.dtype, gdtype = weight ? weight->dtype() : DataType::FLOAT32;
    const DataType rdtype = o.residual ? o.residual->dtype() : dtype;
    const uint64_t width = in.shape.back();
    const ComputeConfig config = o.compute.value_or(ComputeConfig{MathFidelity::HiFi4, true, false, false});
    launch(device, op, config.text(), false, [=](DeviceImpl& dev) {
        read_all(dev, *src);
        if (res) read_all(dev, *res);
        if (gamma) read_all(dev, *gamma);
        write_all(dev, *dst);
        if (!has_data({src.get(), res.get(), gamma.get(), dst.get()})) return;
        // x^2, its row sum and the scaling run on the matrix engine (TF32 operands); 1/sqrt on the SFPU. A
        // residual is added first (the kernel's pre-add into cb_x, in the dest format).
        std::vector<float> v = floats(*src, dtype);
        if (res) {
            const std::vector<float> rv = floats(*res, rdtype);
            for (std::size_t i = 0; i < v.size(); ++i) {
                const float sum = to_source_register(dtype, v[i]) + to_source_register(rdtype, rv[i]);
                v[i] = config.fp32_dest_acc ? sum : round_bf16(sum);
            }
        }
        std::vector<float> g = gamma ? floats(*gamma, gdtype) : std::vector<float>(width, 1.0f);
        for (uint64_t r = 0; r < v.size() / width; ++r) {
            float* row = v.data() + r * width;
            float sum = 0.0f;
            for (uint64_t i = 0; i < width; ++i) {
                const float t = to_source_register(dtype, row[i]);
                sum += t * t;
            }
            const float inv = 1.0f / std::sqrt(sum / static_cast<float>(width) + eps);
            for (uint64_t i = 0; i < width; ++i) {
                row[i] = to_source_register(dtype, row[i]) * inv * to_source_register(gdtype, g[i]);
            }
        }
        store(*dst, dtype, std::move(v), width);
    }, program);
    return out;
}

Tensor embedding(const Tensor& ids, const Tensor& table, const EmbeddingOptions& o) {
    const char* op = "ttnn::embedding";
    require_device_tensor(op, ids, "input_tensor");
    require_device_tensor(op, table, "weight");
    require_same_device(op, ids, table);
    TensorImpl& ii = ids.impl();
    // embedding.cpp: a TILE table is converted to ROW_MAJOR on every call.
    Tensor weight = table.layout() == Layout::TILE ? to_layout(table, Layout::ROW_MAJOR) : table;
    TensorImpl& w = weight.impl();
    const uint32_t hidden = w.shape.back();
    const uint32_t rows = static_cast<uint32_t>(volume(w.shape) / hidden);
    const uint32_t batch = ii.shape.size() == 1 ? 1 : ii.shape[0];
    const uint32_t sentence = ii.shape.back();
    const Shape ids_padded = ii.padded();
    const bool fused = ids_padded.back() % kTile == 0 && hidden % kTile == 0 &&
                       (o.layout ? *o.layout == Layout::TILE : table.layout() == Layout::TILE);
    if (ids_padded.back() % kTile == 0 && hidden % kTile == 0 && !fused) {
        check(!(o.dtype && *o.dtype != w.dtype), kEmbTypecast,
              std::string("asked for ") + name(*o.dtype) + " from a " + name(w.dtype) + " table with ROW_MAJOR output");
    }
    // embedding_device_operation.cpp validate.
    check(ii.dtype == DataType::UINT32 || ii.dtype == DataType::BFLOAT16, kEmbIds, std::string("got ") + name(ii.dtype));
    check(w.dtype == DataType::BFLOAT16, kEmbTable, std::string("got ") + name(w.dtype) + " " + shape_text(w.shape));
    check(!ii.memory.is_sharded() && !w.memory.is_sharded(), kEmbInterleaved,
          "ids " + ii.memory.text() + ", table " + w.memory.text());
    const Shape out_shape{batch, 1, sentence, hidden};
    const Layout out_layout = fused && ii.layout != Layout::TILE ? Layout::TILE : Layout::ROW_MAJOR;
    Tensor out = allocate(ii.device(), out_shape, w.dtype, out_layout, out_memory(o.memory, ids));
    BufferRef src_ids = buf(ids), src_table = buf(weight), dst = buf(out);
    const DataType ids_dtype = ii.dtype;
    const uint64_t row_bytes = static_cast<uint64_t>(hidden) * 2;
    launch(ii.device(), op, "", false, [=](DeviceImpl& dev) {
        read_all(dev, *src_ids);
        write_all(dev, *dst);
        const uint64_t n = static_cast<uint64_t>(batch) * sentence;
        dev.reads(*src_table, n * row_bytes);  // one row per id
        if (!src_ids->stores_data) return;
        for (uint64_t t = 0; t < n; ++t) {
            const uint32_t id = ids_dtype == DataType::UINT32 ? src_ids->words[t]
                                                              : static_cast<uint32_t>(f(*src_ids, t));
            // A card reads whatever lies past the table; the double stops.
            if (id >= rows) {
                throw std::runtime_error("ttnn::embedding: id " + std::to_string(id) + " at " + std::to_string(t) +
                                         " is not below the table's " + std::to_string(rows) + " rows");
            }
            if (has_data({src_table.get(), dst.get()})) {
                std::copy_n(src_table->words.begin() + static_cast<uint64_t>(id) * hidden, hidden,
                            dst->words.begin() + t * hidden);
            }
        }
    });
    Tensor result = reshape(out, ii.shape.size() == 1 ? Shape{sentence, hidden} : Shape{batch, sentence, hidden});
    result = to_layout(result, o.layout.value_or(table.layout()));
    if (result.layout() == Layout::TILE && result.dtype() != o.dtype.value_or(w.dtype)) {
        result = typecast(result, o.dtype.value_or(w.dtype));
    }
    return result;
}

void paged_update_cache(const Tensor& cache, const Tensor& input, const std::vector<uint32_t>& update_idxs,
                        const std::optional<Tensor>& index_tensor, const std::optional<ComputeConfig>& compute) {
    const char* op = "ttnn::experimental::paged_update_cache";
    require_device_tensor(op, cache, "cache_tensor");
    require_device_tensor(op, input, "input_tensor");
    require_same_device(op, cache, input);
    check_compute(op, compute);
    TensorImpl& c = cache.impl();
    TensorImpl& in = input.impl();
    check(in.layout == Layout::TILE && c.layout == Layout::TILE && !c.memory.is_sharded() &&
              (c.dtype == DataType::FLOAT32 || c.dtype == DataType::BFLOAT16 || is_block_float(c.dtype)),
          kUpdTile, std::string("input ") + name(in.layout) + ", cache " + name(c.dtype) + " " + name(c.layout) + " " +
                        c.memory.text());
    check(in.dtype == DataType::FLOAT32 || in.dtype == DataType::BFLOAT16, kUpdInputDtype,
          std::string("got ") + name(in.dtype));
    const Shape ip = in.padded(), cp = c.padded();
    check(ip.size() == 4 && cp.size() == 4 && ip[0] == 1 && ip.back() % kTile == 0 && ip.back() == cp.back() &&
              ip[1] == cp[0] && in.shape[2] == c.shape[1],
          kUpdHeadDim, "input " + shape_text(in.shape) + " (padded " + shape_text(ip) + "), cache " + shape_text(c.shape) +
                           " (padded " + shape_text(cp) + ")");
    const uint32_t users = ip[1];
    check(in.memory.is_sharded() && in.memory.layout != MemoryLayout::WIDTH_SHARDED && in.memory.shard &&
              in.memory.shard->orientation == ShardOrientation::ROW_MAJOR && in.memory.shard->width == ip.back() &&
              in.memory.shard->grid.cores() == users && (volume(ip) / ip.back()) % in.memory.shard->height == 0,
          kUpdSharded, "input " + in.memory.text() + " for padded " + shape_text(ip));
    if (index_tensor) {
        require_device_tensor(op, *index_tensor, "update_idxs_tensor");
        TensorImpl& ix = index_tensor->impl();
        check(update_idxs.empty() && ix.dtype == DataType::INT32 && ix.layout == Layout::ROW_MAJOR &&
                  ix.memory == MemoryConfig::dram() && ix.padded()[0] == users,
              kUpdIndex, std::string("index tensor ") + name(ix.dtype) + " " + name(ix.layout) + " " + ix.memory.text() +
                             " " + shape_text(ix.shape) + (update_idxs.empty() ? "" : " plus host indices"));
    } else {
        check(update_idxs.size() == users, kUpdIndex,
              std::to_string(update_idxs.size()) + " host indices for " + std::to_string(users) + " users");
    }
    BufferRef dst = buf(cache), src = buf(input), idx = index_tensor ? buf(*index_tensor) : nullptr;
    const Shape cshape = c.shape, ishape = in.shape;
    const DataType cdtype = c.dtype, idtype = in.dtype;
    const uint64_t tile_bytes = tensor_bytes({kTile, kTile}, cdtype, Layout::TILE);
    launch(c.device(), op, compute ? compute->text() : "", false, [=](DeviceImpl& dev) {
        read_all(dev, *src);
        if (idx) read_all(dev, *idx);
        const uint32_t heads = cshape[1], seq = cshape[2], d = cshape[3];
        // Each head's row is read-modify-written as one tile row.
        const uint64_t touched = static_cast<uint64_t>(users) * heads * ((d + kTile - 1) / kTile) * tile_bytes;
        dev.reads(*dst, touched);
        dev.writes(*dst, touched);
        for (uint32_t u = 0; u < users; ++u) {
            uint32_t pos = 0;
            if (idx) {
                pos = idx->stores_data ? idx->words[u] : 0;
            } else {
                pos = update_idxs[u];
            }
            if (pos >= seq) {
                // A card writes past the user's rows; the double stops.
                throw std::runtime_error("ttnn::experimental::paged_update_cache: index " +
                                         std::to_string(static_cast<int32_t>(pos)) + " is outside the cache's " +
                                         std::to_string(seq) + " rows");
            }
            if (!has_data({src.get(), dst.get()})) continue;
            for (uint32_t h = 0; h < heads; ++h) {
                std::vector<float> row(d);
                for (uint32_t i = 0; i < d; ++i) row[i] = f(*src, (static_cast<uint64_t>(u) * ishape[2] + h) * ishape[3] + i);
                (void)idtype;
                round_row(cdtype, row.data(), d);
                const uint64_t base = ((static_cast<uint64_t>(u) * heads + h) * seq + pos) * d;
                for (uint32_t i = 0; i < d; ++i) set_f(*dst, base + i, row[i]);
            }
        }
    });
}

Tensor sdpa_decode(const Tensor& q, const Tensor& k, const Tensor& v, const SdpaDecodeOptions& o) {
    const char* op = "ttnn::transformer::scaled_dot_product_attention_decode";
    require_device_tensor(op, q, "input_tensor_q");
    require_device_tensor(op, k, "input_tensor_k");
    require_device_tensor(op, v, "input_tensor_v");
    require_same_device(op, q, k);
    require_same_device(op, q, v);
    check_compute(op, o.compute);
    TensorImpl& iq = q.impl();
    TensorImpl& ik = k.impl();
    TensorImpl& iv = v.impl();
    auto attention_dtype = [](DataType d) { return d == DataType::BFLOAT16 || is_block_float(d); };
    check(attention_dtype(iq.dtype) && attention_dtype(ik.dtype) && attention_dtype(iv.dtype), kSdpaDtype,
          std::string("Q ") + name(iq.dtype) + ", K " + name(ik.dtype) + ", V " + name(iv.dtype));
    check(ik.layout == Layout::TILE && iv.layout == Layout::TILE, kSdpaKvTile,
          std::string("K ") + name(ik.layout) + ", V " + name(iv.layout));
    check(iq.memory.is_sharded() ? iq.memory.layout == MemoryLayout::HEIGHT_SHARDED : iq.memory.buffer == BufferType::DRAM,
          kSdpaQPlacement, "Q is " + iq.memory.text());
    check(ik.memory.buffer == BufferType::DRAM && iv.memory.buffer == BufferType::DRAM, kSdpaKvDram,
          "K is " + ik.memory.text() + ", V is " + iv.memory.text());
    const Shape qp = iq.padded(), kp = ik.padded(), vp = iv.padded();
    check(qp.size() == 4 && kp.size() == 4 && vp.size() == 4 && qp[0] == 1 && kp[0] == qp[1] && vp[0] == qp[1] &&
              kp[2] == vp[2] && kp[3] == qp[3] && vp[3] == qp[3] && kp[1] == vp[1],
          kSdpaShapes, "Q " + shape_text(iq.shape) + ", K " + shape_text(ik.shape) + ", V " + shape_text(iv.shape));
    const uint32_t batch = iq.shape[1], heads = iq.shape[2], kv_heads = ik.shape[1], seq = ik.shape[2], d = iq.shape[3];
    const MemoryConfig memory = o.memory.value_or(MemoryConfig::dram());
    check(!memory.is_sharded() || (memory.layout == MemoryLayout::HEIGHT_SHARDED && kv_heads == 1), kSdpaOutput,
          "output " + memory.text() + " with " + std::to_string(kv_heads) + " K heads");
    if (kv_heads > 1) {
        check(iq.dtype == DataType::BFLOAT16 && heads % kv_heads == 0, kSdpaGqa,
              std::string("Q ") + name(iq.dtype) + " with " + std::to_string(heads) + " heads, K " +
                  std::to_string(kv_heads) + " heads");
    }
    uint32_t chunk = chunk_size(seq);
    std::string program = "default";
    if (o.program) {
        const SdpaProgramConfig& pc = *o.program;
        const uint32_t kc = pc.k_chunk_size;
        check((kc == 0 || ((kc & (kc - 1)) == 0 && kc % kTile == 0)) && pc.grid_x <= iq.device().grid_x() &&
                  pc.grid_y <= iq.device().grid_y() && pc.grid_x > 0 && pc.grid_y > 0,
              kSdpaProgram, "k_chunk_size " + std::to_string(kc) + ", grid " + std::to_string(pc.grid_x) + "x" +
                                std::to_string(pc.grid_y));
        if (kc > 0) chunk = kc;
        program = "SDPAProgramConfig " + std::to_string(pc.grid_x) + "x" + std::to_string(pc.grid_y) + " k_chunk=" +
                  std::to_string(kc);
    } else {
        check(chunk % kTile == 0 && kp[2] % chunk == 0, kSdpaChunk,
              "S = " + std::to_string(seq) + " gives a chunk of " + std::to_string(chunk));
    }
    if (o.cur_pos_tensor) {
        require_device_tensor(op, *o.cur_pos_tensor, "cur_pos_tensor");
        TensorImpl& p = o.cur_pos_tensor->impl();
        check(o.causal && p.dtype == DataType::INT32 && p.layout == Layout::ROW_MAJOR && p.shape.back() == batch,
              kSdpaCurPos, std::string("cur_pos_tensor ") + name(p.dtype) + " " + name(p.layout) + " " +
                               shape_text(p.shape) + " for batch " + std::to_string(batch));
    } else if (o.causal) {
        bool ok = o.cur_pos.size() == batch;
        for (uint32_t pos : o.cur_pos) ok = ok && pos < seq;
        std::string given;
        for (uint32_t pos : o.cur_pos) given += (given.empty() ? "" : ", ") + std::to_string(pos);
        check(ok, kSdpaCurPos, "cur_pos {" + given + "} for batch " + std::to_string(batch) + " and S = " +
                                   std::to_string(seq));
    }
    Tensor out = allocate(iq.device(), iq.shape, iq.dtype, iq.layout, memory);
    BufferRef bq = buf(q), bk = buf(k), bv = buf(v), bo = buf(out);
    BufferRef bp = o.cur_pos_tensor ? buf(*o.cur_pos_tensor) : nullptr;
    const std::vector<uint32_t> host_pos = o.cur_pos;
    const float scale = o.scale.value_or(1.0f / std::sqrt(static_cast<float>(d)));
    const DataType dq = iq.dtype, dk = ik.dtype, dv = iv.dtype;
    const ComputeConfig config = o.compute.value_or(ComputeConfig{MathFidelity::HiFi2, true, false, false});
    const uint64_t row_tile_bytes = tensor_bytes({kTile, d}, dk, Layout::TILE);
    launch(iq.device(), op, config.text(), false, [=](DeviceImpl& dev) {
        read_all(dev, *bq);
        if (bp) read_all(dev, *bp);
        write_all(dev, *bo);
        std::vector<uint32_t> positions(batch);
        for (uint32_t b = 0; b < batch; ++b) {
            positions[b] = bp ? (bp->stores_data ? bp->words[b] : 0) : host_pos[b];
            if (positions[b] >= seq) {
                throw std::runtime_error(std::string(
                                             "ttnn::transformer::scaled_dot_product_attention_decode: cur_pos ") +
                                         std::to_string(static_cast<int32_t>(positions[b])) + " is not below S = " +
                                         std::to_string(seq));
            }
            // K and V are streamed in chunks up to the position.
            const uint64_t chunks = positions[b] / chunk + 1;
            const uint64_t bytes = static_cast<uint64_t>(kv_heads) * chunks * (chunk / kTile) * row_tile_bytes;
            dev.reads(*bk, bytes);
            dev.reads(*bv, bytes);
        }
        if (!has_data({bq.get(), bk.get(), bv.get(), bo.get()})) return;
        // sdpa_decode_program_factory.cpp: scores, probabilities and the softmax statistics are kept in
        // bf16 (im_df, stats_df = Float16_b); products on the matrix engine at the given fidelity.
        const std::vector<float> vq = floats(*bq, dq), vk = floats(*bk, dk), vv = floats(*bv, dv);
        std::vector<float> r(vq.size());
        const uint32_t group = heads / kv_heads;
        for (uint32_t b = 0; b < batch; ++b) {
            const uint32_t last = positions[b];
            for (uint32_t h = 0; h < heads; ++h) {
                const float* qh = &vq[(static_cast<uint64_t>(b) * heads + h) * d];
                const uint64_t kv_base = (static_cast<uint64_t>(b) * kv_heads + h / group) * seq * d;
                std::vector<float> s(last + 1);
                float m = -std::numeric_limits<float>::infinity();
                for (uint32_t j = 0; j <= last; ++j) {
                    float acc = 0.0f;
                    for (uint32_t i = 0; i < d; ++i) {
                        acc = static_cast<float>(acc + fidelity_product(vk[kv_base + j * d + i], qh[i], config.fidelity));
                    }
                    s[j] = round_bf16(acc);
                    m = std::max(m, s[j]);
                }
                float sum = 0.0f;
                for (uint32_t j = 0; j <= last; ++j) {
                    s[j] = round_bf16(std::exp((s[j] - m) * scale));
                    sum += s[j];
                }
                sum = round_bf16(sum);
                float* oh = &r[(static_cast<uint64_t>(b) * heads + h) * d];
                for (uint32_t i = 0; i < d; ++i) {
                    float acc = 0.0f;
                    for (uint32_t j = 0; j <= last; ++j) {
                        acc = static_cast<float>(acc + fidelity_product(vv[kv_base + j * d + i], s[j], config.fidelity));
                    }
                    oh[i] = acc / sum;
                }
            }
        }
        store(*bo, dq, std::move(r), d);
    }, program);
    return out;
}

}  // namespace bttshim::nn
