// Tests of the host double of TT-NN, built and run by the Maven build (make check).
//
// Part 1 breaks every precondition rule on purpose, each time with arguments that are valid but for
// that one rule, and checks that the error names the op and the rule; a rule the cases do not reach
// fails the run. Part 2 checks the number formats, byte sizes, queue, traces and count-only mode with
// values worked out by hand in the comments (several come from the retired C emulator's self-test).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>
#include <string>

#include "hd_internal.hpp"
#include "hd_numerics.hpp"
#include "hd_rules.hpp"
#include "ttnn_adapter.hpp"

using namespace bttshim::nn;

namespace {

int failures = 0;
std::set<std::string> triggered;

#define CHECK(cond, ...)                                         \
    do {                                                         \
        if (!(cond)) {                                           \
            ++failures;                                          \
            std::fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            std::fprintf(stderr, __VA_ARGS__);                   \
            std::fprintf(stderr, "\n");                          \
        }                                                        \
    } while (0)

/* Runs f, which must break exactly the rule `id`. */
void breaks(const char* id, const std::function<void()>& f) {
    try {
        f();
        CHECK(false, "rule %s: no error", id);
    } catch (const hd::PreconditionError& e) {
        const std::string message = e.what();
        CHECK(std::string(e.rule().id) == id, "expected rule %s, got %s: %s", id, e.rule().id, e.what());
        CHECK(message.find(e.rule().op) == 0 && message.find(id) != std::string::npos,
              "message of %s names neither op nor rule: %s", id, e.what());
        triggered.insert(e.rule().id);
    } catch (const std::exception& e) {
        CHECK(false, "rule %s: another error: %s", id, e.what());
    }
}

Device open(uint32_t cores = 0, uint64_t l1_per_core = 0, bool count_only = false) {
    DeviceOptions o;
    o.cores = cores;
    o.l1_bytes_per_core = l1_per_core;
    o.count_only = count_only;
    return open_device(o);
}

Tensor t(Device& d, Shape s, DataType dt = DataType::FLOAT32, Layout l = Layout::TILE,
         MemoryConfig m = MemoryConfig::dram()) {
    return empty(d, s, dt, l, m);
}

MemoryConfig height_sharded(uint32_t cores, uint32_t h, uint32_t w) {
    return MemoryConfig::sharded(MemoryLayout::HEIGHT_SHARDED, {{cores, 1}, h, w, ShardOrientation::ROW_MAJOR});
}

const ComputeConfig kHifi2{MathFidelity::HiFi2, false, true, false};

void fill(Tensor& x, std::vector<float> v) { write(x, v.data(), v.size()); }

/* ---- part 1: every rule broken on purpose ---- */

void device_rules() {
    Device d = open(2, 8192);
    Tensor a = t(d, {1, 32});
    Tensor gone = t(d, {1, 32});
    deallocate(gone);
    breaks("tensor.allocated", [&] { abs(gone); });
    Device other = open();
    Tensor foreign = t(other, {1, 32});
    breaks("tensor.same_device", [&] { add(a, foreign); });
    breaks("tensor_spec.block_float_tile", [&] { t(d, {1, 32}, DataType::BFLOAT8_B, Layout::ROW_MAJOR); });
    breaks("memory_config.shard_spec", [&] { t(d, {1, 1, 64, 32}, DataType::FLOAT32, Layout::TILE, height_sharded(3, 32, 32)); });
    Tensor ids = t(d, {4}, DataType::UINT32, Layout::ROW_MAJOR);
    uint32_t word = 1;
    breaks("copy_to_device.region", [&] { write_region(ids, &word, 16, 4); });
    uint32_t trace = begin_trace(d);
    breaks("trace.no_write_in_capture", [&] { fill(a, std::vector<float>(32, 1.0f)); });
    breaks("trace.no_read_in_capture", [&] { read_f32(a); });
    breaks("trace.nested", [&] { begin_trace(d); });
    breaks("trace.no_blocking_in_capture", [&] { synchronize(d); });
    end_trace(d, trace);
    breaks("trace.unknown_id", [&] { execute_trace(d, trace + 7, true); });
    release_trace(d, trace);
    close_device(other);
    close_device(d);
}

void eltwise_rules() {
    Device d = open();
    Tensor x = t(d, {2, 64});
    breaks("compute_config.hifi4_fp32_acc", [&] {
        linear(x, t(d, {64, 64}, DataType::BFLOAT16),
               {.compute = ComputeConfig{MathFidelity::HiFi4, false, true, false}});
    });
    Tensor sharded = interleaved_to_sharded(t(d, {1, 1, 32, 64}), height_sharded(1, 32, 64));
    breaks("typecast.memory_layout", [&] { typecast(sharded, DataType::BFLOAT16, MemoryConfig::l1()); });
    breaks("typecast.block_float_tile",
           [&] { typecast(t(d, {2, 64}, DataType::FLOAT32, Layout::ROW_MAJOR), DataType::BFLOAT8_B); });
    breaks("bitcast.same_width", [&] { bitcast(t(d, {2, 64}, DataType::BFLOAT16), DataType::INT32); });
    breaks("binary.layout", [&] { add(x, t(d, {2, 64}, DataType::FLOAT32, Layout::ROW_MAJOR)); });
    breaks("binary.broadcast", [&] { multiply(x, t(d, {3, 64})); });
    breaks("binary.output", [&] { add(x, x, {.output = t(d, {2, 32})}); });
    breaks("reduce.tile", [&] { max(t(d, {2, 64}, DataType::FLOAT32, Layout::ROW_MAJOR), -1, true); });
    breaks("reduce.dtype", [&] { max(t(d, {2, 64}, DataType::BFLOAT4_B), -1, true); });
    close_device(d);
}

void data_rules() {
    Device d = open();
    Tensor x = t(d, {2, 64});
    Tensor rm = t(d, {2, 64}, DataType::FLOAT32, Layout::ROW_MAJOR);
    Tensor out = t(d, {2, 32});
    breaks("copy.shape_layout", [&] { copy(x, out); });
    Tensor rm16 = t(d, {2, 64}, DataType::BFLOAT16, Layout::ROW_MAJOR);
    breaks("copy.dtype_tile", [&] { copy(rm, rm16); });
    breaks("reshape.volume", [&] { reshape(x, {3, 64}); });
    breaks("slice.bounds", [&] { slice(x, {0, 0}, {2, 65}); });
    breaks("concat.match", [&] { concat({x, t(d, {2, 64}, DataType::BFLOAT16)}, 0); });
    breaks("to_layout.block_float_row_major", [&] { to_layout(t(d, {2, 64}, DataType::BFLOAT8_B), Layout::ROW_MAJOR); });
    breaks("interleaved_to_sharded.input", [&] { interleaved_to_sharded(x, MemoryConfig::l1()); });
    breaks("interleaved_to_sharded.row_major_alignment", [&] {
        interleaved_to_sharded(t(d, {1, 1, 32, 3}, DataType::FLOAT32, Layout::ROW_MAJOR), height_sharded(1, 32, 3));
    });
    close_device(d);
}

void matmul_rules() {
    Device d = open();
    Tensor x = t(d, {2, 64});
    Tensor w = t(d, {96, 64}, DataType::BFLOAT8_B);
    breaks("matmul.tile", [&] { linear(t(d, {2, 64}, DataType::FLOAT32, Layout::ROW_MAJOR), w, {.transpose_b = true}); });
    breaks("matmul.inner_dim", [&] { linear(x, t(d, {96, 48}, DataType::BFLOAT8_B), {.transpose_b = true}); });
    breaks("matmul.float_input", [&] { linear(t(d, {2, 64}, DataType::UINT32), w, {.transpose_b = true}); });
    breaks("matmul.bcast_batch", [&] { linear(x, t(d, {2, 96, 64}, DataType::BFLOAT8_B), {.transpose_b = true}); });
    breaks("matmul.output",
           [&] { linear(x, w, {.transpose_b = true, .dtype = DataType::FLOAT32, .output = t(d, {2, 96}, DataType::BFLOAT16)}); });
    close_device(d);
}

void norm_and_embedding_rules() {
    Device d = open();
    Tensor x = t(d, {2, 64});
    breaks("rms_norm.tile_input", [&] { rms_norm(t(d, {2, 64}, DataType::FLOAT32, Layout::ROW_MAJOR), 1e-5f, std::nullopt, {.compute = kHifi2}); });
    breaks("rms_norm.dtype", [&] { rms_norm(t(d, {2, 64}, DataType::BFLOAT4_B), 1e-5f, std::nullopt, {.compute = kHifi2}); });
    breaks("rms_norm.gamma_tile", [&] { rms_norm(x, 1e-5f, t(d, {1, 32}), {.compute = kHifi2}); });
    breaks("rms_norm.gamma_row_major",
           [&] { rms_norm(x, 1e-5f, t(d, {1, 1, 2, 32}, DataType::UINT32, Layout::ROW_MAJOR), {.compute = kHifi2}); });
    Tensor ids = t(d, {1, 32}, DataType::UINT32, Layout::ROW_MAJOR);
    Tensor table = t(d, {50, 64}, DataType::BFLOAT16, Layout::ROW_MAJOR);
    // Blocker 2 of issue 17: the old shim gathered cos/sin rows from a FLOAT32 table.
    breaks("embedding.table_dtype",
           [&] { embedding(ids, t(d, {50, 64}, DataType::FLOAT32, Layout::ROW_MAJOR), {.layout = Layout::TILE}); });
    breaks("embedding.ids_dtype", [&] { embedding(t(d, {1, 32}, DataType::INT32, Layout::ROW_MAJOR), table, {}); });
    breaks("embedding.interleaved", [&] {
        Tensor sharded_ids = empty(d, {1, 32}, DataType::UINT32, Layout::ROW_MAJOR, height_sharded(1, 1, 32));
        embedding(sharded_ids, table, {.layout = Layout::TILE});
    });
    breaks("embedding.typecast_tile_only",
           [&] { embedding(ids, table, {.layout = Layout::ROW_MAJOR, .dtype = DataType::FLOAT32}); });
    close_device(d);
}

void cache_rules() {
    Device d = open();
    Tensor cache = t(d, {1, 2, 64, 32}, DataType::BFLOAT16);
    auto input = [&](DataType dt, MemoryConfig m, Shape s = {1, 1, 2, 32}) {
        return interleaved_to_sharded(t(d, s, dt), m);
    };
    const MemoryConfig good = height_sharded(1, 32, 32);
    breaks("paged_update_cache.tile", [&] {
        paged_update_cache(t(d, {1, 2, 64, 32}, DataType::BFLOAT16, Layout::ROW_MAJOR), input(DataType::FLOAT32, good),
                           {3}, std::nullopt, kHifi2);
    });
    breaks("paged_update_cache.input_dtype",
           [&] { paged_update_cache(cache, input(DataType::BFLOAT8_B, good), {3}, std::nullopt, kHifi2); });
    breaks("paged_update_cache.head_dim", [&] {
        paged_update_cache(cache, input(DataType::FLOAT32, height_sharded(1, 32, 64), {1, 1, 2, 64}), {3},
                           std::nullopt, kHifi2);
    });
    breaks("paged_update_cache.input_sharding",
           [&] { paged_update_cache(cache, t(d, {1, 1, 2, 32}), {3}, std::nullopt, kHifi2); });
    breaks("paged_update_cache.index", [&] {
        Tensor pos = t(d, {1}, DataType::UINT32, Layout::ROW_MAJOR);
        paged_update_cache(cache, input(DataType::FLOAT32, good), {}, pos, kHifi2);
    });
    close_device(d);
}

void sdpa_rules() {
    Device d = open();
    Tensor k = t(d, {1, 2, 64, 32}, DataType::BFLOAT16);
    Tensor v = t(d, {1, 2, 64, 32}, DataType::BFLOAT16);
    Tensor q = t(d, {1, 1, 4, 32}, DataType::BFLOAT16);
    auto run = [&](const Tensor& q_, const Tensor& k_, const Tensor& v_, SdpaDecodeOptions o) {
        if (o.cur_pos.empty() && !o.cur_pos_tensor) o.cur_pos = {5};
        sdpa_decode(q_, k_, v_, o);
    };
    // Blocker 1 of issue 17: the old shim passed Q in L1 interleaved and a FLOAT32 KV cache.
    breaks("sdpa_decode.q_placement",
           [&] { run(t(d, {1, 1, 4, 32}, DataType::BFLOAT16, Layout::TILE, MemoryConfig::l1()), k, v, {}); });
    breaks("sdpa_decode.dtype", [&] { run(q, t(d, {1, 2, 64, 32}), t(d, {1, 2, 64, 32}), {}); });
    breaks("sdpa_decode.kv_tile", [&] {
        run(q, t(d, {1, 2, 64, 32}, DataType::BFLOAT16, Layout::ROW_MAJOR), t(d, {1, 2, 64, 32}, DataType::BFLOAT16, Layout::ROW_MAJOR), {});
    });
    breaks("sdpa_decode.kv_dram", [&] {
        run(q, t(d, {1, 2, 64, 32}, DataType::BFLOAT16, Layout::TILE, MemoryConfig::l1()), v, {});
    });
    breaks("sdpa_decode.output", [&] {
        run(q, k, v, {.memory = MemoryConfig::sharded(MemoryLayout::WIDTH_SHARDED, {{1, 1}, 32, 32, ShardOrientation::ROW_MAJOR})});
    });
    breaks("sdpa_decode.shapes", [&] { run(q, k, t(d, {1, 2, 32, 32}, DataType::BFLOAT16), {}); });
    breaks("sdpa_decode.gqa", [&] { run(t(d, {1, 1, 4, 32}, DataType::BFLOAT8_B), k, v, {}); });
    breaks("sdpa_decode.k_chunk", [&] {
        // S = 48: the largest power of two dividing it is 16, not a multiple of 32.
        run(q, t(d, {1, 2, 48, 32}, DataType::BFLOAT16), t(d, {1, 2, 48, 32}, DataType::BFLOAT16), {});
    });
    breaks("sdpa_decode.cur_pos", [&] { run(q, k, v, {.cur_pos = {64}}); });
    breaks("sdpa_decode.cur_pos", [&] { run(q, k, v, {.cur_pos_tensor = t(d, {1}, DataType::UINT32, Layout::ROW_MAJOR)}); });
    close_device(d);
}

void sampling_rules() {
    Device d = open();
    Tensor logits = t(d, {1, 100});
    breaks("argmax.interleaved", [&] {
        argmax(interleaved_to_sharded(t(d, {1, 1, 32, 128}), height_sharded(1, 32, 128)), -1, false, std::nullopt, std::nullopt);
    });
    breaks("argmax.input", [&] { argmax(t(d, {1, 100}, DataType::BFLOAT8_B), -1, false, std::nullopt, std::nullopt); });
    breaks("argmax.dim", [&] { argmax(logits, 0, false, std::nullopt, std::nullopt); });
    breaks("argmax.output",
           [&] { argmax(logits, -1, false, std::nullopt, t(d, {2}, DataType::UINT32, Layout::ROW_MAJOR)); });
    breaks("topk.input", [&] { topk(logits, 5, -1, true, true, std::nullopt); });
    breaks("topk.k", [&] { topk(t(d, {1, 100}, DataType::BFLOAT16), 0, -1, true, true, std::nullopt); });
    breaks("topk.k", [&] { topk(t(d, {1, 100}, DataType::BFLOAT16), 101, -1, true, true, std::nullopt); });
    breaks("topk.k", [&] { topk(t(d, {1, 1, 32, 128}, DataType::BFLOAT16), 5, 2, true, true, std::nullopt); });
    // k = 4096 of 8192: past the multi-core path's k <= 64, one core would hold 4 x (2048 + 2048) +
    // (4 + 2 x 128) x (2048 + 2048) + 128 x (2048 + 2048) = 1,605,632 B of circular buffers, past 1464 KiB.
    breaks("topk.single_core_l1", [&] { topk(t(d, {1, 8192}, DataType::BFLOAT16), 4096, -1, true, true, std::nullopt); });
    // ... while k = 2048 (1,081,344 B), and any k <= 64 of a power-of-two width (multi-core), are accepted.
    topk(t(d, {1, 8192}, DataType::BFLOAT16), 2048, -1, true, true, std::nullopt);
    topk(t(d, {1, 1, 32, 8192}, DataType::BFLOAT16), 64, -1, true, true, std::nullopt);
    close_device(d);
}

/* The top-k wrapper's programs and results: k rounded up to the tile, -inf padding, slices back to k. */
void topk_wrapper() {
    Device d = open();
    // [1, 100] BFLOAT16: width 100 pads to 128 in the tile (fill_pad, and rows 1..31 are tile padding too),
    // k = 5 runs as 32 and is sliced back (2 slices). Ties: the lower index first.
    Tensor x = t(d, {1, 100}, DataType::BFLOAT16);
    std::vector<float> v(100);
    for (int i = 0; i < 100; ++i) v[i] = static_cast<float>((i * 37) % 23);  // 22 at i = 18, 41, 64, 87; 21 at 13
    fill(x, v);
    synchronize(d);
    const uint64_t before = counters(d).ops;
    auto [values, indices] = topk(x, 5, -1, true, true, MemoryConfig::l1());
    synchronize(d);
    CHECK(counters(d).ops - before == 4, "fill_pad, topk, 2 slices: %llu ops",
          static_cast<unsigned long long>(counters(d).ops - before));
    CHECK(values.shape() == Shape({1, 5}) && indices.shape() == Shape({1, 5}) && indices.dtype() == DataType::UINT16,
          "top-5 shapes %s %s", shape_text(values.shape()).c_str(), shape_text(indices.shape()).c_str());
    const std::vector<float> got = read_f32(values), ids = read_f32(indices);
    const float want_v[] = {22, 22, 22, 22, 21};
    const float want_i[] = {18, 41, 64, 87, 13};
    bool ok = true;
    for (int i = 0; i < 5; ++i) ok = ok && got[i] == want_v[i] && ids[i] == want_i[i];
    CHECK(ok, "top-5 (ties in index order): %g@%g %g@%g %g@%g %g@%g %g@%g", got[0], ids[0], got[1], ids[1], got[2],
          ids[2], got[3], ids[3], got[4], ids[4]);
    // A whole-tile k of a [1, 1, 32, 128256] row: no fill, no slices, one program; UINT32 indices past 65535.
    Tensor wide = t(d, {1, 1, 32, 128256}, DataType::BFLOAT16, Layout::TILE, MemoryConfig::l1());
    const uint64_t mid = counters(d).ops;
    auto [wv, wi] = topk(wide, 64, -1, true, true, MemoryConfig::l1());
    synchronize(d);
    CHECK(counters(d).ops - mid == 1 && wi.dtype() == DataType::UINT32 && wv.shape() == Shape({1, 1, 32, 64}),
          "whole-tile top-k: %llu ops", static_cast<unsigned long long>(counters(d).ops - mid));
    close_device(d);
}


MemoryConfig width_sharded(uint32_t cores, uint32_t per_tiles, uint32_t rows = 32) {
    return MemoryConfig::sharded(MemoryLayout::WIDTH_SHARDED,
                                 {CoreGrid::first(cores, 8), rows, per_tiles * 32, ShardOrientation::ROW_MAJOR});
}

/* A [k, n] weight DRAM width-sharded over the device's 12 banks. */
Tensor dram_weight(Device& d, uint32_t k, uint32_t n, DataType dt = DataType::BFLOAT4_B) {
    const uint32_t per = (n / 32 + 11) / 12;
    return empty(d, {k, n}, dt, Layout::TILE,
                 MemoryConfig{MemoryLayout::WIDTH_SHARDED, BufferType::DRAM,
                              ShardSpec{{(n / 32 + per - 1) / per, 1}, k, per * 32, ShardOrientation::ROW_MAJOR}});
}

const MemoryConfig kL1Width{MemoryLayout::WIDTH_SHARDED, BufferType::L1, std::nullopt};

LinearOptions dram_sharded(uint32_t in0_block_w, uint32_t per_core_n) {
    return {.memory = kL1Width, .dtype = DataType::BFLOAT16, .compute = kHifi2,
            .dram_sharded = DramShardedConfig{in0_block_w, 1, per_core_n, std::nullopt}};
}

void decode_rules() {
    Device d = open();
    // x [1, 1, 32, 256] bf16 on 8 cores of one tile each; w [256, 384] in 12 banks of one tile.
    Tensor x = interleaved_to_sharded(t(d, {1, 1, 32, 256}, DataType::BFLOAT16), width_sharded(8, 1));
    Tensor w = dram_weight(d, 256, 384);
    linear(x, w, dram_sharded(1, 1));  // valid
    breaks("matmul.dram_sharded_in0",
           [&] { linear(t(d, {1, 1, 32, 256}, DataType::BFLOAT16, Layout::TILE, MemoryConfig::l1()), w, dram_sharded(1, 1)); });
    breaks("matmul.dram_sharded_m", [&] {
        linear(interleaved_to_sharded(t(d, {1, 1, 64, 256}, DataType::BFLOAT16), width_sharded(8, 1, 64)), w,
               dram_sharded(1, 1));
    });
    breaks("matmul.dram_sharded_k", [&] { linear(x, w, dram_sharded(3, 1)); });
    breaks("matmul.dram_sharded_in1", [&] { linear(x, t(d, {256, 384}, DataType::BFLOAT4_B), dram_sharded(1, 1)); });
    breaks("matmul.dram_sharded_grid", [&] { linear(x, w, dram_sharded(1, 0)); });
    {
        Device small = open(64, 4096);
        Tensor xs = interleaved_to_sharded(t(small, {1, 1, 32, 256}, DataType::BFLOAT16), width_sharded(8, 1));
        breaks("matmul.dram_sharded_l1", [&] { linear(xs, dram_weight(small, 256, 384), dram_sharded(1, 1)); });
        close_device(small);
    }
    // Sharded RMSNorm with a fused residual.
    Tensor r = interleaved_to_sharded(t(d, {1, 1, 32, 256}, DataType::BFLOAT16), width_sharded(8, 1));
    rms_norm(x, 1e-5f, std::nullopt, {.residual = r, .compute = kHifi2});  // valid
    breaks("rms_norm.residual", [&] { rms_norm(t(d, {2, 64}), 1e-5f, std::nullopt, {.residual = t(d, {2, 32})}); });
    breaks("rms_norm.sharded", [&] { rms_norm(x, 1e-5f, std::nullopt, {.memory = MemoryConfig::l1()}); });
    breaks("rms_norm.rectangular", [&] {
        // 10 cores on an 8-wide grid: a row and two more.
        rms_norm(interleaved_to_sharded(t(d, {1, 1, 32, 320}, DataType::BFLOAT16), width_sharded(10, 1)), 1e-5f,
                 std::nullopt, {});
    });
    breaks("rms_norm.sharded_blocks",
           [&] { rms_norm(x, 1e-5f, std::nullopt, {.sharded = ShardedNormConfig{8, 8, 1, 1, 2}}); });
    // SDPA decode's program config.
    {
        Tensor k = t(d, {1, 2, 64, 32}, DataType::BFLOAT16), v = t(d, {1, 2, 64, 32}, DataType::BFLOAT16);
        breaks("sdpa_decode.program_config", [&] {
            sdpa_decode(t(d, {1, 1, 4, 32}, DataType::BFLOAT16), k, v,
                        {.program = SdpaProgramConfig{8, 8, 32, 48, false}, .cur_pos = {5}});
        });
    }
    // Heads, rotary, the fused cache update, head concatenation.
    Tensor offset = t(d, {1}, DataType::INT32, Layout::ROW_MAJOR);
    const MemoryConfig heads_out =
        MemoryConfig::sharded(MemoryLayout::HEIGHT_SHARDED, {{2, 1}, 32, 32, ShardOrientation::ROW_MAJOR});
    Tensor qkv = interleaved_to_sharded(t(d, {1, 1, 32, 256}, DataType::BFLOAT16), width_sharded(8, 1));
    auto heads = nlp_create_qkv_heads_decode(qkv, 4, 2, false, heads_out, offset, 1u);  // valid
    breaks("create_heads.input", [&] { nlp_create_qkv_heads_decode(qkv, 3, 2, false, heads_out, offset, 1u); });
    breaks("create_heads.input_sharding", [&] {
        nlp_create_qkv_heads_decode(interleaved_to_sharded(t(d, {1, 1, 32, 256}, DataType::BFLOAT16), width_sharded(4, 2)),
                                    4, 2, false, heads_out, offset, 1u);
    });
    breaks("create_heads.slice", [&] { nlp_create_qkv_heads_decode(qkv, 4, 2, false, heads_out, offset, std::nullopt); });
    breaks("create_heads.output", [&] { nlp_create_qkv_heads_decode(qkv, 4, 2, false, width_sharded(2, 1), offset, 1u); });
    const MemoryConfig on_q = MemoryConfig::sharded(MemoryLayout::HEIGHT_SHARDED, {{1, 1}, 32, 32, ShardOrientation::ROW_MAJOR});
    Tensor cos = interleaved_to_sharded(t(d, {1, 1, 32, 32}, DataType::BFLOAT16), on_q);
    Tensor sin = interleaved_to_sharded(t(d, {1, 1, 32, 32}, DataType::BFLOAT16), on_q);
    rotary_embedding_hf(heads[0], cos, sin, true, std::nullopt, kHifi2);  // valid
    breaks("rotary_hf.tile", [&] {
        rotary_embedding_hf(heads[0], t(d, {1, 1, 32, 32}, DataType::BFLOAT16, Layout::ROW_MAJOR), sin, true, std::nullopt,
                            kHifi2);
    });
    breaks("rotary_hf.width", [&] {
        rotary_embedding_hf(t(d, {1, 4, 32, 96}, DataType::BFLOAT16), t(d, {1, 1, 32, 96}, DataType::BFLOAT16),
                            t(d, {1, 1, 32, 96}, DataType::BFLOAT16), false, std::nullopt, kHifi2);
    });
    breaks("rotary_hf.cos", [&] {
        rotary_embedding_hf(heads[0], cos, interleaved_to_sharded(t(d, {1, 1, 32, 32}, DataType::FLOAT32), on_q), true,
                            std::nullopt, kHifi2);
    });
    breaks("rotary_hf.decode",
           [&] { rotary_embedding_hf(t(d, {1, 1, 4, 32}, DataType::BFLOAT16), cos, sin, true, std::nullopt, kHifi2); });
    Tensor kc = t(d, {1, 2, 64, 32}, DataType::BFLOAT8_B), vc = t(d, {1, 2, 64, 32}, DataType::BFLOAT8_B);
    Tensor pos = t(d, {1}, DataType::INT32, Layout::ROW_MAJOR);
    paged_fused_update_cache(kc, heads[1], vc, heads[2], pos, kHifi2);  // valid: K on core 1, V on core 0
    breaks("fused_update.cache", [&] {
        paged_fused_update_cache(t(d, {1, 2, 64, 32}, DataType::BFLOAT16, Layout::ROW_MAJOR), heads[1], vc, heads[2], pos,
                                 kHifi2);
    });
    breaks("fused_update.input", [&] {
        Tensor bf8 = interleaved_to_sharded(t(d, {1, 1, 2, 32}, DataType::BFLOAT8_B),
                                            MemoryConfig::sharded(MemoryLayout::HEIGHT_SHARDED,
                                                                  {{1, 1, 5, true}, 32, 32, ShardOrientation::ROW_MAJOR}));
        paged_fused_update_cache(kc, bf8, vc, heads[2], pos, kHifi2);
    });
    breaks("fused_update.index", [&] {
        paged_fused_update_cache(kc, heads[1], vc, heads[2], t(d, {1}, DataType::UINT32, Layout::ROW_MAJOR), kHifi2);
    });
    breaks("fused_update.grids", [&] { paged_fused_update_cache(kc, heads[2], vc, heads[2], pos, kHifi2); });
    Tensor attn = interleaved_to_sharded(t(d, {1, 1, 4, 32}, DataType::BFLOAT16), on_q);
    nlp_concat_heads_decode(attn, 4, CoreGrid{4, 1});  // valid
    breaks("concat_heads.input", [&] { nlp_concat_heads_decode(attn, 40, CoreGrid{8, 5}); });
    breaks("concat_heads.input_sharding",
           [&] { nlp_concat_heads_decode(t(d, {1, 1, 4, 32}, DataType::BFLOAT16, Layout::TILE, MemoryConfig::l1()), 4, CoreGrid{4, 1}); });
    breaks("concat_heads.sub_core_grids", [&] { nlp_concat_heads_decode(attn, 4, CoreGrid{2, 1}); });
    // addcmul, moreh_norm, plus_one, sharded_to_interleaved.
    Tensor a = t(d, {2, 64}, DataType::BFLOAT16);
    breaks("addcmul.dtype", [&] { addcmul(a, a, t(d, {2, 1}), 1.0f); });
    breaks("addcmul.broadcast", [&] { addcmul(a, a, t(d, {3, 1}, DataType::BFLOAT16), 1.0f); });
    breaks("moreh_norm.input", [&] { moreh_norm(t(d, {2, 64}), INFINITY, -1, true); });
    breaks("moreh_norm.dim", [&] { moreh_norm(a, INFINITY, 4, true); });
    breaks("plus_one.input", [&] { plus_one(t(d, {1}, DataType::FLOAT32, Layout::ROW_MAJOR)); });
    breaks("sharded_to_interleaved.input", [&] { to_memory_config(a, MemoryConfig::l1()); });
    synchronize(d);
    close_device(d);
}

/* ---- part 2: numerics, sizes, queue, traces, count-only ---- */

void decode_numerics() {
    Device d = open();
    // Quantization as one divide into FLOAT32 (a 32-bit dest): x / max(absmax, 1e-5) * 127, rounded half
    // to even. absmax of {1, -2.5, 0.5, 1.5} is 2.5 (moreh_norm p = inf); x * 127 / 2.5 = {50.8, -127, 25.4, 76.2}.
    Tensor x = t(d, {1, 4}, DataType::BFLOAT16);
    fill(x, {1.0f, -2.5f, 0.5f, 1.5f});
    Tensor m = moreh_norm(x, INFINITY, -1, true);
    const BinaryOptions to_codes{.dtype = DataType::FLOAT32, .rhs = {{UnaryKind::RELU_MIN, 1e-5f}},
                              .post = {{UnaryKind::MUL, 127.0f}, {UnaryKind::ROUND, 0.0f}}};
    Tensor q = divide(x, m, to_codes);
    std::vector<float> vm = read_f32(m), vq = read_f32(q);
    CHECK(vm[0] == 2.5f, "absmax %g", vm[0]);
    CHECK(q.dtype() == DataType::FLOAT32, "codes dtype");
    CHECK(vq[0] == 51.0f && vq[1] == -127.0f && vq[2] == 25.0f && vq[3] == 76.0f, "codes %g %g %g %g", vq[0], vq[1],
          vq[2], vq[3]);
    // Ties go to even: 0.5 / 1 * 127 = 63.5 -> 64.
    Tensor y = t(d, {1, 2}, DataType::BFLOAT16);
    fill(y, {0.5f, 1.0f});
    CHECK(read_f32(divide(y, moreh_norm(y, INFINITY, -1, true), to_codes))[0] == 64.0f, "63.5 rounds to 64");
    // A 16-bit dest (bf16 operands and output) rounds the SFPU product to bf16 before the fused ROUND
    // (ckernel_sfpu_binary.h) and each fused activation's result likewise: 0.6875 * 127 = 87.3125 (code 87)
    // is 87.5 in bf16, a tie that goes to 88; with a FLOAT32 output the dest is 32-bit and the code is 87.
    Tensor pr = t(d, {1, 1}, DataType::BFLOAT16);
    fill(pr, {0.6875f});
    const BinaryOptions by127{.dtype = DataType::BFLOAT16, .post = {{UnaryKind::MUL, 127.0f}, {UnaryKind::ROUND, 0.0f}}};
    Tensor one = t(d, {1, 1}, DataType::BFLOAT16);
    fill(one, {1.0f});
    CHECK(read_f32(multiply(pr, one, by127))[0] == 88.0f, "16-bit dest: 87.3 rounded via bf16 87.5 to %g",
          read_f32(multiply(pr, one, by127))[0]);
    BinaryOptions wide = by127;
    wide.dtype = DataType::FLOAT32;
    CHECK(read_f32(multiply(pr, one, wide))[0] == 87.0f, "32-bit dest: 87.3 rounds to 87");
    // A zero row quantizes to zeros through the 1e-5 floor (no 0 / 0).
    Tensor z = t(d, {1, 2}, DataType::BFLOAT16);
    fill(z, {0.0f, 0.0f});
    CHECK(read_f32(divide(z, moreh_norm(z, INFINITY, -1, true), to_codes))[1] == 0.0f, "zero row");
    // relu² fused into the multiply: relu(-2)² * 5 = 0, relu(3)² * 2 = 18, times 0.5.
    Tensor g = t(d, {1, 2}, DataType::BFLOAT16), u = t(d, {1, 2}, DataType::BFLOAT16);
    fill(g, {-2.0f, 3.0f});
    fill(u, {5.0f, 2.0f});
    std::vector<float> gu = read_f32(multiply(g, u, {.lhs = {{UnaryKind::RELU, 0.0f}, {UnaryKind::SQUARE, 0.0f}},
                                                     .post = {{UnaryKind::MUL, 0.5f}}}));
    CHECK(gu[0] == 0.0f && gu[1] == 9.0f, "relu² product %g %g", gu[0], gu[1]);
    // addcmul: 1 + 0.5 * 2 * 3 = 4, c broadcast over columns.
    Tensor a = t(d, {1, 2}, DataType::BFLOAT16), b = t(d, {1, 2}, DataType::BFLOAT16), c = t(d, {1, 1}, DataType::BFLOAT16);
    fill(a, {1.0f, 1.0f});
    fill(b, {2.0f, -2.0f});
    fill(c, {3.0f});
    std::vector<float> ac = read_f32(addcmul(a, b, c, 0.5f));
    CHECK(ac[0] == 4.0f && ac[1] == -2.0f, "addcmul %g %g", ac[0], ac[1]);
    // plus_one on INT32 and UINT32.
    Tensor p = t(d, {1}, DataType::INT32, Layout::ROW_MAJOR);
    int32_t five = 5;
    write(p, &five, 1);
    plus_one(p);
    plus_one(p);
    CHECK(read_f32(p)[0] == 7.0f, "plus_one twice: %g", read_f32(p)[0]);
    // DRAM-sharded matmul: int8 codes x ternary weights, exact at HiFi2 with FP32 accumulation.
    std::vector<float> codes(256), wv(256 * 384, 0.0f);
    for (uint32_t i = 0; i < 256; ++i) codes[i] = static_cast<float>(static_cast<int>(i % 255) - 127);
    for (uint32_t k = 0; k < 256; ++k) wv[k * 384 + 7] = (k % 3 == 0) ? 1.0f : (k % 3 == 1 ? -1.0f : 0.0f);
    Tensor xin = t(d, {1, 1, 32, 256}, DataType::BFLOAT16);
    std::vector<float> rows(32 * 256, 0.0f);
    std::copy(codes.begin(), codes.end(), rows.begin());
    fill(xin, rows);
    Tensor w = dram_weight(d, 256, 384);
    fill(w, wv);
    Tensor acc = linear(interleaved_to_sharded(xin, width_sharded(8, 1)), w,
                        {.memory = kL1Width, .dtype = DataType::FLOAT32, .compute = kHifi2,
                         .dram_sharded = DramShardedConfig{1, 1, 1, std::nullopt}});
    float expect = 0.0f;
    for (uint32_t k = 0; k < 256; ++k) expect += codes[k] * wv[k * 384 + 7];
    CHECK(read_f32(acc)[7] == expect, "ternary matmul %g, expected %g", read_f32(acc)[7], expect);
    // Heads: qkv row 0 = 0..255 -> q head h = values 32h..32h+31; k heads after 4 Q heads; v after K.
    Tensor qkv = t(d, {1, 1, 32, 256}, DataType::BFLOAT16);
    std::vector<float> ramp(32 * 256, 0.0f);
    for (uint32_t i = 0; i < 256; ++i) ramp[i] = static_cast<float>(i);
    fill(qkv, ramp);
    Tensor offset = t(d, {1}, DataType::INT32, Layout::ROW_MAJOR);
    int32_t zero = 0;
    write(offset, &zero, 1);
    auto heads = nlp_create_qkv_heads_decode(
        interleaved_to_sharded(qkv, width_sharded(8, 1)), 4, 2, false,
        MemoryConfig::sharded(MemoryLayout::HEIGHT_SHARDED, {{2, 1}, 32, 32, ShardOrientation::ROW_MAJOR}), offset, 1u);
    std::vector<float> hq = read_f32(heads[0]), hk = read_f32(heads[1]), hv = read_f32(heads[2]);
    CHECK(hq[33] == 33.0f && hk[0] == 128.0f && hv[63] == 255.0f, "heads %g %g %g", hq[33], hk[0], hv[63]);
    CHECK(heads[1].memory().shard->grid.offset == 1 && heads[2].memory().shard->grid.cores() == 1, "K after Q's core");
    // rotary_embedding_hf, decode: x = e_0 of each head, cos 0.5, sin 0.25 -> y_0 = 0.5, y_16 = x_0 * 0.25.
    std::vector<float> e0(4 * 32, 0.0f);
    for (uint32_t h = 0; h < 4; ++h) e0[h * 32] = 1.0f;
    Tensor xh = t(d, {1, 1, 4, 32}, DataType::BFLOAT16);
    fill(xh, e0);
    const MemoryConfig core0 = MemoryConfig::sharded(MemoryLayout::HEIGHT_SHARDED, {{1, 1}, 32, 32, ShardOrientation::ROW_MAJOR});
    Tensor cs = t(d, {1, 1, 32, 32}, DataType::BFLOAT16), sn = t(d, {1, 1, 32, 32}, DataType::BFLOAT16);
    fill(cs, std::vector<float>(32 * 32, 0.5f));
    fill(sn, std::vector<float>(32 * 32, 0.25f));
    std::vector<float> ry = read_f32(rotary_embedding_hf(interleaved_to_sharded(xh, core0), interleaved_to_sharded(cs, core0),
                                                         interleaved_to_sharded(sn, core0), true, std::nullopt, kHifi2));
    CHECK(ry[3 * 32] == 0.5f && ry[3 * 32 + 16] == 0.25f && ry[3 * 32 + 1] == 0.0f, "rotary %g %g", ry[3 * 32],
          ry[3 * 32 + 16]);
    // The fused cache update writes K's heads and V's heads at the index, rounded to bfloat8_b: V head 0
    // holds 192..223; its first 16 values share the exponent of 207 (a step of 2), so 197 -> 196 (even).
    Tensor kc = t(d, {1, 2, 64, 32}, DataType::BFLOAT8_B), vc = t(d, {1, 2, 64, 32}, DataType::BFLOAT8_B);
    Tensor pos = t(d, {1}, DataType::INT32, Layout::ROW_MAJOR);
    int32_t seven = 7;
    write(pos, &seven, 1);
    paged_fused_update_cache(kc, heads[1], vc, heads[2], pos, kHifi2);
    std::vector<float> kv = read_f32(kc), vv = read_f32(vc);
    CHECK(kv[(1 * 64 + 7) * 32 + 0] == 160.0f && vv[(0 * 64 + 7) * 32 + 5] == 196.0f, "cache rows %g %g",
          kv[(1 * 64 + 7) * 32], vv[(7) * 32 + 5]);
    // Concat heads: [1, 1, 4, 32] -> row 0 of [1, 1, 32, 128], heads side by side, padding rows zero.
    std::vector<float> cat = read_f32(nlp_concat_heads_decode(interleaved_to_sharded(xh, core0), 4, CoreGrid{4, 1}));
    CHECK(cat.size() == 32 * 128 && cat[64] == 1.0f && cat[65] == 0.0f && cat[128] == 0.0f, "concat heads");
    close_device(d);
}


std::vector<float> roundtrip(Device& d, DataType dt, const std::vector<float>& v) {
    Tensor x = t(d, {1, static_cast<uint32_t>(v.size())}, dt, dt == DataType::BFLOAT16 ? Layout::ROW_MAJOR : Layout::TILE);
    fill(x, v);
    return read_f32(x);
}

void number_formats() {
    Device d = open();
    // bf16 keeps 7 fraction bits, a step of 2^-7 near 1: 1 + 2^-8 is halfway between 1 and 1 + 2^-7 (odd
    // last bit), ties to even, 1; 1 + 3*2^-8 goes to 1 + 2^-6; 1 + 2^-8 + 2^-20 is above halfway.
    std::vector<float> got = roundtrip(d, DataType::BFLOAT16, {1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f, 1.0f + 0x1p-8f + 0x1p-20f});
    CHECK(got[0] == 1.0f && got[1] == 1.015625f && got[2] == 1.0078125f, "bf16 ties: %g %g %g", got[0], got[1], got[2]);
    // One 16-value group plus 4 values of the next. Group 1: largest magnitude exponent 1; bfp8 keeps 7
    // bits with the leading one, a step of 2^(1-6) = 1/32, |m| <= 127: 0.3 -> 9.6 -> 10 -> 0.3125;
    // 3.99 -> 127.68 -> 128, saturated to 127 -> 3.96875; 0.078125 -> 2.5 -> tie to even 2 -> 0.0625.
    // Group 2: largest 0.02, exponent -6, step 2^-12: 0.01 -> 40.96 -> 41 -> 0.010009765625.
    const std::vector<float> block = {1.0f, -1.0f, 0.0f, 0.5f, 3.0f, 0.3f, -2.5f, 0.01f, 1.0f / 3, 2.75f, -0.125f, 3.99f,
                                      0.078125f, 0.046875f, -3.0f, 0.2f, 0.01f, 0.02f, 0.0f, -0.005f};
    const std::vector<float> bfp8 = {1, -1, 0, 0.5f, 3, 0.3125f, -2.5f, 0, 0.34375f, 2.75f, -0.125f, 3.96875f, 0.0625f,
                                     0.0625f, -3, 0.1875f, 0.010009765625f, 0.02001953125f, 0, -0.0048828125f};
    // bfp4: 3 bits, step 0.5, |m| <= 7: 2.75 -> 5.5 -> tie, even 6 -> 3; 3.99 -> 7.98 -> 8, saturated to 7.
    const std::vector<float> bfp4 = {1, -1, 0, 0.5f, 3, 0.5f, -2.5f, 0, 0.5f, 3, 0, 3.5f, 0, 0, -3, 0,
                                     0.01171875f, 0.01953125f, 0, -0.00390625f};
    CHECK(roundtrip(d, DataType::BFLOAT8_B, block) == bfp8, "bfloat8_b shared exponents");
    CHECK(roundtrip(d, DataType::BFLOAT4_B, block) == bfp4, "bfloat4_b shared exponents");
    // TF32 keeps 10 fraction bits: 1 + 2^-11 ties to 1, 1 + 3*2^-11 goes to 1 + 2^-9.
    CHECK(hd::round_tf32(1.0f + 0x1p-11f) == 1.0f && hd::round_tf32(1.0f + 3 * 0x1p-11f) == 1.0f + 0x1p-9f, "tf32");
    // Fidelity: a = 1 + 2^-4 + 2^-8 (SrcA: hi = 1 + 2^-4, the leading one and 4 fraction bits; lo = 2^-8,
    // the next 4); b = 1 + 2^-7 (SrcB: hi = 1, the leading one and 6 fraction bits; lo = 2^-7, the next 6).
    // LoFi: hi*hi = 1 + 2^-4; HiFi2 adds lo_a*hi_b = 2^-8; HiFi3 adds hi_a*lo_b = (1 + 2^-4) 2^-7; HiFi4
    // adds lo_a*lo_b = 2^-15 and is the exact product.
    const float a = 1.0f + 0x1p-4f + 0x1p-8f, b = 1.0f + 0x1p-7f;
    CHECK(hd::fidelity_product(a, b, MathFidelity::LoFi) == 1.0 + 0x1p-4, "LoFi");
    CHECK(hd::fidelity_product(a, b, MathFidelity::HiFi2) == 1.0 + 0x1p-4 + 0x1p-8, "HiFi2");
    CHECK(hd::fidelity_product(a, b, MathFidelity::HiFi3) == 1.0 + 0x1p-4 + 0x1p-8 + (1.0 + 0x1p-4) * 0x1p-7, "HiFi3");
    CHECK(hd::fidelity_product(a, b, MathFidelity::HiFi4) == static_cast<double>(a) * b, "HiFi4");
    close_device(d);
}

void sizes_and_budgets() {
    Device d = open(1, 4096);
    // bf16 [1, 2560] TILE pads to [32, 2560]: 80 tiles x 2048 B; bfp4 [40, 40] -> 4 x 576; bfp8 [1, 16] -> 1088;
    // ROW_MAJOR bf16 [3, 5] = 30 B; uint32 [1] = 4 B.
    Tensor a = t(d, {1, 2560}, DataType::BFLOAT16);
    Tensor b = t(d, {40, 40}, DataType::BFLOAT4_B);
    Tensor c = t(d, {1, 16}, DataType::BFLOAT8_B);
    Tensor e = t(d, {3, 5}, DataType::BFLOAT16, Layout::ROW_MAJOR);
    Tensor f = t(d, {1}, DataType::UINT32, Layout::ROW_MAJOR);
    CHECK(counters(d).dram_bytes_in_use == 163840 + 2304 + 1088 + 30 + 4, "sizes: %llu",
          static_cast<unsigned long long>(counters(d).dram_bytes_in_use));
    // L1 is 1 core x 4096 B: one bf16 [32, 64] (2 tiles) fits, a third tile does not.
    Tensor l1 = t(d, {32, 64}, DataType::BFLOAT16, Layout::TILE, MemoryConfig::l1());
    bool oom = false;
    try {
        t(d, {1, 1}, DataType::BFLOAT16, Layout::TILE, MemoryConfig::l1());
    } catch (const std::runtime_error& err) {
        oom = std::string(err.what()).find("Out of Memory") == 0;
    }
    CHECK(oom, "L1 exhaustion is an allocator error");
    deallocate(l1);
    t(d, {1, 1}, DataType::BFLOAT16, Layout::TILE, MemoryConfig::l1());  // fits again
    close_device(d);
}

void queue_traces_and_counts() {
    Device d = open();
    Tensor x = t(d, {1, 32});
    fill(x, std::vector<float>(32, 1.0f));
    Tensor y = add(x, x);
    CHECK(counters(d).ops == 0, "an op waits in the queue until a barrier");
    synchronize(d);
    CHECK(counters(d).ops == 1 && read_f32(y)[0] == 2.0f, "add ran at the barrier");
    reset_counters(d);
    // A trace records without running; each replay runs every recorded program and allocates nothing.
    Tensor pos = t(d, {1}, DataType::INT32, Layout::ROW_MAJOR);
    Tensor cache = t(d, {1, 1, 64, 32});
    Tensor row = interleaved_to_sharded(t(d, {1, 1, 1, 32}), height_sharded(1, 32, 32));
    int32_t p = 3;
    write(pos, &p, 1);
    synchronize(d);
    const uint64_t allocated = counters(d).allocations, ops = counters(d).ops;
    uint32_t id = begin_trace(d);
    add(x, x, {.output = y});
    paged_update_cache(cache, row, {}, pos, kHifi2);
    end_trace(d, id);
    CHECK(counters(d).ops == ops, "capture runs nothing");
    execute_trace(d, id, true);
    p = 9;
    write(pos, &p, 1);
    execute_trace(d, id, true);
    CHECK(counters(d).ops == ops + 4 && counters(d).allocations == allocated, "2 programs x 2 replays, no allocation");
    auto stats = op_stats(d);
    bool seen = false;
    for (auto& [key, n] : stats) seen = seen || (key == "op:ttnn::experimental::paged_update_cache" && n == 2);
    CHECK(seen, "op stats count replayed ops by name");
    // A failure found while running (an index past the cache) comes back at the next barrier, once.
    p = 64;
    write(pos, &p, 1);
    execute_trace(d, id, false);
    bool reported = false;
    try {
        synchronize(d);
    } catch (const std::runtime_error& err) {
        reported = std::string(err.what()).find("outside the cache's 64 rows") != std::string::npos;
    }
    CHECK(reported, "execution failure at the barrier");
    synchronize(d);
    release_trace(d, id);
    close_device(d);
}

void count_only() {
    Device d = open(0, 0, true);
    // The 2B-4T FFN gate weight: bfp4 [6912, 2560] = 216 x 80 tiles x 576 B, never stored.
    Tensor w = t(d, {6912, 2560}, DataType::BFLOAT4_B);
    Tensor x = t(d, {1, 2560}, DataType::BFLOAT16);
    Tensor y = linear(x, w, {.transpose_b = true, .dtype = DataType::BFLOAT16, .compute = kHifi2});
    synchronize(d);
    CHECK(counters(d).dram_bytes_read == 163840 + 9953280 && counters(d).dram_bytes_written == 216 * 2048,
          "count-only traffic: %llu read", static_cast<unsigned long long>(counters(d).dram_bytes_read));
    CHECK(read_f32(y)[5] == 0.0f, "count-only reads zeros");
    close_device(d);
}

}  // namespace

int main() {
    device_rules();
    eltwise_rules();
    data_rules();
    matmul_rules();
    norm_and_embedding_rules();
    cache_rules();
    sdpa_rules();
    sampling_rules();
    decode_rules();
    topk_wrapper();
    for (const hd::Rule* rule : hd::all_rules()) {
        CHECK(triggered.count(rule->id) == 1, "rule %s (%s) has no case that breaks it", rule->id, rule->op);
    }
    number_formats();
    decode_numerics();
    sizes_and_budgets();
    queue_traces_and_counts();
    count_only();
    if (failures != 0) {
        std::fprintf(stderr, "preconditions_test: %d check(s) failed\n", failures);
        return 1;
    }
    std::printf("preconditions_test: %zu rules broken on purpose, each named; numerics, queue and traces pass\n",
                hd::all_rules().size());
    return 0;
}
