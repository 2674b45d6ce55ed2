// ttnn::linear on the host double: the matrix engine's operand precision, fidelity and accumulation.
#include <algorithm>

#include "hd_ops.hpp"

namespace bttshim::nn {

using namespace hd;

namespace {

HD_RULE(kMatmulTile, "ttnn::linear", "matmul.tile", "inputs to matmul must be tilized",
        "ttnn/cpp/ttnn/operations/matmul/device/matmul_device_operation.cpp");
HD_RULE(kMatmulInner, "ttnn::linear", "matmul.inner_dim",
        "the width of the first tensor must equal the height of the second (logically and in tiles)",
        "ttnn/cpp/ttnn/operations/matmul/device/matmul_device_operation.cpp (validate_matmul_matrix_dimensions)");
HD_RULE(kMatmulFloat, "ttnn::linear", "matmul.float_input", "the first input must have a floating-point dtype",
        "ttnn/cpp/ttnn/operations/matmul/device/matmul_device_operation.cpp (\"Unsupported data format\")");
HD_RULE(kMatmulBatch, "ttnn::linear", "matmul.bcast_batch",
        "with a batched first input the second input must have batch size 1 (BCMK * 11KN)",
        "ttnn/cpp/ttnn/operations/matmul/device/matmul_device_operation.cpp");
HD_RULE(kMatmulOutput, "ttnn::linear", "matmul.output",
        "a given output tensor must have the result's shape, the output dtype and the output memory config",
        "ttnn/cpp/ttnn/operations/matmul/device/matmul_device_operation.cpp");

const char* const kDramShardedFactory =
    "ttnn/cpp/ttnn/operations/matmul/device/factory/matmul_multicore_reuse_mcast_dram_sharded_program_factory.cpp";
const char* const kMatmulOp = "ttnn/cpp/ttnn/operations/matmul/device/matmul_device_operation.cpp";

HD_RULE(kDsIn0, "ttnn::linear", "matmul.dram_sharded_in0",
        "the DRAM-sharded program config needs input A WIDTH_SHARDED with ROW_MAJOR orientation and a sharded output "
        "of A's buffer type and memory layout",
        kMatmulOp);
HD_RULE(kDsM, "ttnn::linear", "matmul.dram_sharded_m",
        "the DRAM-sharded program config takes one tile row of A: M == per_core_M == 1 == A's shard height / 32",
        kMatmulOp);
HD_RULE(kDsK, "ttnn::linear", "matmul.dram_sharded_k",
        "K and A's shard width (in tiles) must be divisible by in0_block_w, and K by the shard width (even sharding)",
        kMatmulOp);
HD_RULE(kDsIn1, "ttnn::linear", "matmul.dram_sharded_in1",
        "the DRAM-sharded program config needs input B WIDTH_SHARDED in DRAM (one shard per DRAM bank)", kMatmulOp);
HD_RULE(kDsGrid, "ttnn::linear", "matmul.dram_sharded_grid",
        "the output's ceil(N / per_core_N) cores must fit the compute grid (num_cores_to_corerangeset)", kMatmulOp);
HD_RULE(kDsL1, "ttnn::linear", "matmul.dram_sharded_l1",
        "the op's circular buffers per core (in0 2 x in0_block_w tiles, in1 3 x in0_block_w x N-per-bank weight "
        "tiles, in2 the A shard, output and reshard per_core_N tiles) must fit the core's free L1",
        kDramShardedFactory);

/* One operand as the matrix engine splits it: the significand parts its phases multiply. */
struct Split {
    std::vector<float> hi, lo;
};

Split split(const std::vector<float>& v, DataType dtype, int hi_bits, int all_bits) {
    Split s;
    s.hi.resize(v.size());
    s.lo.resize(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        const float x = to_source_register(dtype, v[i]);
        // fidelity_product(x, 1) isolates the parts; keep them so the inner loop only multiplies.
        const uint32_t u = float_bits(x);
        const bool special = (u & 0x7F800000u) == 0 || (u & 0x7F800000u) == 0x7F800000u;
        const float hi = special ? ((u & 0x7F800000u) == 0 ? 0.0f : x) : bits_float(u & ~((1u << (24 - hi_bits)) - 1u));
        const float all = special ? ((u & 0x7F800000u) == 0 ? 0.0f : x) : bits_float(u & ~((1u << (24 - all_bits)) - 1u));
        s.hi[i] = hi;
        s.lo[i] = all - hi;
    }
    return s;
}

}  // namespace

namespace {

/* Rules and output placement of the DRAM-sharded decode config (matmul_device_operation.cpp validate and
 * compute_output_specs; CB sizes from the program factory). Returns the output memory config. */
MemoryConfig dram_sharded_output(DeviceImpl& dev, const TensorImpl& a, const TensorImpl& b, const Shape& out_shape,
                                 DataType out_dtype, const DramShardedConfig& pc, const ComputeConfig& config,
                                 const std::optional<MemoryConfig>& requested) {
    const MemoryConfig req = requested.value_or(MemoryConfig::dram());
    check(a.memory.layout == MemoryLayout::WIDTH_SHARDED && a.memory.shard &&
              a.memory.shard->orientation == ShardOrientation::ROW_MAJOR && req.is_sharded() &&
              req.buffer == a.memory.buffer && req.layout == a.memory.layout,
          kDsIn0, "A " + a.memory.text() + ", output " + req.text());
    const Shape ap = a.padded();
    const uint32_t mt = static_cast<uint32_t>(volume(ap) / ap.back() / kTile);
    check(mt == 1 && pc.per_core_M == 1 && a.memory.shard->height / kTile == 1, kDsM,
          "M = " + std::to_string(mt) + " tiles, per_core_M = " + std::to_string(pc.per_core_M) + ", shard height " +
              std::to_string(a.memory.shard->height));
    const uint32_t kt = ap.back() / kTile, shard_kt = a.memory.shard->width / kTile;
    check(pc.in0_block_w > 0 && kt % pc.in0_block_w == 0 && shard_kt % pc.in0_block_w == 0 && shard_kt > 0 &&
              kt % shard_kt == 0,
          kDsK, "K = " + std::to_string(kt) + " tiles, A shard " + std::to_string(shard_kt) + " tiles, in0_block_w " +
                    std::to_string(pc.in0_block_w));
    check(b.memory.layout == MemoryLayout::WIDTH_SHARDED && b.memory.buffer == BufferType::DRAM && b.memory.shard, kDsIn1,
          "B is " + b.memory.text());
    const uint32_t nt = (out_shape.back() + kTile - 1) / kTile;
    const uint32_t cores = pc.per_core_N == 0 ? 0 : (nt + pc.per_core_N - 1) / pc.per_core_N;
    check(cores >= 1 && cores <= dev.options.cores, kDsGrid,
          std::to_string(nt) + " output tiles at per_core_N " + std::to_string(pc.per_core_N) + " need " +
              std::to_string(cores) + " cores of " + std::to_string(dev.options.cores));
    // Circular buffers of one core (the program factory's sizes; triple-buffered weights).
    const uint64_t in0_tile = tensor_bytes({kTile, kTile}, a.dtype, Layout::TILE);
    const uint64_t in1_tile = tensor_bytes({kTile, kTile}, b.dtype, Layout::TILE);
    const uint64_t out_tile = tensor_bytes({kTile, kTile}, out_dtype, Layout::TILE);
    const uint64_t interm_tile = config.fp32_dest_acc ? 4096 : out_tile;
    const uint64_t n_per_bank = b.memory.shard->width / kTile;
    const uint64_t blocks = kt / pc.in0_block_w;
    const uint64_t cb = pc.in0_block_w * (blocks > 1 ? 2 : 1) * in0_tile +
                        n_per_bank * pc.in0_block_w * (blocks > 1 ? 3 : 1) * in1_tile + shard_kt * in0_tile +
                        n_per_bank * (out_tile + interm_tile) + pc.per_core_N * out_tile;
    const uint64_t free = dev.options.l1_bytes_per_core - std::min(dev.options.l1_bytes_per_core, dev.l1_used / dev.options.cores);
    check(cb <= free, kDsL1, std::to_string(cb) + " B of circular buffers per core, " + std::to_string(free) + " B free (" +
                               std::to_string(n_per_bank) + " weight tiles per bank, in0_block_w " +
                               std::to_string(pc.in0_block_w) + ")");
    return MemoryConfig::sharded(MemoryLayout::WIDTH_SHARDED,
                                 {CoreGrid::first(cores, dev.grid_x()), kTile, pc.per_core_N * kTile, ShardOrientation::ROW_MAJOR});
}

}  // namespace

Tensor linear(const Tensor& a, const Tensor& b, const LinearOptions& o) {
    const char* op = "ttnn::linear";
    require_device_tensor(op, a, "input_tensor_a");
    require_device_tensor(op, b, "input_tensor_b");
    require_same_device(op, a, b);
    check_compute(op, o.compute);
    TensorImpl& ia = a.impl();
    TensorImpl& ib = b.impl();
    check(ia.layout == Layout::TILE && ib.layout == Layout::TILE, kMatmulTile,
          std::string("a is ") + name(ia.layout) + ", b is " + name(ib.layout));
    check(is_float(ia.dtype), kMatmulFloat, std::string("a is ") + name(ia.dtype));
    check(ib.shape.size() == 2 || volume(ib.shape) / (ib.shape[ib.shape.size() - 1] * ib.shape[ib.shape.size() - 2]) == 1,
          kMatmulBatch, "b is " + shape_text(ib.shape));
    const uint32_t k = ia.shape.back();
    const uint32_t kb = o.transpose_b ? ib.shape.back() : ib.shape[ib.shape.size() - 2];
    const uint32_t n = o.transpose_b ? ib.shape[ib.shape.size() - 2] : ib.shape.back();
    check(k == kb, kMatmulInner, "a " + shape_text(ia.shape) + ", b " + shape_text(ib.shape) +
                                     (o.transpose_b ? " transposed" : ""));
    Shape shape = ia.shape;
    if (shape.size() == 1) shape.insert(shape.begin(), 1);
    shape.back() = n;
    const DataType dtype = o.dtype.value_or(ia.dtype);
    // Without a config TT-NN picks HiFi2 (HiFi3 and FP32 accumulation for FP32 inputs on Wormhole).
    const bool fp32_inputs = ia.dtype == DataType::FLOAT32 && ib.dtype == DataType::FLOAT32;
    const ComputeConfig config = o.compute.value_or(
        ComputeConfig{fp32_inputs ? MathFidelity::HiFi3 : MathFidelity::HiFi2, false, fp32_inputs, false});
    DeviceImpl& device = ia.device();
    MemoryConfig memory = o.memory.value_or(MemoryConfig::dram());
    std::string program = "default";
    std::optional<UnaryOp> activation;
    if (o.dram_sharded) {
        memory = dram_sharded_output(device, ia, ib, shape, dtype, *o.dram_sharded, config, o.memory);
        program = "DRAMSharded in0_block_w=" + std::to_string(o.dram_sharded->in0_block_w) +
                  " per_core_N=" + std::to_string(o.dram_sharded->per_core_N);
        activation = o.dram_sharded->fused_activation;
        if (activation) program += " fused " + unary_text({*activation});
        if (o.transpose_b) {
            // matmul.cpp: only the multicast-reuse configs transpose inside the kernel; this one gets the
            // whole weight transposed by ttnn::transpose on every call (spec §3).
            BufferRef w = buf(b);
            launch(device, "ttnn::transpose", "", false, [w](DeviceImpl& dev) {
                read_all(dev, *w);
                write_all(dev, *w);
            });
        }
    }
    Tensor out;
    if (o.output) {
        require_device_tensor(op, *o.output, "optional_output_tensor");
        check(o.output->shape() == shape && o.output->dtype() == dtype && o.output->memory() == memory, kMatmulOutput,
              std::string("output ") + name(o.output->dtype()) + " " + shape_text(o.output->shape()) + " " +
                  o.output->memory().text() + " for " + name(dtype) + " " + shape_text(shape) + " " + memory.text());
        out = *o.output;
    } else {
        out = allocate(device, shape, dtype, Layout::TILE, memory);
    }
    BufferRef src_a = buf(a), src_b = buf(b), dst = buf(out);
    const DataType da = ia.dtype, db = ib.dtype;
    const bool transpose_b = o.transpose_b;
    const uint64_t rows = volume(shape) / n;
    launch(device, op, config.text(), false, [=](DeviceImpl& dev) {
        read_all(dev, *src_a);
        read_all(dev, *src_b);
        write_all(dev, *dst);
        if (!has_data({src_a.get(), src_b.get(), dst.get()})) return;
        // in0 (activations) feeds SrcB, in1 (weights) SrcA (hw/inc/api/compute/matmul.h).
        const Split in0 = split(floats(*src_a, da), da, 7, 13);
        const Split in1 = split(floats(*src_b, db), db, 5, 9);
        const MathFidelity fid = config.fidelity;
        std::vector<float> r(rows * n);
        for (uint64_t m = 0; m < rows; ++m) {
            for (uint64_t j = 0; j < n; ++j) {
                float acc = 0.0f;
                for (uint64_t kk = 0; kk < k; ++kk) {
                    const uint64_t ia0 = m * k + kk;
                    const uint64_t ib1 = transpose_b ? j * k + kk : kk * n + j;
                    const double ahi = in1.hi[ib1], alo = in1.lo[ib1], bhi = in0.hi[ia0], blo = in0.lo[ia0];
                    double p = ahi * bhi;
                    if (fid != MathFidelity::LoFi) p += alo * bhi;
                    if (fid == MathFidelity::HiFi3 || fid == MathFidelity::HiFi4) p += ahi * blo;
                    if (fid == MathFidelity::HiFi4) p += alo * blo;
                    acc = static_cast<float>(static_cast<double>(acc) + p);
                    // Without FP32 accumulation dest holds bf16 between tiles of K.
                    if (!config.fp32_dest_acc && (kk + 1) % kTile == 0) acc = round_bf16(acc);
                }
                acc = config.fp32_dest_acc ? acc : round_bf16(acc);
                r[m * n + j] = activation ? apply_unary(*activation, acc) : acc;
            }
        }
        store(*dst, dtype, std::move(r), n);
    }, program);
    return out;
}

}  // namespace bttshim::nn
