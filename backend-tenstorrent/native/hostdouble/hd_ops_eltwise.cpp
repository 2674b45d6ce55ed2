// Element-wise ops, typecast, bitcast and the max reduction of the host double.
#include <cmath>
#include <cstring>
#include <limits>

#include "hd_ops.hpp"

namespace bttshim::nn::hd {

HD_RULE(kHifi4Fp32, "ttnn (ops with a compute config)", "compute_config.hifi4_fp32_acc",
        "HiFi4 with fp32_dest_acc_en can give wrong results on Wormhole (hardware issue #38306); TT-NN's defaults avoid "
        "it, the double refuses it: use HiFi3 or lower",
        "ttnn/cpp/ttnn/operations/matmul/device/matmul_device_operation.cpp (#38306)");
HD_RULE(kTypecastMemoryLayout, "ttnn::typecast", "typecast.memory_layout",
        "input and output memory layouts must match (interleaved to interleaved, sharded to sharded)",
        "ttnn/cpp/ttnn/operations/copy/typecast/device/typecast_device_op.cpp");
HD_RULE(kTypecastBlockFloatTile, "ttnn::typecast", "typecast.block_float_tile",
        "a BFLOAT8_B / BFLOAT4_B result needs a TILE input", "tt_metal/impl/tensor/spec/tensor_spec.cpp");
HD_RULE(kBitcastSize, "ttnn::bitcast", "bitcast.same_width",
        "input and output must be 32-bit dtypes (FLOAT32, INT32, UINT32); TT-NN does not check this, the double does: "
        "BITCAST packs the input's words in the output's data format, so other widths would reinterpret garbage",
        "ttnn/cpp/ttnn/operations/eltwise/unary/device/unary_program_factory.cpp (BITCAST output data format)");
HD_RULE(kBinaryLayout, "ttnn::add / ttnn::multiply", "binary.layout",
        "operands must be TILE or ROW_MAJOR and share one layout",
        "ttnn/cpp/ttnn/operations/eltwise/binary_ng/device/binary_ng_device_operation.cpp");
HD_RULE(kBinaryBroadcast, "ttnn::add / ttnn::multiply", "binary.broadcast",
        "each dimension must be equal or 1 in one operand (broadcast up to rank 6)",
        "ttnn/cpp/ttnn/operations/eltwise/binary_ng/device/binary_ng_device_operation.cpp");
HD_RULE(kBinaryOutput, "ttnn::add / ttnn::multiply", "binary.output",
        "a given output tensor must have the broadcast shape, and its dtype must equal a given output dtype",
        "ttnn/cpp/ttnn/operations/eltwise/binary_ng/device/binary_ng_device_operation.cpp");
HD_RULE(kReduceTile, "ttnn::max", "reduce.tile", "inputs to reduce must be tilized",
        "ttnn/cpp/ttnn/operations/reduction/generic/device/reduce_op_device_operation.cpp");
HD_RULE(kReduceDtype, "ttnn::max", "reduce.dtype",
        "FLOAT32, BFLOAT16, BFLOAT8_B and UINT32 (INT32 for MAX/MIN) are supported",
        "ttnn/cpp/ttnn/operations/reduction/generic/device/reduce_op_device_operation.cpp");

/* ---- helpers (hd_ops.hpp) ---- */

void launch(DeviceImpl& dev, const std::string& op, const std::string& compute, bool layout_conversion,
            std::function<void(DeviceImpl&)> run, const std::string& program_config) {
    enqueue(dev, Program{op, compute, program_config, layout_conversion, std::move(run)});
}

float apply_unary(const UnaryOp& op, float x) {
    switch (op.kind) {
        case UnaryKind::RELU: return x > 0.0f ? x : 0.0f;
        case UnaryKind::SQUARE: return x * x;
        case UnaryKind::RECIP: return 1.0f / x;  // assumed correctly rounded (README, Numerics)
        case UnaryKind::MUL: return x * op.param;
        case UnaryKind::RELU_MIN: return x < op.param ? op.param : x;  // ckernel_sfpu_relu.h relu_min
        case UnaryKind::ROUND: {
            // Ties to even on Wormhole and Blackhole (spec §3).
            if (op.param == 0.0f) return std::nearbyint(x);
            const float scale = static_cast<float>(std::pow(10.0, op.param));
            return std::nearbyint(x * scale) / scale;
        }
    }
    return x;
}

float apply_unary(const std::vector<UnaryOp>& ops, float x) {
    for (const UnaryOp& op : ops) x = apply_unary(op, x);
    return x;
}

std::vector<float> floats(const Buffer& b, DataType dtype) {
    std::vector<float> v(b.words.size());
    if (is_float(dtype)) {
        std::memcpy(v.data(), b.words.data(), v.size() * sizeof(float));
    } else if (dtype == DataType::INT32) {
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(static_cast<int32_t>(b.words[i]));
    } else {
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(b.words[i]);
    }
    return v;
}

void store(Buffer& b, DataType dtype, std::vector<float> values, uint64_t width) {
    if (!b.stores_data) return;
    if (is_float(dtype)) {
        for (uint64_t r = 0; width > 0 && r < values.size() / width; ++r) round_row(dtype, values.data() + r * width, width);
        std::memcpy(b.words.data(), values.data(), values.size() * sizeof(float));
        return;
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double v = std::nearbyint(static_cast<double>(values[i]));
        if (dtype == DataType::INT32) {
            b.words[i] = static_cast<uint32_t>(static_cast<int32_t>(std::clamp(v, -2147483648.0, 2147483647.0)));
        } else {
            const double hi = dtype == DataType::UINT16 ? 65535.0 : 4294967295.0;
            b.words[i] = static_cast<uint32_t>(std::clamp(v, 0.0, hi));
        }
    }
}

std::optional<Shape> broadcast(const Shape& a, const Shape& b) {
    const std::size_t rank = std::max(a.size(), b.size());
    Shape out(rank);
    for (std::size_t i = 0; i < rank; ++i) {
        const uint32_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        const uint32_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        if (da != db && da != 1 && db != 1) return std::nullopt;
        out[i] = std::max(da, db);
    }
    return out;
}

uint64_t broadcast_index(const Shape& from, const Shape& to, uint64_t i) {
    uint64_t index = 0, stride = 1;
    for (std::size_t k = 0; k < to.size(); ++k) {
        const std::size_t d = to.size() - 1 - k;
        const uint64_t coord = i % to[d];
        i /= to[d];
        if (k < from.size()) {
            const uint32_t f = from[from.size() - 1 - k];
            index += (f == 1 ? 0 : coord) * stride;
            stride *= f;
        }
    }
    return index;
}

void check_compute(const char* op, const std::optional<ComputeConfig>& config) {
    if (!config) return;
    check(!(config->fidelity == MathFidelity::HiFi4 && config->fp32_dest_acc), kHifi4Fp32,
          std::string(op) + " was given " + config->text());
}

std::string compute_text(const std::optional<ComputeConfig>& config, const ComputeConfig& fallback) {
    return config.value_or(fallback).text();
}

int normalize_dim(int dim, std::size_t rank) { return dim < 0 ? dim + static_cast<int>(rank) : dim; }

}  // namespace bttshim::nn::hd

