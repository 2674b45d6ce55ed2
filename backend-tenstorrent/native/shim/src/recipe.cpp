// The decode step after Tenstorrent's tt_transformers recipe (spec ttnn.md §4), for one token:
//
//   residual stream  [1, 1, 32, d] BFLOAT16, L1 width-sharded (row 0 is the token; 32 rows fill the tile)
//   per layer        rms_norm (sharded) -> moreh_norm (absmax) -> divide (x / absmax * 127, rounded to
//                    int8 codes, FLOAT32) -> linear (DRAM-sharded, pre-transposed fused QKV) -> multiply (absmax / 127)
//                    -> nlp_create_qkv_heads_decode -> rotary_embedding_hf (q, k; decode mode, cos/sin rows
//                    gathered by position) -> paged_fused_update_cache (K and V) -> SDPA decode -> reshard ->
//                    nlp_concat_heads_decode -> rms_norm -> absmax -> codes -> linear (WO) -> addcmul into
//                    the residual; rms_norm -> absmax -> codes -> linear (FF1), linear (FF3) -> multiply with
//                    relu² fused -> rms_norm -> absmax -> codes -> linear (FF2) -> addcmul into the residual
//   per token        embedding, reshard, cos/sin gathers and reshards, final rms_norm, LM head chunks, concat,
//                    reshard, argmax into the token's ids (greedy) or topk and two untilizes (top-k sampling: k
//                    values and ids read back, the sampled token written into the ids), plus_one on the positions
//
// Weight scales are folded: into the SDPA scale (Q, K), the attention sub-norm's eps (V), the addcmul's
// value (WO, FF2) and the relu² product's post-multiply (FF1, FF3, whose absmax the sub-norm cancels). Each
// function returns false when its inputs are not in these forms; the caller then runs the plain path.
#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>

#include "shim_state.hpp"

