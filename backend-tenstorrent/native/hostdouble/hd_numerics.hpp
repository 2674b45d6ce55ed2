// Number formats of a Tensix core as the host double models them.
//
// Storage: BFLOAT16 rounds to nearest even; BFLOAT8_B / BFLOAT4_B share one 8-bit exponent per 16
// values of a tile face row (the largest), with 7 / 3 mantissa bits (explicit leading one) rounded to
// nearest even and saturated; zeros and subnormals-only groups flush to zero.
// Matrix engine: source registers hold at most TF32 (tech_reports/op_kernel_dev/accuracy_tips: FP32
// data is "converted to TF32 before being copied to dest"); a multiply uses 1+4 mantissa bits of
// SrcA and 1+6 of SrcB per phase, and the fidelity picks the phases (tech_reports/matrix_engine:
// LoFi A_hi*B_hi, HiFi2 +A_lo*B_hi, HiFi3 +A_hi*B_lo, HiFi4 +A_lo*B_lo). Matmul feeds in0 to SrcB and
// in1 to SrcA (tt_metal/hw/inc/api/compute/matmul.h).
// Assumptions (not documented by tt-metal): FP32 -> TF32 and FP32 -> BF16 round to nearest even; the
// SFPU computes FP32 element-wise ops as IEEE single precision.
#pragma once

#include <cstdint>

#include "ttnn_adapter.hpp"

namespace bttshim::nn::hd {

float round_bf16(float x);
float round_tf32(float x);
/* Rounds 16 consecutive values to one shared exponent, mantissa_bits including the leading one. */
void round_block(float* values, int mantissa_bits);
/* Rounds a logical row of `count` values stored in dtype (block floats: groups of 16 from column 0,
 * the padding zeros completing the last group as on a card). */
void round_row(DataType dtype, float* row, uint64_t count);
/* What a value of dtype becomes in a matrix-engine source register. */
float to_source_register(DataType dtype, float x);
/* a (SrcA) times b (SrcB) at a fidelity, exact in double. */
double fidelity_product(float a, float b, MathFidelity fidelity);
float bits_float(uint32_t u);
uint32_t float_bits(float x);

}  // namespace bttshim::nn::hd
