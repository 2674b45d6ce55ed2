/* Number formats of the device (bf16, bfloat8_b, bfloat4_b), tile geometry and device sizes. */
#include "emu_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TILE_ELEMENTS (EMU_TILE * EMU_TILE)
/* A block-float tile: one byte per value for bfp8 (half a byte for bfp4) plus one shared
 * exponent byte for each of its 64 groups of 16. */
#define BFP8_TILE_BYTES (TILE_ELEMENTS + TILE_ELEMENTS / EMU_BLOCK)
#define BFP4_TILE_BYTES (TILE_ELEMENTS / 2 + TILE_ELEMENTS / EMU_BLOCK)

static uint32_t float_bits(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static float bits_float(uint32_t u) {
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

float emu_round_bf16(float x) {
    uint32_t u = float_bits(x);
    if ((u & 0x7F800000u) == 0x7F800000u && (u & 0x007FFFFFu) != 0) {
        return bits_float((u | 0x00400000u) & 0xFFFF0000u); /* keep a NaN a (quiet) NaN */
    }
    u += 0x7FFFu + ((u >> 16) & 1u); /* round to nearest, ties to even */
    return bits_float(u & 0xFFFF0000u);
}

void emu_round_block(float *values, int mantissa_bits) {
    int shared = 0;
    for (int i = 0; i < EMU_BLOCK; i++) {
        int e = (int) ((float_bits(values[i]) >> 23) & 0xFFu);
        shared = e > shared ? e : shared;
    }
    if (shared == 0) {
        /* Only zeros and subnormals: the device flushes them. */
        for (int i = 0; i < EMU_BLOCK; i++) {
            values[i] = 0.0f;
        }
        return;
    }
    if (shared == 0xFF) {
        shared = 0xFE; /* infinities saturate to the largest magnitude of the top binade */
    }
    /* Mantissas keep mantissa_bits bits including the explicit leading one, aligned to the shared
     * exponent: a step of 2^(shared - bias - (mantissa_bits - 1)). Division by a power of two is
     * exact, so rintf performs the one rounding (to nearest even). */
    float step = ldexpf(1.0f, shared - 127 - (mantissa_bits - 1));
    float largest = (float) ((1 << mantissa_bits) - 1);
    for (int i = 0; i < EMU_BLOCK; i++) {
        float v = values[i];
        if (isnan(v)) {
            continue;
        }
        float q = rintf(v / step);
        q = q > largest ? largest : q < -largest ? -largest : q;
        values[i] = q == 0.0f ? 0.0f : q * step;
    }
}

bool emu_dtype_valid(uint32_t dtype) {
    return dtype <= BTT_DTYPE_BFLOAT4_B;
}

bool emu_is_float(uint32_t dtype) {
    return emu_dtype_valid(dtype) && dtype != BTT_DTYPE_UINT32;
}

static uint64_t tile_bytes(uint32_t dtype) {
    switch (dtype) {
        case BTT_DTYPE_BFLOAT16: return TILE_ELEMENTS * 2;
        case BTT_DTYPE_BFLOAT8_B: return BFP8_TILE_BYTES;
        case BTT_DTYPE_BFLOAT4_B: return BFP4_TILE_BYTES;
        default: return TILE_ELEMENTS * 4;
    }
}

static uint64_t element_bytes(uint32_t dtype) {
    return dtype == BTT_DTYPE_BFLOAT16 ? 2 : 4;
}

static int64_t round_up_tile(int64_t n) {
    return (n + EMU_TILE - 1) / EMU_TILE * EMU_TILE;
}

void emu_tensor_geometry(emu_tensor *t) {
    int64_t batch = 1;
    for (uint32_t i = 0; i + 2 < t->rank; i++) {
        batch *= t->dims[i];
    }
    t->cols = t->dims[t->rank - 1];
    t->height = t->rank >= 2 ? t->dims[t->rank - 2] : 1;
    t->rows = batch * t->height;
    t->elements = (uint64_t) t->rows * (uint64_t) t->cols;
    if (t->layout == BTT_LAYOUT_TILE) {
        t->padded_height = round_up_tile(t->height);
        t->stride = round_up_tile(t->cols);
        t->stored_elements = (uint64_t) batch * (uint64_t) t->padded_height * (uint64_t) t->stride;
        t->device_bytes = t->stored_elements / TILE_ELEMENTS * tile_bytes(t->dtype);
    } else {
        t->padded_height = t->height;
        t->stride = t->cols;
        t->stored_elements = t->elements;
        t->device_bytes = t->elements * element_bytes(t->dtype);
    }
}

static int64_t tile_row_of(const emu_tensor *t, int64_t row) {
    return row / t->height * (t->padded_height / EMU_TILE) + row % t->height / EMU_TILE;
}

uint64_t emu_rows_bytes(const emu_tensor *t, int64_t first, int64_t count) {
    if (count <= 0) {
        return 0;
    }
    if (t->layout != BTT_LAYOUT_TILE) {
        return (uint64_t) count * (uint64_t) t->cols * element_bytes(t->dtype);
    }
    int64_t tile_rows = tile_row_of(t, first + count - 1) - tile_row_of(t, first) + 1;
    return (uint64_t) tile_rows * (uint64_t) (t->stride / EMU_TILE) * tile_bytes(t->dtype);
}

static size_t row_offset(const emu_tensor *t, int64_t row) {
    return (size_t) ((row / t->height * t->padded_height + row % t->height) * t->stride);
}

float *emu_row(const emu_tensor *t, int64_t row) {
    return (float *) t->data + row_offset(t, row);
}

uint32_t *emu_row_u32(const emu_tensor *t, int64_t row) {
    return (uint32_t *) t->data + row_offset(t, row);
}

void emu_round_row(const emu_tensor *t, int64_t row) {
    float *r = emu_row(t, row);
    switch (t->dtype) {
        case BTT_DTYPE_BFLOAT16:
            for (int64_t i = 0; i < t->cols; i++) {
                r[i] = emu_round_bf16(r[i]);
            }
            break;
        case BTT_DTYPE_BFLOAT8_B:
        case BTT_DTYPE_BFLOAT4_B:
            /* Block floats are TILE only, so the stride is a whole number of 16-value groups and the
             * padding columns (zeros) complete the last group as they do on the device. */
            for (int64_t c = 0; c < t->stride; c += EMU_BLOCK) {
                emu_round_block(r + c, t->dtype == BTT_DTYPE_BFLOAT8_B ? 7 : 3);
            }
            break;
        default:
            break;
    }
}

void emu_release_storage(btt_device *d, emu_tensor *t) {
    free(t->data);
    t->data = NULL;
    if (t->memory == BTT_MEMORY_DRAM) {
        d->dram_used -= t->device_bytes;
    } else {
        d->l1_used -= t->device_bytes;
    }
}
