// The TT-NN ops of the sharded decode step on the host double: heads, rotary, the fused cache update,
// head concatenation, the absmax reduction, addcmul, plus_one and resharding.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "hd_ops.hpp"

namespace bttshim::nn {

using namespace hd;

namespace {

const char* const kCreateHeads =
    "ttnn/cpp/ttnn/operations/experimental/transformer/nlp_create_qkv_heads_decode/device/"
    "nlp_create_qkv_heads_decode_device_operation.cpp";
const char* const kRotaryHf =
    "ttnn/cpp/ttnn/operations/experimental/transformer/rotary_embedding_hf/device/rotary_embedding_hf_device_operation.cpp";
const char* const kRotaryHfSharded =
    "ttnn/cpp/ttnn/operations/experimental/transformer/rotary_embedding_hf/device/"
    "rotary_embedding_hf_sharded_program_factory.cpp";
const char* const kFusedUpdate =
    "ttnn/cpp/ttnn/operations/experimental/paged_cache/device/fused_update_cache/"
    "paged_fused_update_cache_device_operation.cpp";
const char* const kConcatHeads =
    "ttnn/cpp/ttnn/operations/experimental/transformer/nlp_concat_heads_decode/device/"
    "nlp_concat_heads_decode_device_operation.cpp";
const char* const kTernary = "ttnn/cpp/ttnn/operations/eltwise/ternary/ternary.cpp";
const char* const kMoreh = "ttnn/cpp/ttnn/operations/moreh/moreh_helper_functions.cpp (check_tensor), "
                           "moreh_norm/device/moreh_norm_device_operation.cpp";
const char* const kPlusOne = "ttnn/cpp/ttnn/operations/experimental/plusone/device/plusone_device_operation.cpp";
const char* const kShardedToInterleaved =
    "ttnn/cpp/ttnn/operations/data_movement/sharded/sharded_to_interleaved/device/sharded_to_interleaved_op.cpp";

HD_RULE(kHeadsInput, "ttnn::experimental::nlp_create_qkv_heads_decode", "create_heads.input",
        "the input is FLOAT32 or BFLOAT16 TILE [1, 1, users <= 32, width], width a multiple of 32 equal to "
        "(heads + 2 kv_heads) x head_dim, heads >= kv_heads",
        kCreateHeads);
HD_RULE(kHeadsSharding, "ttnn::experimental::nlp_create_qkv_heads_decode", "create_heads.input_sharding",
        "a sharded input is WIDTH_SHARDED, row-major, its shard height the padded rows; with Q and K on separate "
        "cores the head dim is a multiple of the shard width; an interleaved input needs overlap_qk_coregrid",
        kCreateHeads);
HD_RULE(kHeadsSlice, "ttnn::experimental::nlp_create_qkv_heads_decode", "create_heads.slice",
        "batch_offset and slice_size come together; batch_offset is a unary tensor [1]; slice_size is at most the users",
        kCreateHeads);
HD_RULE(kHeadsOutput, "ttnn::experimental::nlp_create_qkv_heads_decode", "create_heads.output",
        "the output config is HEIGHT_SHARDED over at least one core per user (two with Q and K apart)", kCreateHeads);

HD_RULE(kRopeTile, "ttnn::experimental::rotary_embedding_hf", "rotary_hf.tile", "input, cos and sin must be tilized",
        kRotaryHf);
HD_RULE(kRopeWidth, "ttnn::experimental::rotary_embedding_hf", "rotary_hf.width",
        "the input's padded last dim is 32 or a multiple of 64 (rotate_half's midpoint on a tile boundary)", kRotaryHf);
HD_RULE(kRopeCos, "ttnn::experimental::rotary_embedding_hf", "rotary_hf.cos",
        "cos and sin share dtype and padded shape, dim 0 of 1 and the input's last dim", kRotaryHf);
HD_RULE(kRopeDecode, "ttnn::experimental::rotary_embedding_hf", "rotary_hf.decode",
        "decode mode: the input [1, batch, heads, head_dim] HEIGHT_SHARDED, cos and sin sharded [1, batch, 1, head_dim] "
        "(the sharded factory reads them from the shard of the same core as the input)",
        "ttnn/cpp/ttnn/operations/experimental/transformer/rotary_embedding_hf/device/"
        "rotary_embedding_hf_device_operation.cpp, rotary_embedding_hf_sharded_program_factory.cpp");

HD_RULE(kFusedCache, "ttnn::experimental::paged_fused_update_cache", "fused_update.cache",
        "both caches TILE, FLOAT32 / BFLOAT16 / BFLOAT8_B / BFLOAT4_B, interleaved; each input's dim 0 is 1, its padded "
        "last dim the cache's, its users the cache's batch",
        kFusedUpdate);
HD_RULE(kFusedInput, "ttnn::experimental::paged_fused_update_cache", "fused_update.input",
        "each input FLOAT32 or BFLOAT16, sharded but not width-sharded, row-major, shard width = padded last dim",
        kFusedUpdate);
HD_RULE(kFusedIndex, "ttnn::experimental::paged_fused_update_cache", "fused_update.index",
        "the update_idxs tensor is INT32 ROW_MAJOR DRAM interleaved with one index per user", kFusedUpdate);
HD_RULE(kFusedGrids, "ttnn::experimental::paged_fused_update_cache", "fused_update.grids",
        "both inputs tiled; their shard grids must not overlap and must have the same number of cores", kFusedUpdate);

HD_RULE(kConcatInput, "ttnn::experimental::nlp_concat_heads_decode", "concat_heads.input",
        "the input is FLOAT32 or BFLOAT16 TILE [1, users <= 32, padded heads (a multiple of 32) >= num_heads, head_dim]",
        kConcatHeads);
HD_RULE(kConcatSharding, "ttnn::experimental::nlp_concat_heads_decode", "concat_heads.input_sharding",
        "the input is HEIGHT_SHARDED with shards of [padded heads, head_dim], one core per user", kConcatHeads);
HD_RULE(kConcatGrid, "ttnn::experimental::nlp_concat_heads_decode", "concat_heads.sub_core_grids",
        "the sub core grid for the output has at least num_heads cores inside the compute grid", kConcatHeads);

HD_RULE(kAddcmulDtype, "ttnn::addcmul", "addcmul.dtype",
        "a, b and c share one dtype: BFLOAT16, BFLOAT8_B, FLOAT32, INT32 or UINT32", kTernary);
HD_RULE(kAddcmulBroadcast, "ttnn::addcmul", "addcmul.broadcast",
        "the shapes broadcast (each of the last two dims equal or 1); a given output has the broadcast shape",
        "ttnn/cpp/ttnn/operations/eltwise/ternary/device/ternary_op_utils.cpp (get_broadcast_type), "
        "ternary_device_operation.cpp");

HD_RULE(kMorehInput, "ttnn::moreh_norm", "moreh_norm.input", "the input must be a BFLOAT16 TILE device tensor", kMoreh);
HD_RULE(kMorehDim, "ttnn::moreh_norm", "moreh_norm.dim", "dim must be below the input's rank", kMoreh);

HD_RULE(kPlusOneInput, "ttnn::experimental::plus_one", "plus_one.input",
        "the input is INT32 or UINT32, ROW_MAJOR, of rank 1 to 4", kPlusOne);

HD_RULE(kToMemory, "ttnn::to_memory_config", "sharded_to_interleaved.input",
        "sharded_to_interleaved takes a sharded input to an interleaved output (a reshard takes two ops)",
        kShardedToInterleaved);

/* The cores a sharded tensor lives on. */
std::set<uint32_t> cores_of(const MemoryConfig& m, uint32_t width) {
    std::set<uint32_t> s;
    if (!m.shard) return s;
    for (uint32_t c : m.shard->grid.linear(width)) s.insert(c);
    return s;
}

/* Copies rows of one tensor into another by an index map (data movement; words keep their dtype). */
void move_words(const Buffer& src, Buffer& dst, DataType sd, DataType dd, uint64_t width,
                const std::function<int64_t(uint64_t)>& source_index) {
    if (!has_data({&src, &dst})) return;
    const uint64_t n = dst.words.size();
    std::vector<float> in = floats(src, sd), out(n, 0.0f);
    for (uint64_t i = 0; i < n; ++i) {
        const int64_t j = source_index(i);
        out[i] = j < 0 ? 0.0f : in[static_cast<uint64_t>(j)];
    }
    store(dst, dd, std::move(out), width);
}

}  // namespace

std::array<Tensor, 3> nlp_create_qkv_heads_decode(const Tensor& qkv, uint32_t heads, uint32_t kv_heads, bool overlap_qk,
                                                  const MemoryConfig& memory, const std::optional<Tensor>& batch_offset,
                                                  const std::optional<uint32_t>& slice_size) {
    const char* op = "ttnn::experimental::nlp_create_qkv_heads_decode";
    require_device_tensor(op, qkv, "input");
    TensorImpl& in = qkv.impl();
    DeviceImpl& dev = in.device();
    const Shape p = in.padded();
    const uint32_t width = in.shape.back();
    const uint32_t users_in = in.shape.size() == 4 ? in.shape[2] : 0;
    const uint32_t d = heads + 2 * kv_heads == 0 ? 0 : width / (heads + 2 * kv_heads);
    check((in.dtype == DataType::FLOAT32 || in.dtype == DataType::BFLOAT16) && in.layout == Layout::TILE &&
              in.shape.size() == 4 && in.shape[0] == 1 && in.shape[1] == 1 && users_in >= 1 && users_in <= 32 &&
              width % kTile == 0 && heads >= kv_heads && kv_heads > 0 && d > 0 && d % kTile == 0 &&
              (heads + 2 * kv_heads) * d == width,
          kHeadsInput, std::string(name(in.dtype)) + " " + name(in.layout) + " " + shape_text(in.shape) + " for " +
                           std::to_string(heads) + " heads, " + std::to_string(kv_heads) + " kv heads");
    if (in.memory.is_sharded()) {
        const ShardSpec& s = *in.memory.shard;
        check(in.memory.layout == MemoryLayout::WIDTH_SHARDED && s.orientation == ShardOrientation::ROW_MAJOR &&
                  s.height == volume(p) / p.back() && (overlap_qk || d % s.width == 0),
              kHeadsSharding, "input " + in.memory.text() + " with head_dim " + std::to_string(d));
    } else {
        check(overlap_qk, kHeadsSharding, "interleaved input without overlap_qk_coregrid");
    }
    if (batch_offset) require_device_tensor(op, *batch_offset, "batch_offset");
    check(batch_offset.has_value() == slice_size.has_value() &&
              (!batch_offset || (batch_offset->shape().size() == 1 && batch_offset->shape()[0] == 1 &&
                                 *slice_size >= 1 && *slice_size <= users_in)),
          kHeadsSlice, std::string(batch_offset ? "batch_offset " + shape_text(batch_offset->shape()) : "no batch_offset") +
                           (slice_size ? ", slice_size " + std::to_string(*slice_size) : ", no slice_size"));
    const uint32_t users = slice_size.value_or(users_in);
    BufferRef offset = batch_offset ? buf(*batch_offset) : nullptr;
    check(memory.is_sharded() && memory.layout == MemoryLayout::HEIGHT_SHARDED && memory.shard &&
              memory.shard->grid.cores() >= (overlap_qk ? users : 2 * users) && dev.grid_fits(memory.shard->grid),
          kHeadsOutput, "output " + memory.text() + " for " + std::to_string(users) + " users");
    // compute_output_specs: Q on the first `users` cores, K after them unless overlapping, V with Q.
    const uint32_t start = memory.shard->grid.linear(dev.grid_x()).front();
    const uint32_t hq_pad = (heads + kTile - 1) / kTile * kTile, hkv_pad = (kv_heads + kTile - 1) / kTile * kTile;
    auto grid_at = [&](uint32_t first) { return CoreGrid{users, 1, first, true}; };
    const MemoryConfig q_mem = MemoryConfig::sharded(MemoryLayout::HEIGHT_SHARDED, {grid_at(start), hq_pad, d, ShardOrientation::ROW_MAJOR});
    const MemoryConfig k_mem = MemoryConfig::sharded(
        MemoryLayout::HEIGHT_SHARDED, {grid_at(overlap_qk ? start : start + users), hkv_pad, d, ShardOrientation::ROW_MAJOR});
    const MemoryConfig v_mem = MemoryConfig::sharded(MemoryLayout::HEIGHT_SHARDED, {grid_at(start), hkv_pad, d, ShardOrientation::ROW_MAJOR});
    Tensor q = allocate(dev, {1, users, heads, d}, in.dtype, Layout::TILE, q_mem);
    Tensor k = allocate(dev, {1, users, kv_heads, d}, in.dtype, Layout::TILE, k_mem);
    Tensor v = allocate(dev, {1, users, kv_heads, d}, in.dtype, Layout::TILE, v_mem);
    BufferRef src = buf(qkv), bq = buf(q), bk = buf(k), bv = buf(v);
    const DataType dtype = in.dtype;
    launch(dev, op, "", false, [=](DeviceImpl& dv) {
        read_all(dv, *src);
        write_all(dv, *bq);
        write_all(dv, *bk);
        write_all(dv, *bv);
        if (offset) read_all(dv, *offset);
        const uint64_t first_user = offset && offset->stores_data ? offset->words[0] : 0;
        if (first_user + users > users_in) {
            throw std::runtime_error(std::string(op) + ": batch_offset " + std::to_string(first_user) + " + " +
                                     std::to_string(users) + " users exceeds the input's " + std::to_string(users_in));
        }
        // qkv row u holds Q heads, then K heads, then V heads, each head_dim wide.
        auto part = [&](Buffer& dst, uint32_t h, uint32_t first_head) {
            move_words(*src, dst, dtype, dtype, d, [=](uint64_t i) {
                const uint64_t u = i / (static_cast<uint64_t>(h) * d), rest = i % (static_cast<uint64_t>(h) * d);
                return static_cast<int64_t>((first_user + u) * width + (first_head + rest / d) * d + rest % d);
            });
        };
        part(*bq, heads, 0);
        part(*bk, kv_heads, heads);
        part(*bv, kv_heads, heads + kv_heads);
    }, overlap_qk ? "overlap_qk" : "q and k apart");
    return {q, k, v};
}

Tensor rotary_embedding_hf(const Tensor& x, const Tensor& cos, const Tensor& sin, bool decode,
                           const std::optional<MemoryConfig>& memory, const std::optional<ComputeConfig>& compute) {
    const char* op = "ttnn::experimental::rotary_embedding_hf";
    require_device_tensor(op, x, "input");
    require_device_tensor(op, cos, "cos");
    require_device_tensor(op, sin, "sin");
    require_same_device(op, x, cos);
    require_same_device(op, x, sin);
    check_compute(op, compute);
    TensorImpl& in = x.impl();
    TensorImpl& c = cos.impl();
    TensorImpl& s = sin.impl();
    check(in.layout == Layout::TILE && c.layout == Layout::TILE && s.layout == Layout::TILE, kRopeTile,
          std::string("input ") + name(in.layout) + ", cos " + name(c.layout) + ", sin " + name(s.layout));
    const Shape p = in.padded(), cp = c.padded();
    const uint32_t d = p.back();
    check(d == kTile || d % (2 * kTile) == 0, kRopeWidth, "input " + shape_text(in.shape));
    check(c.dtype == s.dtype && cp == s.padded() && cp.size() == 4 && cp[0] == 1 && cp.back() == d, kRopeCos,
          "cos " + std::string(name(c.dtype)) + " " + shape_text(c.shape) + ", sin " + name(s.dtype) + " " +
              shape_text(s.shape) + " for input " + shape_text(in.shape));
    if (decode) {
        const std::set<uint32_t> xc = cores_of(in.memory, in.device().grid_x());
        check(p.size() == 4 && in.memory.layout == MemoryLayout::HEIGHT_SHARDED && c.memory.is_sharded() &&
                  s.memory.is_sharded() && cp[1] == p[1] && cores_of(c.memory, in.device().grid_x()) == xc &&
                  cores_of(s.memory, in.device().grid_x()) == xc,
              kRopeDecode, "input " + shape_text(in.shape) + " " + in.memory.text() + ", cos " + shape_text(c.shape) + " " +
                               c.memory.text() + ", sin " + s.memory.text());
    }
    Tensor out = allocate(in.device(), in.shape, in.dtype, Layout::TILE, out_memory(memory, x));
    BufferRef bx = buf(x), bc = buf(cos), bs = buf(sin), bo = buf(out);
    const DataType dx = in.dtype, dc = c.dtype;
    const Shape xs = in.shape, cs = c.shape;
    const ComputeConfig config = compute.value_or(ComputeConfig{MathFidelity::HiFi4, true, false, false});
    launch(in.device(), op, config.text(), false, [=](DeviceImpl& dev) {
        read_all(dev, *bx);
        read_all(dev, *bc);
        read_all(dev, *bs);
        write_all(dev, *bo);
        if (!has_data({bx.get(), bc.get(), bs.get(), bo.get()})) return;
        const std::vector<float> vx = floats(*bx, dx), vc = floats(*bc, dc), vs = floats(*bs, dc);
        std::vector<float> r(vx.size());
        const uint32_t half = d / 2;
        const uint64_t rows = vx.size() / d;
        const uint64_t heads = xs[2];
        for (uint64_t row = 0; row < rows; ++row) {
            // Decode: cos row b broadcast over the heads of user b (mul_tiles_bcast_rows); prefill: the
            // row of the position, broadcast over heads.
            const uint64_t b = decode ? row / heads : 0;
            const uint64_t crow = decode ? b * (cs[2]) : row % cs[2];
            for (uint32_t i = 0; i < d; ++i) {
                const float xi = vx[row * d + i];
                const float rot = i < half ? -vx[row * d + i + half] : vx[row * d + i - half];
                const float cv = vc[crow * d + i], sv = vs[crow * d + i];
                // Products on the matrix engine at the config's fidelity; the sum in dest.
                float sum = static_cast<float>(fidelity_product(cv, xi, config.fidelity)) +
                            static_cast<float>(fidelity_product(sv, rot, config.fidelity));
                r[row * d + i] = config.fp32_dest_acc ? sum : round_bf16(sum);
            }
        }
        store(*bo, dx, std::move(r), d);
    }, decode ? "decode" : "prefill");
    return out;
}

namespace {

void check_cache_pair(const char* op, const TensorImpl& c, const TensorImpl& in) {
    const Shape ip = in.padded(), cp = c.padded();
    check(c.layout == Layout::TILE && !c.memory.is_sharded() &&
              (c.dtype == DataType::FLOAT32 || c.dtype == DataType::BFLOAT16 || is_block_float(c.dtype)) &&
              ip.size() == 4 && cp.size() == 4 && ip[0] == 1 && ip.back() == cp.back() && ip[1] == cp[0] &&
              in.shape[2] == c.shape[1],
          kFusedCache, std::string(op) + " cache " + name(c.dtype) + " " + name(c.layout) + " " + shape_text(c.shape) +
                           " " + c.memory.text() + " for input " + shape_text(in.shape));
    check((in.dtype == DataType::FLOAT32 || in.dtype == DataType::BFLOAT16) && in.memory.is_sharded() &&
              in.memory.layout != MemoryLayout::WIDTH_SHARDED && in.memory.shard &&
              in.memory.shard->orientation == ShardOrientation::ROW_MAJOR && in.memory.shard->width == ip.back() &&
              (volume(ip) / ip.back()) % in.memory.shard->height == 0,
          kFusedInput, std::string("input ") + name(in.dtype) + " " + in.memory.text() + " for padded " + shape_text(ip));
}

}  // namespace

void paged_fused_update_cache(const Tensor& cache1, const Tensor& input1, const Tensor& cache2, const Tensor& input2,
                              const Tensor& index, const std::optional<ComputeConfig>& compute) {
    const char* op = "ttnn::experimental::paged_fused_update_cache";
    for (const Tensor* t : {&cache1, &input1, &cache2, &input2, &index}) require_device_tensor(op, *t, "tensor");
    require_same_device(op, cache1, input1);
    require_same_device(op, cache1, cache2);
    require_same_device(op, cache1, input2);
    check_compute(op, compute);
    TensorImpl& c1 = cache1.impl();
    TensorImpl& i1 = input1.impl();
    TensorImpl& c2 = cache2.impl();
    TensorImpl& i2 = input2.impl();
    check_cache_pair(op, c1, i1);
    check_cache_pair(op, c2, i2);
    const uint32_t users = i1.padded()[1];
    TensorImpl& ix = index.impl();
    check(ix.dtype == DataType::INT32 && ix.layout == Layout::ROW_MAJOR && ix.memory == MemoryConfig::dram() &&
              ix.padded()[0] == users && i2.padded()[1] == users,
          kFusedIndex, std::string("index ") + name(ix.dtype) + " " + name(ix.layout) + " " + ix.memory.text() + " " +
                           shape_text(ix.shape) + " for " + std::to_string(users) + " users");
    const uint32_t width = c1.device().grid_x();
    std::set<uint32_t> g1 = cores_of(i1.memory, width), g2 = cores_of(i2.memory, width);
    std::vector<uint32_t> both;
    std::set_intersection(g1.begin(), g1.end(), g2.begin(), g2.end(), std::back_inserter(both));
    check(i1.layout == Layout::TILE && i2.layout == Layout::TILE && both.empty() && g1.size() == g2.size(), kFusedGrids,
          "input1 " + i1.memory.text() + ", input2 " + i2.memory.text());
    BufferRef bc1 = buf(cache1), bi1 = buf(input1), bc2 = buf(cache2), bi2 = buf(input2), bx = buf(index);
    const Shape s1 = c1.shape, s2 = c2.shape, is1 = i1.shape, is2 = i2.shape;
    const DataType d1 = c1.dtype, d2 = c2.dtype;
    launch(c1.device(), op, compute ? compute->text() : "", false, [=](DeviceImpl& dev) {
        read_all(dev, *bx);
        auto update = [&](Buffer& cache, const Buffer& in, const Shape& cs, const Shape& is, DataType cd) {
            read_all(dev, in);
            const uint32_t heads = cs[1], seq = cs[2], d = cs[3];
            const uint64_t touched =
                static_cast<uint64_t>(users) * heads * ((d + kTile - 1) / kTile) * tensor_bytes({kTile, kTile}, cd, Layout::TILE);
            dev.reads(cache, touched);
            dev.writes(cache, touched);
            for (uint32_t u = 0; u < users; ++u) {
                const uint32_t pos = bx->stores_data ? bx->words[u] : 0;
                if (pos >= seq) {
                    throw std::runtime_error("ttnn::experimental::paged_fused_update_cache: index " +
                                             std::to_string(static_cast<int32_t>(pos)) + " is outside the cache's " +
                                             std::to_string(seq) + " rows");
                }
                if (!has_data({&in, &cache})) continue;
                for (uint32_t h = 0; h < heads; ++h) {
                    std::vector<float> row(d);
                    for (uint32_t i = 0; i < d; ++i) row[i] = f(in, (static_cast<uint64_t>(u) * is[2] + h) * is[3] + i);
                    round_row(cd, row.data(), d);
                    const uint64_t base = ((static_cast<uint64_t>(u) * heads + h) * seq + pos) * d;
                    for (uint32_t i = 0; i < d; ++i) set_f(cache, base + i, row[i]);
                }
            }
        };
        update(*bc1, *bi1, s1, is1, d1);
        update(*bc2, *bi2, s2, is2, d2);
    });
}

Tensor nlp_concat_heads_decode(const Tensor& x, uint32_t heads, const CoreGrid& sub_core_grid) {
    const char* op = "ttnn::experimental::nlp_concat_heads_decode";
    require_device_tensor(op, x, "input");
    TensorImpl& in = x.impl();
    DeviceImpl& dev = in.device();
    const Shape p = in.padded();
    check((in.dtype == DataType::FLOAT32 || in.dtype == DataType::BFLOAT16) && in.layout == Layout::TILE &&
              p.size() == 4 && p[0] == 1 && p[1] <= 32 && p[2] % kTile == 0 && p[2] >= heads && heads > 0,
          kConcatInput, std::string(name(in.dtype)) + " " + name(in.layout) + " " + shape_text(in.shape) + " for " +
                            std::to_string(heads) + " heads");
    check(in.memory.layout == MemoryLayout::HEIGHT_SHARDED && in.memory.shard && in.memory.shard->width == p[3] &&
              in.memory.shard->height == p[2] && in.memory.shard->grid.cores() == p[1],
          kConcatSharding, "input " + in.memory.text() + " for padded " + shape_text(p));
    check(sub_core_grid.cores() >= heads && dev.grid_fits(sub_core_grid), kConcatGrid,
          std::to_string(sub_core_grid.cores()) + " cores for " + std::to_string(heads) + " heads");
    const uint32_t users = p[1], d = p[3], batch = std::max<uint32_t>(users, kTile);
    // compute_output_specs: [1, 1, users padded to 32, heads * head_dim], a head_dim-wide shard per head.
    CoreGrid grid = sub_core_grid;
    if (grid.cores() != heads) grid = CoreGrid{heads, 1, grid.run ? grid.offset : 0, true};
    const MemoryConfig mem = MemoryConfig::sharded(MemoryLayout::WIDTH_SHARDED, {grid, batch, d, ShardOrientation::ROW_MAJOR});
    Tensor out = allocate(dev, {1, 1, batch, heads * d}, in.dtype, Layout::TILE, mem);
    BufferRef src = buf(x), dst = buf(out);
    const DataType dtype = in.dtype;
    const uint32_t hx = in.shape[2];
    launch(dev, op, "", false, [=](DeviceImpl& dv) {
        read_all(dv, *src);
        write_all(dv, *dst);
        // Row u of the output: user u's heads side by side; rows past the users stay zero.
        move_words(*src, *dst, dtype, dtype, static_cast<uint64_t>(heads) * d, [=](uint64_t i) -> int64_t {
            const uint64_t u = i / (static_cast<uint64_t>(heads) * d), rest = i % (static_cast<uint64_t>(heads) * d);
            if (u >= users) return -1;
            return static_cast<int64_t>((u * hx + rest / d) * d + rest % d);
        });
    });
    return out;
}

Tensor addcmul(const Tensor& a, const Tensor& b, const Tensor& c, float value, const std::optional<MemoryConfig>& memory,
               const std::optional<Tensor>& output) {
    const char* op = "ttnn::addcmul";
    require_device_tensor(op, a, "input_a");
    require_device_tensor(op, b, "input_b");
    require_device_tensor(op, c, "input_c");
    require_same_device(op, a, b);
    require_same_device(op, a, c);
    TensorImpl& ia = a.impl();
    TensorImpl& ib = b.impl();
    TensorImpl& ic = c.impl();
    const DataType d = ia.dtype;
    check((d == DataType::BFLOAT16 || d == DataType::FLOAT32 || d == DataType::BFLOAT8_B || d == DataType::INT32 ||
           d == DataType::UINT32) && ib.dtype == d && ic.dtype == d,
          kAddcmulDtype, std::string("a ") + name(ia.dtype) + ", b " + name(ib.dtype) + ", c " + name(ic.dtype));
    std::optional<Shape> ab = broadcast(ia.shape, ib.shape);
    std::optional<Shape> shape = ab ? broadcast(*ab, ic.shape) : std::nullopt;
    check(shape.has_value() && (!output || output->shape() == *shape), kAddcmulBroadcast,
          "a " + shape_text(ia.shape) + ", b " + shape_text(ib.shape) + ", c " + shape_text(ic.shape) +
              (output ? ", output " + shape_text(output->shape()) : ""));
    Tensor out;
    if (output) {
        require_device_tensor(op, *output, "output");
        out = *output;
    } else {
        out = allocate(ia.device(), *shape, d, Layout::TILE, out_memory(memory, a));
    }
    BufferRef ba = buf(a), bb = buf(b), bc = buf(c), bo = buf(out);
    const Shape sa = ia.shape, sb = ib.shape, sc = ic.shape, so = *shape;
    launch(ia.device(), op, "", false, [=](DeviceImpl& dev) {
        read_all(dev, *ba);
        read_all(dev, *bb);
        read_all(dev, *bc);
        write_all(dev, *bo);
        if (!has_data({ba.get(), bb.get(), bc.get(), bo.get()})) return;
        // The ternary SFPU kernel: a + value * b * c in FP32.
        const std::vector<float> va = floats(*ba, d), vb = floats(*bb, d), vc = floats(*bc, d);
        std::vector<float> r(volume(so));
        for (uint64_t i = 0; i < r.size(); ++i) {
            r[i] = va[broadcast_index(sa, so, i)] + value * vb[broadcast_index(sb, so, i)] * vc[broadcast_index(sc, so, i)];
        }
        store(*bo, d, std::move(r), so.back());
    });
    return out;
}

Tensor moreh_norm(const Tensor& t, float p, int dim, bool keepdim, const std::optional<MemoryConfig>& memory,
                  const std::optional<ComputeConfig>& compute) {
    const char* op = "ttnn::moreh_norm";
    require_device_tensor(op, t, "input");
    check_compute(op, compute);
    TensorImpl& in = t.impl();
    check(in.dtype == DataType::BFLOAT16 && in.layout == Layout::TILE, kMorehInput,
          std::string(name(in.dtype)) + " " + name(in.layout));
    const int axis = normalize_dim(dim, in.shape.size());
    check(axis >= 0 && axis < static_cast<int>(in.shape.size()), kMorehDim,
          "dim " + std::to_string(dim) + " of " + shape_text(in.shape));
    if (axis != static_cast<int>(in.shape.size()) - 1 || !std::isinf(p) || p < 0) {
        throw std::runtime_error("ttnn::moreh_norm: the host double computes p = inf over the last dim only");
    }
    Shape shape = in.shape;
    shape.back() = 1;
    if (!keepdim) shape.pop_back();
    // moreh_norm_device_operation.cpp compute_output_specs: a TILE output in the given memory config,
    // interleaved by default (the program factory writes through TensorAccessor).
    Tensor out = allocate(in.device(), shape, DataType::BFLOAT16, Layout::TILE, memory.value_or(MemoryConfig::dram()));
    BufferRef src = buf(t), dst = buf(out);
    const uint64_t width = in.shape.back();
    launch(in.device(), op, compute ? compute->text() : "", false, [=](DeviceImpl& dev) {
        read_all(dev, *src);
        write_all(dev, *dst);
        if (!has_data({src.get(), dst.get()})) return;
        // abs on the SFPU, max across the row on the matrix engine: exact for bf16 values.
        const std::vector<float> v = floats(*src, DataType::BFLOAT16);
        std::vector<float> m(v.size() / width);
        for (uint64_t r = 0; r < m.size(); ++r) {
            float best = 0.0f;
            for (uint64_t i = 0; i < width; ++i) best = std::max(best, std::fabs(v[r * width + i]));
            m[r] = best;
        }
        store(*dst, DataType::BFLOAT16, std::move(m), 1);
    }, "p=inf");
    return out;
}

void plus_one(const Tensor& t) {
    const char* op = "ttnn::experimental::plus_one";
    require_device_tensor(op, t, "input");
    TensorImpl& in = t.impl();
    check((in.dtype == DataType::INT32 || in.dtype == DataType::UINT32) && in.layout == Layout::ROW_MAJOR &&
              !in.shape.empty() && in.shape.size() <= 4,
          kPlusOneInput, std::string(name(in.dtype)) + " " + name(in.layout) + " " + shape_text(in.shape));
    BufferRef b = buf(t);
    launch(in.device(), op, "", false, [b](DeviceImpl& dev) {
        read_all(dev, *b);
        write_all(dev, *b);
        for (uint32_t& w : b->words) w += 1;
    });
}

Tensor to_memory_config(const Tensor& t, const MemoryConfig& memory, const std::optional<DataType>& dtype) {
    require_device_tensor("ttnn::to_memory_config", t, "input");
    TensorImpl& in = t.impl();
    if (!in.memory.is_sharded() && memory.is_sharded()) {
        Tensor s = interleaved_to_sharded(t, memory);
        return dtype && *dtype != in.dtype ? typecast(s, *dtype) : s;
    }
    const char* op = "ttnn::sharded_to_interleaved";
    check(in.memory.is_sharded() && !memory.is_sharded(), kToMemory, "input " + in.memory.text() + ", output " + memory.text());
    const DataType out_dtype = dtype.value_or(in.dtype);
    Tensor out = allocate(in.device(), in.shape, out_dtype, in.layout, memory);
    BufferRef src = buf(t), dst = buf(out);
    const DataType sd = in.dtype;
    const uint64_t width = in.shape.back();
    launch(in.device(), op, "", false, [=](DeviceImpl& dev) {
        read_all(dev, *src);
        write_all(dev, *dst);
        move_words(*src, *dst, sd, out_dtype, width, [](uint64_t i) { return static_cast<int64_t>(i); });
    });
    return out;
}

}  // namespace bttshim::nn