namespace bttshim::nn {

using namespace hd;

namespace {

/* An SFPU op on FP32 values, element by element (unary_impl keeps FP32 precision for FLOAT32 input). */
Tensor unary(const char* op, const Tensor& t, const std::optional<MemoryConfig>& memory, std::function<float(float)> fn,
             std::optional<DataType> out_dtype = std::nullopt) {
    require_device_tensor(op, t, "input");
    TensorImpl& in = t.impl();
    const DataType dtype = out_dtype.value_or(in.dtype);
    Tensor out = allocate(in.device(), in.shape, dtype, in.layout, out_memory(memory, t));
    BufferRef src = buf(t), dst = buf(out);
    const DataType in_dtype = in.dtype;
    const uint64_t width = in.shape.back();
    launch(in.device(), op, "", false, [=](DeviceImpl& dev) {
        read_all(dev, *src);
        write_all(dev, *dst);
        if (!has_data({src.get(), dst.get()})) return;
        std::vector<float> v = floats(*src, in_dtype);
        for (float& x : v) x = fn(x);
        store(*dst, dtype, std::move(v), width);
    });
    return out;
}

float identity_fn(float x) { return x; }

enum class BinaryKind { ADD, MUL, DIV };

/* The dtypes whose presence makes binary_ng run with a 32-bit dest (binary_ng_program_factory.cpp:
 * fp32_dest_acc_en when a, b or the output is FLOAT32, or both are INT32 / UINT32, or the output is). */
bool wide(DataType d) { return d == DataType::FLOAT32 || d == DataType::INT32 || d == DataType::UINT32; }

/* What a fused activation chain leaves in dest: with a 16-bit dest each SFPU result is stored as bf16. */
float chain(const std::vector<UnaryOp>& ops, float x, bool fp32_dest) {
    for (const UnaryOp& op : ops) {
        x = apply_unary(op, x);
        if (!fp32_dest) x = round_bf16(x);
    }
    return x;
}

/* An operand's activated value as packed into its intermediate circular buffer (c_3 / c_4), which has the
 * operand's own data format (binary_ng_program_factory.cpp, a/b_intermediate_format for SFPU ops). */
float interim(DataType d, float x) { return d == DataType::FLOAT32 ? x : round_bf16(x); }

Tensor binary(const char* op, BinaryKind kind, const Tensor& a, const Tensor* b, float scalar, const BinaryOptions& o) {
    const bool is_add = kind == BinaryKind::ADD;
    require_device_tensor(op, a, "a");
    TensorImpl& ia = a.impl();
    Shape shape = ia.shape;
    DataType b_dtype = ia.dtype;
    if (b != nullptr) {
        require_device_tensor(op, *b, "b");
        require_same_device(op, a, *b);
        TensorImpl& ib = b->impl();
        check(ia.layout == ib.layout, kBinaryLayout,
              std::string("a is ") + name(ia.layout) + ", b is " + name(ib.layout));
        auto bc = broadcast(ia.shape, ib.shape);
        check(bc.has_value(), kBinaryBroadcast, "a " + shape_text(ia.shape) + ", b " + shape_text(ib.shape));
        shape = *bc;
        b_dtype = ib.dtype;
    }
    const DataType dtype = o.output ? o.output->dtype() : o.dtype.value_or(ia.dtype);
    Tensor out;
    if (o.output) {
        require_device_tensor(op, *o.output, "output");
        check(o.output->shape() == shape && (!o.dtype || *o.dtype == o.output->dtype()), kBinaryOutput,
              "output " + std::string(name(o.output->dtype())) + " " + shape_text(o.output->shape()) + " for result " +
                  shape_text(shape) + (o.dtype ? std::string(" of dtype ") + name(*o.dtype) : ""));
        out = *o.output;
    } else {
        out = allocate(ia.device(), shape, dtype, ia.layout, out_memory(o.memory, a));
    }
    BufferRef src_a = buf(a), src_b = b ? buf(*b) : nullptr, dst = buf(out);
    const Shape sa = ia.shape, sb = b ? b->shape() : Shape{};
    const DataType a_dtype = ia.dtype;
    // binary_ng_device_operation.cpp: ADD of two FLOAT32 operands and MUL run on the SFPU (FP32);
    // an ADD on the FPU sees its operands in the source registers (TF32 at most). Fused activations
    // (binary_ng_utils.cpp get_defines) run on the SFPU on each operand and on the result.
    const bool fpu = is_add && b != nullptr && !(a_dtype == DataType::FLOAT32 && b_dtype == DataType::FLOAT32) &&
                     o.lhs.empty() && o.rhs.empty() && o.post.empty();
    const std::vector<UnaryOp> lhs = o.lhs, rhs = o.rhs, post = o.post;
    const bool fp32_dest = wide(a_dtype) || wide(b_dtype) || wide(dtype);
    std::string program = "default";
    if (!lhs.empty() || !rhs.empty() || !post.empty()) {
        program = "lhs[" + unary_text(lhs) + "] rhs[" + unary_text(rhs) + "] post[" + unary_text(post) + "]";
    }
    launch(ia.device(), op, "", false, [=](DeviceImpl& dev) {
        read_all(dev, *src_a);
        if (src_b) read_all(dev, *src_b);
        write_all(dev, *dst);
        if (!has_data({src_a.get(), src_b.get(), dst.get()})) return;
        std::vector<float> va = floats(*src_a, a_dtype);
        std::vector<float> vb = src_b ? floats(*src_b, b_dtype) : std::vector<float>{};
        std::vector<float> r(volume(shape));
        for (uint64_t i = 0; i < r.size(); ++i) {
            float x = va[broadcast_index(sa, shape, i)];
            float y = src_b ? vb[broadcast_index(sb, shape, i)] : scalar;
            if (fpu) {
                x = to_source_register(a_dtype, x);
                y = to_source_register(b_dtype, y);
            }
            if (!lhs.empty()) x = interim(a_dtype, chain(lhs, x, fp32_dest));
            if (!rhs.empty()) y = interim(b_dtype, chain(rhs, y, fp32_dest));
            // ckernel_sfpu_binary.h: without a 32-bit dest the SFPU product (and quotient) is rounded to bf16
            // (float32_to_bf16_rne) before it is stored in dest, where the post activations read it.
            float v = kind == BinaryKind::ADD ? x + y : kind == BinaryKind::MUL ? x * y : x / y;
            if (!fp32_dest) v = round_bf16(v);
            r[i] = chain(post, v, fp32_dest);
        }
        store(*dst, dtype, std::move(r), shape.back());
    }, program);
    return out;
}

}  // namespace

Tensor abs(const Tensor& t, const std::optional<MemoryConfig>& memory) {
    return unary("ttnn::abs", t, memory, [](float x) { return std::fabs(x); });
}

Tensor neg(const Tensor& t, const std::optional<MemoryConfig>& memory) {
    return unary("ttnn::neg", t, memory, [](float x) { return -x; });
}

Tensor relu(const Tensor& t, const std::optional<MemoryConfig>& memory) {
    return unary("ttnn::relu", t, memory, [](float x) { return x > 0.0f ? x : 0.0f; });
}

Tensor reciprocal(const Tensor& t, const std::optional<MemoryConfig>& memory) {
    return unary("ttnn::reciprocal", t, memory, [](float x) { return 1.0f / x; });
}

Tensor round(const Tensor& t, int32_t decimals, const std::optional<MemoryConfig>& memory) {
    // Ties go to even on Wormhole and Blackhole (spec §3; the SFPU rounding kernel).
    const float scale = static_cast<float>(std::pow(10.0, decimals));
    return unary("ttnn::round", t, memory,
                 [scale](float x) { return scale == 1.0f ? std::nearbyint(x) : std::nearbyint(x * scale) / scale; });
}

Tensor clamp(const Tensor& t, float lo, float hi, const std::optional<MemoryConfig>& memory) {
    return unary("ttnn::clamp", t, memory, [lo, hi](float x) { return x < lo ? lo : x > hi ? hi : x; });
}

Tensor bitcast(const Tensor& t, DataType dtype, const std::optional<MemoryConfig>& memory) {
    require_device_tensor("ttnn::bitcast", t, "input");
    TensorImpl& in = t.impl();
    auto wide = [](DataType d) { return d == DataType::FLOAT32 || d == DataType::INT32 || d == DataType::UINT32; };
    check(wide(in.dtype) && wide(dtype), kBitcastSize, std::string(name(in.dtype)) + " to " + name(dtype));
    Tensor out = allocate(in.device(), in.shape, dtype, in.layout, out_memory(memory, t));
    BufferRef src = buf(t), dst = buf(out);
    launch(in.device(), "ttnn::bitcast", "", false, [=](DeviceImpl& dev) {
        read_all(dev, *src);
        write_all(dev, *dst);
        if (has_data({src.get(), dst.get()})) dst->words = src->words;
    });
    return out;
}

Tensor typecast(const Tensor& t, DataType dtype, const std::optional<MemoryConfig>& memory) {
    require_device_tensor("ttnn::typecast", t, "input");
    TensorImpl& in = t.impl();
    const MemoryConfig mem = out_memory(memory, t);
    check(in.memory.is_sharded() == mem.is_sharded(), kTypecastMemoryLayout,
          "input " + in.memory.text() + ", output " + mem.text());
    check(!(is_block_float(dtype) && in.layout != Layout::TILE), kTypecastBlockFloatTile,
          std::string(name(in.dtype)) + " " + name(in.layout) + " to " + name(dtype));
    return unary("ttnn::typecast", t, memory, identity_fn, dtype);
}

Tensor add(const Tensor& a, const Tensor& b, const BinaryOptions& options) {
    return binary("ttnn::add", BinaryKind::ADD, a, &b, 0.0f, options);
}

Tensor multiply(const Tensor& a, const Tensor& b, const BinaryOptions& options) {
    return binary("ttnn::multiply", BinaryKind::MUL, a, &b, 0.0f, options);
}

Tensor multiply(const Tensor& a, float b, const BinaryOptions& options) {
    return binary("ttnn::multiply", BinaryKind::MUL, a, nullptr, b, options);
}

Tensor divide(const Tensor& a, const Tensor& b, const BinaryOptions& options) {
    // binary_ng runs DIV on the SFPU (unless fast_and_approximate_mode): with a 32-bit dest the quotient is
    // refined (Markstein) to IEEE single precision, which the double assumes is correctly rounded.
    return binary("ttnn::divide", BinaryKind::DIV, a, &b, 0.0f, options);
}

Tensor max(const Tensor& t, int dim, bool keepdim, const std::optional<MemoryConfig>& memory) {
    const char* op = "ttnn::max";
    require_device_tensor(op, t, "input");
    TensorImpl& in = t.impl();
    check(in.layout == Layout::TILE, kReduceTile, std::string("input is ") + name(in.layout));
    const DataType d = in.dtype;
    check(d == DataType::FLOAT32 || d == DataType::BFLOAT16 || d == DataType::BFLOAT8_B || d == DataType::UINT32 ||
              d == DataType::INT32,
          kReduceDtype, std::string("got ") + name(d));
    const int axis = normalize_dim(dim, in.shape.size());
    if (axis != static_cast<int>(in.shape.size()) - 1) {
        throw std::runtime_error("ttnn::max: the host double reduces the last dimension only, got dim " + std::to_string(dim));
    }
    Shape shape = in.shape;
    shape.back() = 1;
    if (!keepdim) shape.pop_back();
    if (shape.empty()) shape.push_back(1);
    Tensor out = allocate(in.device(), shape, d, in.layout, out_memory(memory, t));
    BufferRef src = buf(t), dst = buf(out);
    const uint64_t width = in.shape.back();
    launch(in.device(), op, "", false, [=](DeviceImpl& dev) {
        read_all(dev, *src);
        write_all(dev, *dst);
        if (!has_data({src.get(), dst.get()})) return;
        const uint64_t rows = src->words.size() / width;
        if (d == DataType::INT32 || d == DataType::UINT32) {
            // Integer MAX runs on the SFPU: exact.
            for (uint64_t r = 0; r < rows; ++r) {
                uint32_t best = src->words[r * width];
                for (uint64_t i = 1; i < width; ++i) {
                    uint32_t w = src->words[r * width + i];
                    bool greater = d == DataType::INT32 ? static_cast<int32_t>(w) > static_cast<int32_t>(best) : w > best;
                    if (greater) best = w;
                }
                dst->words[r] = best;
            }
            return;
        }
        // Float MAX runs on the matrix engine, which sees FP32 values in TF32 (the largest one too).
        std::vector<float> v = floats(*src, d), m(rows);
        for (uint64_t r = 0; r < rows; ++r) {
            float best = -std::numeric_limits<float>::infinity();
            for (uint64_t i = 0; i < width; ++i) best = std::max(best, to_source_register(d, v[r * width + i]));
            m[r] = best;
        }
        store(*dst, d, std::move(m), 1);
    });
    return out;
}

}  // namespace bttshim::nn
