// Number formats (see hd_numerics.hpp). The block-float rounding comes from the retired C emulator.
#include "hd_numerics.hpp"

#include <cmath>
#include <cstring>

namespace bttshim::nn::hd {

namespace {

constexpr int kBlock = 16;

/* Keeps the `bits` most significant bits of x's significand (leading one included), dropping the rest. */
float keep_significant(float x, int bits) {
    uint32_t u = float_bits(x);
    if ((u & 0x7F800000u) == 0 || (u & 0x7F800000u) == 0x7F800000u) return (u & 0x7F800000u) == 0 ? 0.0f : x;
    const int drop = 24 - bits;
    if (drop <= 0) return x;
    return bits_float(u & ~((1u << drop) - 1u));
}

}  // namespace

uint32_t float_bits(float x) {
    uint32_t u;
    std::memcpy(&u, &x, sizeof u);
    return u;
}

float bits_float(uint32_t u) {
    float x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}

float round_bf16(float x) {
    uint32_t u = float_bits(x);
    if ((u & 0x7F800000u) == 0x7F800000u && (u & 0x007FFFFFu) != 0) {
        return bits_float((u | 0x00400000u) & 0xFFFF0000u);  // keep a NaN a (quiet) NaN
    }
    u += 0x7FFFu + ((u >> 16) & 1u);  // round to nearest, ties to even
    return bits_float(u & 0xFFFF0000u);
}

float round_tf32(float x) {
    uint32_t u = float_bits(x);
    if ((u & 0x7F800000u) == 0x7F800000u) return x;
    u += 0xFFFu + ((u >> 13) & 1u);  // 10 mantissa bits, nearest even
    return bits_float(u & 0xFFFFE000u);
}

void round_block(float* values, int mantissa_bits) {
    int shared = 0;
    for (int i = 0; i < kBlock; i++) {
        int e = static_cast<int>((float_bits(values[i]) >> 23) & 0xFFu);
        shared = e > shared ? e : shared;
    }
    if (shared == 0) {
        // Only zeros and subnormals: the device flushes them.
        for (int i = 0; i < kBlock; i++) values[i] = 0.0f;
        return;
    }
    if (shared == 0xFF) shared = 0xFE;  // infinities saturate to the largest magnitude of the top binade
    // Mantissas keep mantissa_bits bits including the explicit leading one, aligned to the shared
    // exponent: a step of 2^(shared - bias - (mantissa_bits - 1)). Division by a power of two is exact,
    // so rint performs the one rounding (to nearest even).
    const float step = std::ldexp(1.0f, shared - 127 - (mantissa_bits - 1));
    const float largest = static_cast<float>((1 << mantissa_bits) - 1);
    for (int i = 0; i < kBlock; i++) {
        float v = values[i];
        if (std::isnan(v)) continue;
        float q = std::rint(v / step);
        q = q > largest ? largest : q < -largest ? -largest : q;
        values[i] = q == 0.0f ? 0.0f : q * step;
    }
}

void round_row(DataType dtype, float* row, uint64_t count) {
    switch (dtype) {
        case DataType::BFLOAT16:
            for (uint64_t i = 0; i < count; ++i) row[i] = round_bf16(row[i]);
            break;
        case DataType::BFLOAT8_B:
        case DataType::BFLOAT4_B: {
            const int bits = dtype == DataType::BFLOAT8_B ? 7 : 3;
            for (uint64_t c = 0; c < count; c += kBlock) {
                float group[kBlock] = {};
                const uint64_t n = count - c < kBlock ? count - c : kBlock;
                std::memcpy(group, row + c, n * sizeof(float));
                round_block(group, bits);
                std::memcpy(row + c, group, n * sizeof(float));
            }
            break;
        }
        default:
            break;
    }
}

float to_source_register(DataType dtype, float x) {
    // bf16 and block-float values have at most 8 significant bits and pass unchanged.
    return dtype == DataType::FLOAT32 ? round_tf32(x) : x;
}

double fidelity_product(float a, float b, MathFidelity fidelity) {
    // SrcA: 1+4 bits per phase (hi, then the next 4); SrcB: 1+6 bits (hi, then the next 6).
    const double a_hi = keep_significant(a, 5), a_all = keep_significant(a, 9);
    const double b_hi = keep_significant(b, 7), b_all = keep_significant(b, 13);
    const double a_lo = a_all - a_hi, b_lo = b_all - b_hi;
    double p = a_hi * b_hi;
    if (fidelity == MathFidelity::LoFi) return p;
    p += a_lo * b_hi;
    if (fidelity == MathFidelity::HiFi2) return p;
    p += a_hi * b_lo;
    if (fidelity == MathFidelity::HiFi3) return p;
    return p + a_lo * b_lo;
}

}  // namespace bttshim::nn::hd
