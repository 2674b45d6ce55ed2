// Helpers shared by the op implementations of the host double.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hd_internal.hpp"
#include "hd_numerics.hpp"

namespace bttshim::nn::hd {

using BufferRef = std::shared_ptr<Buffer>;

inline BufferRef buf(const Tensor& t) { return t.impl().buffer; }

/* The output placement TT-NN uses when none is given: the input's. */
inline MemoryConfig out_memory(const std::optional<MemoryConfig>& memory, const Tensor& input) {
    return memory.value_or(input.impl().memory);
}

/* Enqueues a device program of op (program_config: the text of its program config, "default" if none). */
void launch(DeviceImpl& dev, const std::string& op, const std::string& compute, bool layout_conversion,
            std::function<void(DeviceImpl&)> run, const std::string& program_config = "default");

/* A fused unary op (EltwiseUnaryWithParam) on an FP32 value, as the SFPU computes it. */
float apply_unary(const UnaryOp& op, float x);
float apply_unary(const std::vector<UnaryOp>& ops, float x);

/* Logical elements of a buffer as floats (integers converted). */
std::vector<float> floats(const Buffer& b, DataType dtype);
/* Stores row-major float values into a buffer of dtype, rounding each row of `width` to the dtype. */
void store(Buffer& b, DataType dtype, std::vector<float> values, uint64_t width);

/* Traffic of an op touching whole tensors. */
inline void read_all(DeviceImpl& dev, const Buffer& b) { dev.reads(b, b.bytes); }
inline void write_all(DeviceImpl& dev, const Buffer& b) { dev.writes(b, b.bytes); }

/* numpy broadcasting of two shapes, right-aligned; empty optional when they do not broadcast. */
std::optional<Shape> broadcast(const Shape& a, const Shape& b);
/* The flat index into a tensor of shape `from` broadcast to `to`, for the flat index i of `to`. */
uint64_t broadcast_index(const Shape& from, const Shape& to, uint64_t i);

/* The compute-config rule shared by every op that takes one. */
void check_compute(const char* op, const std::optional<ComputeConfig>& config);
std::string compute_text(const std::optional<ComputeConfig>& config, const ComputeConfig& fallback);

int normalize_dim(int dim, std::size_t rank);

}  // namespace bttshim::nn::hd
