// ttnn::linear on the host double: the matrix engine's operand precision, fidelity and accumulation.
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
    const MemoryConfig memory = o.memory.value_or(MemoryConfig::dram());
    // Without a config TT-NN picks HiFi2 (HiFi3 and FP32 accumulation for FP32 inputs on Wormhole).
    const bool fp32_inputs = ia.dtype == DataType::FLOAT32 && ib.dtype == DataType::FLOAT32;
    const ComputeConfig config = o.compute.value_or(
        ComputeConfig{fp32_inputs ? MathFidelity::HiFi3 : MathFidelity::HiFi2, false, fp32_inputs, false});
    Tensor out;
    if (o.output) {
        require_device_tensor(op, *o.output, "optional_output_tensor");
        check(o.output->shape() == shape && o.output->dtype() == dtype && o.output->memory() == memory, kMatmulOutput,
              std::string("output ") + name(o.output->dtype()) + " " + shape_text(o.output->shape()) + " " +
                  o.output->memory().text() + " for " + name(dtype) + " " + shape_text(shape) + " " + memory.text());
        out = *o.output;
    } else {
        out = allocate(ia.device(), shape, dtype, Layout::TILE, memory);
    }
    BufferRef src_a = buf(a), src_b = buf(b), dst = buf(out);
    const DataType da = ia.dtype, db = ib.dtype;
    const bool transpose_b = o.transpose_b;
    const uint64_t rows = volume(shape) / n;
    launch(ia.device(), op, config.text(), false, [=](DeviceImpl& dev) {
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
                r[m * n + j] = config.fp32_dest_acc ? acc : round_bf16(acc);
            }
        }
        store(*dst, dtype, std::move(r), n);
    });
    return out;
}

}  // namespace bttshim::nn