namespace bttshim {

using nn::UnaryKind;

namespace {

constexpr uint32_t kRows = 32;
const nn::MemoryConfig kL1 = nn::MemoryConfig::l1();
const nn::MemoryConfig kL1WidthSharded{nn::MemoryLayout::WIDTH_SHARDED, nn::BufferType::L1, std::nullopt};

uint32_t grid_x(const btt_device& dev) { return std::max<uint32_t>(1, dev.info.grid_x); }
uint32_t cores(const btt_device& dev) { return std::max<uint32_t>(1, dev.info.cores); }

/* The most cores (at most the device's) dividing `n` tiles that form a rectangle of the compute grid. */
uint32_t rect_cores(const btt_device& dev, uint32_t n) {
    const uint32_t gx = grid_x(dev);
    for (uint32_t c = std::min(n, cores(dev)); c > 1; --c) {
        if (n % c == 0 && (c <= gx || c % gx == 0)) return c;
    }
    return 1;
}

/* Width-sharded over `c` cores from core 0, `per` tiles each. */
nn::MemoryConfig width_sharded(const btt_device& dev, uint32_t c, uint32_t per) {
    return nn::MemoryConfig::sharded(nn::MemoryLayout::WIDTH_SHARDED,
                                     {nn::CoreGrid::first(c, grid_x(dev)), kRows, per * 32, nn::ShardOrientation::ROW_MAJOR});
}

/* Where a [1, 1, 32, cols] activation the sharded norm and the DRAM-sharded matmuls meet lives. */
nn::MemoryConfig activation_memory(const btt_device& dev, uint64_t cols) {
    const uint32_t c = rect_cores(dev, tiles(cols));
    return width_sharded(dev, c, tiles(cols) / c);
}

uint32_t largest_divisor_at_most(uint32_t n, uint32_t limit) {
    for (uint32_t d = std::min(n, limit); d > 1; --d) {
        if (n % d == 0) return d;
    }
    return 1;
}

/* Tiles of a width-sharded tensor's shard. */
uint32_t shard_tiles(const nn::Tensor& t) { return t.memory().shard ? t.memory().shard->width / 32 : 0; }

bool width_sharded_rect(const btt_device& dev, const nn::Tensor& t) {
    const nn::MemoryConfig m = t.memory();
    return m.layout == nn::MemoryLayout::WIDTH_SHARDED && m.shard && m.shard->grid.rectangular(grid_x(dev));
}

Value rows(nn::Tensor t, float scale = 1.0f) {
    Value v;
    v.kind = Value::Kind::Rows;
    v.t = std::move(t);
    v.scale = scale;
    return v;
}

Value heads_value(nn::Tensor t, uint32_t heads, float scale) {
    Value v;
    v.kind = Value::Kind::Heads;
    v.t = std::move(t);
    v.heads = heads;
    v.scale = scale;
    return v;
}

bool positive(float s) { return std::isfinite(s) && s > 0.0f; }

bool is_token_row(const TensorRec& t) { return t.dims.size() == 2 && t.dims[0] == 1; }

/* cos or sin rows of the position, [1, 1, 32, D] (every row the position's), on one core. The gather runs
 * once per table and position; each core a head group lives on gets its own reshard. */
nn::Tensor rope_rows(Ctx& c, TensorRec& table, TensorRec& position, uint32_t core) {
    const uint32_t kGathered = UINT32_MAX;  // the interleaved gather, before any reshard
    auto find = [&](uint32_t where) -> std::optional<nn::Tensor> {
        for (const RopeRows& r : c.dev().rope_rows) {
            if (r.table == table.handle && r.position == position.handle && r.position_version == position.version &&
                r.core == where) {
                return r.rows;
            }
        }
        return std::nullopt;
    };
    auto keep = [&](uint32_t where, const nn::Tensor& rows) {
        auto& cache = c.dev().rope_rows;
        cache.erase(std::remove_if(cache.begin(), cache.end(),
                                   [&](const RopeRows& r) {
                                       return r.table == table.handle && r.position == position.handle && r.core == where;
                                   }),
                    cache.end());
        cache.push_back({table.handle, position.handle, position.version, where, rows});
    };
    if (std::optional<nn::Tensor> sharded = find(core)) return *sharded;
    const uint32_t d = static_cast<uint32_t>(table.dims[1]);
    std::optional<nn::Tensor> gathered = find(kGathered);
    if (!gathered) {
        // tt_transformers' HfRotarySetup.get_rot_mats: embedding(position, BF16 ROW_MAJOR table) inside the
        // trace, then sharded onto the cores of the heads it rotates.
        nn::Tensor id_view = nn::reshape(ids(c, position), {1, kRows});
        nn::Tensor rows = nn::embedding(id_view, table_rm(c, table),
                                        {.layout = nn::Layout::TILE, .dtype = nn::DataType::BFLOAT16, .memory = kL1});
        gathered = nn::reshape(rows, {1, 1, kRows, d});
        keep(kGathered, *gathered);
    }
    nn::Tensor sharded = nn::interleaved_to_sharded(
        *gathered, nn::MemoryConfig::sharded(nn::MemoryLayout::HEIGHT_SHARDED,
                                             {{1, 1, core, true}, kRows, d, nn::ShardOrientation::ROW_MAJOR}));
    keep(core, sharded);
    return sharded;
}

/* Splits a fused QKV group into heads once: the dequantizing multiply and nlp_create_qkv_heads_decode. */
bool split_group(Ctx& c, QkvGroup& g, uint32_t head_dim) {
    if (g.heads) return true;
    if (head_dim == 0 || head_dim % 32 != 0 || g.widths[0] % head_dim != 0 || g.widths[1] % head_dim != 0 ||
        g.widths[1] != g.widths[2] || g.widths[0] < g.widths[1] || head_dim % (shard_tiles(g.acc) * 32) != 0) {
        return false;
    }
    g.q_heads = g.widths[0] / head_dim;
    g.kv_heads = g.widths[1] / head_dim;
    if (g.q_heads > kRows) return false;
    nn::Tensor qkv = nn::multiply(g.acc, g.absmax,
                                  {.rhs = {{UnaryKind::RELU_MIN, 1e-5f}}, .post = {{UnaryKind::MUL, 1.0f / 127.0f}}});
    // Q on core 0, K on core 1 (Q and K apart, so K and V do not overlap for the fused cache update), V on core 0.
    const nn::MemoryConfig out = nn::MemoryConfig::sharded(
        nn::MemoryLayout::HEIGHT_SHARDED, {{2, 1, 0, false}, kRows, head_dim, nn::ShardOrientation::ROW_MAJOR});
    g.heads = nn::nlp_create_qkv_heads_decode(qkv, g.q_heads, g.kv_heads, false, out, batch_offset(c), 1u);
    return true;
}

/* Brings a group member into its heads form. */
bool to_heads(Ctx& c, TensorRec& t, uint32_t head_dim) {
    if (t.value.kind == Value::Kind::Heads) return true;
    if (t.value.kind != Value::Kind::Member) return false;
    QkvGroup& g = *t.value.group;
    if (!split_group(c, g, head_dim)) return false;
    const uint32_t m = t.value.member;
    t.value = heads_value((*g.heads)[m], m == 0 ? g.q_heads : g.kv_heads, t.value.scale);
    return true;
}

/* A cache write of a value of scale `s`: the cache keeps one scale for what it stores. */
nn::Tensor cache_input(TensorRec& cache, const Value& kv) {
    if (!cache.cache_scale) {
        cache.cache_scale = kv.scale;
        cache.value.scale = kv.scale;
    }
    if (*cache.cache_scale == kv.scale) return kv.t;
    return nn::multiply(kv.t, kv.scale / *cache.cache_scale);
}

}  // namespace

ComputeConfigs compute_configs(Mode mode) {
    using nn::MathFidelity;
    // tt_transformers model_config.py: performance mode runs bfp4 FF1/FF3 at LoFi without FP32 accumulation,
    // everything else at HiFi2 (the LM head without FP32 accumulation); accuracy mode HiFi2 with FP32
    // accumulation for the ternary matmuls and HiFi3 for attention. Never HiFi4 with FP32 accumulation (#38306).
    if (mode == Mode::Accuracy) {
        const nn::ComputeConfig hifi2{MathFidelity::HiFi2, false, true, true};
        const nn::ComputeConfig hifi3{MathFidelity::HiFi3, false, true, false};
        return {hifi2, hifi2, hifi2, hifi3, hifi3, hifi3, hifi3};
    }
    return {{MathFidelity::HiFi2, false, true, true},  {MathFidelity::LoFi, false, false, true},
            {MathFidelity::HiFi2, false, false, true}, {MathFidelity::HiFi2, true, false, false},
            {MathFidelity::HiFi2, false, true, false}, {MathFidelity::HiFi2, false, true, false},
            {MathFidelity::HiFi3, false, true, false}};
}

nn::DataType kv_cache_dtype(Mode mode) { return mode == Mode::Accuracy ? nn::DataType::BFLOAT16 : nn::DataType::BFLOAT8_B; }

bool decode_embedding(Ctx& c, TensorRec& table, TensorRec& id, TensorRec& out) {
    const uint64_t d = table.dims[1];
    if (id.elements() != 1 || !is_token_row(out) || d % 32 != 0) return false;
    nn::Tensor id_view = nn::reshape(ids(c, id), {1, kRows});
    nn::Tensor gathered = nn::embedding(id_view, table_rm(c, table),
                                        {.layout = nn::Layout::TILE, .dtype = nn::DataType::BFLOAT16, .memory = kL1});
    nn::Tensor x = nn::interleaved_to_sharded(nn::reshape(gathered, {1, 1, kRows, static_cast<uint32_t>(d)}),
                                              activation_memory(c.dev(), d));
    c.written(out, rows(x));
    return true;
}

bool decode_rms_norm(Ctx& c, TensorRec& x, TensorRec& weight, float eps, TensorRec& out) {
    const Value& v = x.value;
    if (v.kind != Value::Kind::Rows || !width_sharded_rect(c.dev(), v.t) || !weight.value.plain() ||
        (weight.elements() % 32 != 0 && weight.layout != BTT_LAYOUT_TILE) || !positive(v.scale)) {
        return false;
    }
    // A norm is scale-free: a static scale s of the stored values moves into eps (eps / s²); a per-token
    // factor (the relu² product's absmax³) is left out, which changes the result only through eps.
    const uint32_t block_w = shard_tiles(v.t);
    nn::ShardedNormConfig pc{grid_x(c.dev()), cores(c.dev()) / grid_x(c.dev()), largest_divisor_at_most(block_w, 4), 1,
                             block_w};
    // bf16 sticks where the width allows (n * 2 bytes read), else the weight's own TILE row.
    const nn::Tensor gamma = weight.elements() % 32 == 0 ? gamma_rm(c, weight) : weight.plain;
    nn::Tensor y = nn::rms_norm(v.t, eps / (v.scale * v.scale), gamma,
                                {.memory = v.t.memory(), .sharded = pc, .compute = compute_configs(c.mode()).norm});
    c.written(out, rows(y));
    return true;
}

bool decode_linear(Ctx& c, TensorRec& x, uint32_t n, const std::vector<TensorRec*>& ws, const float* scales,
                   const std::vector<TensorRec*>& outs) {
    const Value& v = x.value;
    if (v.kind != Value::Kind::Rows || v.dyn || !width_sharded_rect(c.dev(), v.t) || v.t.dtype() != nn::DataType::BFLOAT16 ||
        !positive(v.scale)) {
        return false;
    }
    for (uint32_t i = 0; i < n; ++i) {
        if (!positive(scales[i]) || !is_token_row(*outs[i])) return false;
    }
    const ComputeConfigs cc = compute_configs(c.mode());
    const uint32_t k_shard = shard_tiles(v.t);
    // Per-token absmax int8 quantization, the golden's s = 127 / max(absmax, 1e-5), q = round_half_even(x * s):
    // one reduction and one divide, x / max(absmax, 1e-5) * 127 with the rounding fused (binary_ng
    // activations), written as FLOAT32. The FLOAT32 output is what makes binary_ng run with a 32-bit dest
    // (binary_ng_program_factory.cpp): with bf16 operands and output the dest is 16-bit and the SFPU result
    // is rounded to bf16 before the fused ROUND (ckernel_sfpu_binary.h), and an operand's activations are
    // packed in the operand's own format, so the former multiply by recip(a) * 127 built on the bf16
    // absmax moved 18,577 of 322,048 codes by one, most away from any tie. As a FLOAT32 divide the codes
    // equal the golden's but at 28 of the 508 exact ties (QuantizationCodesTest); the matmul reads the
    // FLOAT32 codes as TF32, exactly. moreh_norm takes and gives BFLOAT16 only, so the absmax cannot be
    // the FLOAT32 operand.
    nn::Tensor absmax = nn::moreh_norm(v.t, INFINITY, -1, true, kL1);
    nn::Tensor codes = nn::divide(v.t, absmax, {.dtype = nn::DataType::FLOAT32, .rhs = {{UnaryKind::RELU_MIN, 1e-5f}},
                                                .post = {{UnaryKind::MUL, 127.0f}, {UnaryKind::ROUND, 0.0f}}});
    const uint32_t in0_block_w = largest_divisor_at_most(k_shard, 8);
    auto matmul = [&](const nn::Tensor& w, uint32_t per_core_n, const nn::ComputeConfig& config) {
        return nn::linear(codes, w,
                          {.memory = kL1WidthSharded, .dtype = nn::DataType::BFLOAT16, .compute = config,
                           .dram_sharded = nn::DramShardedConfig{in0_block_w, 1, per_core_n, std::nullopt}});
    };
    if (n == 3) {
        auto g = std::make_shared<QkvGroup>();
        uint64_t width = 0;
        for (uint32_t i = 0; i < 3; ++i) {
            g->widths[i] = static_cast<uint32_t>(ws[i]->dims[0]);
            g->scales[i] = scales[i] * v.scale;
            width += g->widths[i];
        }
        // The narrowest output shards the grid allows, so that they divide the head dim
        // (nlp_create_qkv_heads_decode with Q and K apart): 2 tiles for 2B-4T's 3840 columns on 64 cores.
        const uint32_t per = (tiles(width) + cores(c.dev()) - 1) / cores(c.dev());
        g->acc = matmul(fused_qkv_weight(c, {ws[0], ws[1], ws[2]}), per, cc.qkv_o_ff2);
        g->absmax = absmax;
        for (uint32_t i = 0; i < 3; ++i) {
            Value m;
            m.kind = Value::Kind::Member;
            m.group = g;
            m.member = i;
            m.scale = g->scales[i];
            c.written(*outs[i], m);
        }
        return true;
    }
    for (uint32_t i = 0; i < n; ++i) {
        const uint64_t width = ws[i]->dims[0];
        const uint32_t cn = rect_cores(c.dev(), tiles(width));
        nn::Tensor acc = matmul(decode_weight(c, *ws[i]), tiles(width) / cn, n == 2 ? cc.ff1_ff3 : cc.qkv_o_ff2);
        Value r = rows(acc, scales[i] * v.scale / 127.0f);
        r.dyn = absmax;
        r.dyn_power = 1;
        c.written(*outs[i], r);
    }
    return true;
}

bool decode_rotary(Ctx& c, TensorRec& x, uint32_t heads, TensorRec& cos, TensorRec& sin, TensorRec* position) {
    if (position == nullptr || heads == 0 || cos.dims.size() != 2) return false;
    const uint32_t d = static_cast<uint32_t>(cos.dims[1]);
    if (x.cols() != static_cast<uint64_t>(heads) * d || !to_heads(c, x, d) || x.value.heads != heads) return false;
    const uint32_t core = x.value.t.memory().shard->grid.linear(grid_x(c.dev())).front();
    nn::Tensor y = nn::rotary_embedding_hf(x.value.t, rope_rows(c, cos, *position, core), rope_rows(c, sin, *position, core),
                                           true, x.value.t.memory(), compute_configs(c.mode()).rope);
    c.written(x, heads_value(y, heads, x.value.scale));
    return true;
}

bool decode_kv_update(Ctx& c, TensorRec& cache, TensorRec& kv, TensorRec* position) {
    if (position == nullptr || cache.dims.size() != 2) return false;
    if (kv.value.kind == Value::Kind::Member) {
        if (cache.kv_heads == 0 || !to_heads(c, kv, static_cast<uint32_t>(kv.cols() / cache.kv_heads))) return false;
    }
    if (kv.value.kind != Value::Kind::Heads || !positive(kv.value.scale)) return false;
    cache_heads(c, cache, kv.value.heads);
    nn::Tensor input = cache_input(cache, kv.value);
    nn::Tensor index = position_i32(c, *position);
    btt_device& dev = c.dev();
    if (dev.pending_update && dev.pending_update->position == position->handle &&
        dev.pending_update->position_version == position->version && dev.pending_update->cache != cache.handle) {
        TensorRec& first = c.tensor(dev.pending_update->cache, "cache");
        nn::Tensor first_input = dev.pending_update->input;
        dev.pending_update.reset();
        nn::paged_fused_update_cache(first.plain, first_input, cache.plain, input, index, compute_configs(c.mode()).sdpa);
    } else {
        flush_pending_update(dev);
        dev.pending_update = PendingUpdate{cache.handle, input, position->handle, position->version};
    }
    Value stored = cache.value;
    c.written(cache, stored);
    return true;
}

bool decode_attention(Ctx& c, TensorRec& q, TensorRec& k, TensorRec& v, TensorRec* position, uint32_t heads,
                      uint32_t kv_heads, TensorRec& out) {
    if (position == nullptr || !is_token_row(out) || k.kv_heads != kv_heads || v.kv_heads != kv_heads || heads > kRows) {
        return false;
    }
    const uint32_t d = static_cast<uint32_t>(q.cols() / heads);
    if (!to_heads(c, q, d) || q.value.heads != heads || !positive(q.value.scale)) return false;
    const float k_scale = k.cache_scale.value_or(1.0f), v_scale = v.cache_scale.value_or(1.0f);
    nn::SdpaDecodeOptions o;
    // K chunks of 128 rows: at short contexts the kernel reads little past the position (the default, the
    // largest power of two dividing S up to 512, reads 512 rows at any position below 512).
    const uint32_t chunk = k.seq_padded % 128 == 0 ? 128 : 32;
    o.program = nn::SdpaProgramConfig{grid_x(c.dev()), cores(c.dev()) / grid_x(c.dev()), 32, chunk, false};
    o.cur_pos_tensor = position_i32(c, *position);
    o.scale = q.value.scale * k_scale / std::sqrt(static_cast<float>(d));
    o.memory = kL1;  // GQA takes no sharded output (sdpa_decode_device_operation.cpp)
    o.compute = compute_configs(c.mode()).sdpa;
    nn::Tensor attn = nn::sdpa_decode(q.value.t, k.plain, v.plain, o);
    nn::Tensor sharded = nn::interleaved_to_sharded(
        attn, nn::MemoryConfig::sharded(nn::MemoryLayout::HEIGHT_SHARDED,
                                        {{1, 1, 0, false}, kRows, d, nn::ShardOrientation::ROW_MAJOR}));
    // The output's heads side by side on a rectangle of `heads` cores, which the sharded norm requires.
    const uint32_t gx = largest_divisor_at_most(heads, grid_x(c.dev()));
    nn::Tensor cat = nn::nlp_concat_heads_decode(sharded, heads, nn::CoreGrid{gx, heads / gx, 0, false});
    c.written(out, rows(cat, v_scale));
    return true;
}

bool decode_relu2_gate(Ctx& c, TensorRec& gate, TensorRec& up, TensorRec& out) {
    const Value& g = gate.value;
    const Value& u = up.value;
    if (g.kind != Value::Kind::Rows || u.kind != Value::Kind::Rows || !g.dyn || !u.dyn || g.dyn_power != 1 ||
        u.dyn_power != 1 || g.dyn->ptr() != u.dyn->ptr() || !(g.t.memory() == u.t.memory()) || !positive(g.scale) ||
        !positive(u.scale)) {
        return false;
    }
    // relu(g s a)² (u t a) = s² t a³ relu(g)² u: the static part as a post-multiply, a³ left for the
    // sub-norm (scale-free but for eps).
    nn::Tensor product = nn::multiply(g.t, u.t,
                                      {.lhs = {{UnaryKind::RELU, 0.0f}, {UnaryKind::SQUARE, 0.0f}},
                                       .post = {{UnaryKind::MUL, g.scale * g.scale * u.scale}}});
    Value r = rows(product);
    r.dyn = g.dyn;
    r.dyn_power = 3;
    c.written(out, r);
    return true;
}

bool decode_add(Ctx& c, TensorRec& a, TensorRec& b, TensorRec& out) {
    const Value& va = a.value;
    const Value& vb = b.value;
    if (&out != &a || va.kind != Value::Kind::Rows || va.dyn || va.scale != 1.0f || vb.kind != Value::Kind::Rows ||
        !(va.t.memory() == vb.t.memory()) || va.t.dtype() != vb.t.dtype() || (vb.dyn && vb.dyn_power != 1)) {
        return false;
    }
    nn::Tensor residual = va.t;
    if (vb.dyn) {
        // The residual add with the matmul's dequantization: x + (absmax * scale) * acc in one ternary op.
        nn::addcmul(residual, vb.t, *vb.dyn, vb.scale, std::nullopt, residual);
    } else {
        nn::add(residual, vb.t, {.output = residual, .rhs = {{UnaryKind::MUL, vb.scale}}});
    }
    c.written(out, rows(residual));
    return true;
}

bool decode_output_projection(Ctx& c, TensorRec& x, TensorRec& table, TensorRec& logits) {
    const Value& v = x.value;
    if (v.kind != Value::Kind::Rows || v.dyn || !width_sharded_rect(c.dev(), v.t) || !is_token_row(logits) ||
        !positive(v.scale) || table.dims.size() != 2 || table.dims[1] % 32 != 0) {
        return false;
    }
    const LmHead& head = lm_head(c, table);
    const uint32_t in0_block_w = largest_divisor_at_most(shard_tiles(v.t), 2);
    std::vector<nn::Tensor> parts;
    bool same = true;
    for (std::size_t i = 0; i < head.chunks.size(); ++i) {
        const uint32_t t = tiles(head.widths[i]);
        const uint32_t per = (t + cores(c.dev()) - 1) / cores(c.dev());
        parts.push_back(nn::linear(v.t, head.chunks[i],
                                   {.memory = kL1WidthSharded, .dtype = nn::DataType::BFLOAT16,
                                    .compute = compute_configs(c.mode()).lm_head,
                                    .dram_sharded = nn::DramShardedConfig{in0_block_w, 1, per, std::nullopt}}));
        same = same && parts.back().memory() == parts.front().memory();
    }
    nn::Tensor all;
    if (parts.size() == 1) {
        all = nn::to_memory_config(parts[0], kL1);
    } else if (same && parts.size() >= 3) {
        nn::MemoryConfig cat = parts[0].memory();
        cat.shard->width *= static_cast<uint32_t>(parts.size());
        all = nn::to_memory_config(nn::concat(parts, -1, cat), kL1);
    } else {
        for (nn::Tensor& p : parts) p = nn::to_memory_config(p, kL1);
        all = nn::concat(parts, -1, kL1);
    }
    c.written(logits, rows(all, v.scale));
    return true;
}

bool decode_argmax(Ctx& c, TensorRec& logits, TensorRec& out) {
    const Value& v = logits.value;
    if (v.kind != Value::Kind::Rows || v.dyn || !positive(v.scale) || v.t.memory().is_sharded() || out.elements() != 1) {
        return false;
    }
    if (!out.ids) {
        // argmax writes every slot: the form needs no upload first.
        c.forbid_in_capture("the ids form of argmax's output");
        out.ids = nn::empty(c.device(), {1, 1, kRows}, nn::DataType::UINT32, nn::Layout::ROW_MAJOR, nn::MemoryConfig::dram());
    }
    // Inside the trace: the next token goes straight into the ids the next step's embedding reads.
    nn::argmax(v.t, -1, false, std::nullopt, *out.ids);
    c.derived_written(out);
    return true;
}

bool decode_topk(Ctx& c, TensorRec& logits, uint32_t k, TensorRec& values, TensorRec& indices) {
    const Value& v = logits.value;
    if (v.kind != Value::Kind::Rows || v.dyn || !positive(v.scale) || v.t.memory().is_sharded() ||
        v.t.dtype() != nn::DataType::BFLOAT16 || v.t.layout() != nn::Layout::TILE) {
        return false;
    }
    // Inside the trace, on the logits as the LM head left them (bf16; a positive scale does not move the order):
    // k rounded up to the tile, which ttnn::topk computes anyway (topk.cpp's adjusted_k) and would otherwise slice
    // back to k with two more programs; the download takes the first k of row 0 instead. Both outputs are
    // untilized into DRAM so that those k values and k indices are one contiguous region each, and only they
    // cross (read_leading): 2k bytes of bf16 values, 2k or 4k of UINT16 or UINT32 indices.
    const uint32_t whole = static_cast<uint32_t>(std::min<uint64_t>(round_up32(k), logits.cols()));
    auto [vals, idx] = nn::topk(v.t, whole, -1, true, true, kL1);
    const nn::MemoryConfig dram = nn::MemoryConfig::dram();
    c.written(values, rows(nn::to_layout(vals, nn::Layout::ROW_MAJOR, dram), v.scale));
    c.written(indices, rows(nn::to_layout(idx, nn::Layout::ROW_MAJOR, dram)));
    return true;
}

}  // namespace bttshim
