/*
 * Self-test of libbitnet_tt_emu.so through the public header only. Every expected value is worked
 * out by hand in the comments next to it, never by calling the emulator's own helpers.
 */
#include "bitnet_tt.h"

#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                              \
    do {                                                              \
        if (!(cond)) {                                                \
            failures++;                                               \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);      \
            fprintf(stderr, __VA_ARGS__);                             \
            fprintf(stderr, " [last error: %s]\n", btt_last_error()); \
        }                                                             \
    } while (0)
#define OK(call) CHECK((call) == BTT_OK, "%s", #call)

static btt_device *open_device(uint32_t cores, uint64_t l1_per_core, uint32_t flags) {
    btt_device_config c = {.struct_size = sizeof c, .cores = cores, .l1_bytes_per_core = l1_per_core, .flags = flags};
    btt_device *d = NULL;
    OK(btt_device_open(&c, &d));
    return d;
}

static btt_tensor tensor(btt_device *d, uint32_t dtype, uint32_t layout, uint32_t memory, int64_t rows, int64_t cols) {
    int64_t dims[2] = {rows, cols};
    btt_tensor t = 0;
    OK(btt_tensor_allocate(d, dtype, layout, memory, 2, dims, &t));
    return t;
}

static uint64_t counter(btt_device *d, int index) {
    uint64_t values[BTT_COUNTER_COUNT] = {0};
    OK(btt_counters_read(d, values, BTT_COUNTER_COUNT));
    return values[index];
}

static void expect_floats(const char *what, const float *got, const float *want, int n) {
    for (int i = 0; i < n; i++) {
        CHECK(got[i] == want[i], "%s[%d] = %.9g, expected %.9g", what, i, (double) got[i], (double) want[i]);
    }
}

static void test_bf16_ties(void) {
    btt_device *d = open_device(0, 0, 0);
    btt_tensor t = tensor(d, BTT_DTYPE_BFLOAT16, BTT_LAYOUT_ROW_MAJOR, BTT_MEMORY_DRAM, 1, 3);
    /* bf16 keeps 7 fraction bits, a step of 2^-7 near 1:
     * 1 + 2^-8          is halfway between 1 and 1 + 2^-7 (odd last bit): ties to even, 1;
     * 1 + 3*2^-8        is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): 1 + 2^-6 = 1.015625;
     * 1 + 2^-8 + 2^-20  is above halfway: 1 + 2^-7 = 1.0078125. */
    float in[3] = {1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f, 1.0f + 0x1p-8f + 0x1p-20f}, out[3];
    float want[3] = {1.0f, 1.015625f, 1.0078125f};
    OK(btt_tensor_upload(d, t, in, sizeof in));
    OK(btt_tensor_download(d, t, out, sizeof out));
    expect_floats("bf16", out, want, 3);
    OK(btt_device_close(d));
}

/* One 16-value group (a face row), plus 4 values of the next group in the same tile row. */
static const float block[20] = {1.0f, -1.0f, 0.0f, 0.5f, 3.0f, 0.3f, -2.5f, 0.01f, 1.0f / 3, 2.75f,
                                -0.125f, 3.99f, 0.078125f, 0.046875f, -3.0f, 0.2f, 0.01f, 0.02f, 0.0f, -0.005f};

static void test_block_floats(void) {
    btt_device *d = open_device(0, 0, 0);
    float out[20];
    /* Group 1: the largest magnitudes (2.5 .. 3.99) have exponent 1, so with 7 mantissa bits
     * (incl. the leading one) the step is 2^(1-6) = 1/32 and |m| <= 127:
     * 0.3/(1/32) = 9.6 -> 10 -> 0.3125; 0.01 -> 0.32 -> 0; (1/3)*32 = 10.67 -> 11 -> 0.34375;
     * 3.99*32 = 127.68 -> 128 saturates to 127 -> 3.96875; 0.078125*32 = 2.5 -> tie, even 2 -> 0.0625;
     * 0.046875*32 = 1.5 -> tie, even 2 -> 0.0625; 0.2*32 = 6.4 -> 6 -> 0.1875; the rest are exact.
     * Group 2 (cols 16..): largest 0.02 has exponent -6, step 2^(-6-6) = 2^-12:
     * 0.01*4096 = 40.96 -> 41 -> 0.010009765625; 0.02*4096 = 81.92 -> 82 -> 0.02001953125;
     * -0.005*4096 = -20.48 -> -20 -> -0.0048828125. */
    const float bfp8[20] = {1, -1, 0, 0.5f, 3, 0.3125f, -2.5f, 0, 0.34375f, 2.75f, -0.125f, 3.96875f, 0.0625f,
                            0.0625f, -3, 0.1875f, 0.010009765625f, 0.02001953125f, 0, -0.0048828125f};
    /* bfp4: 3 mantissa bits, step 2^(1-2) = 0.5, |m| <= 7: 0.3 -> 0.6 -> 1 -> 0.5; 1/3 -> 0.67 -> 0.5;
     * 2.75 -> 5.5 -> tie, even 6 -> 3; -0.125 -> -0.25 -> 0; 3.99 -> 7.98 -> 8 saturates to 7 -> 3.5;
     * 0.078125, 0.046875, 0.2, 0.01 -> below 0.25 -> 0. Group 2: step 2^(-6-2) = 1/256:
     * 0.01*256 = 2.56 -> 3 -> 0.01171875; 0.02*256 = 5.12 -> 5 -> 0.01953125; -0.005*256 = -1.28 -> -1. */
    const float bfp4[20] = {1, -1, 0, 0.5f, 3, 0.5f, -2.5f, 0, 0.5f, 3, 0, 3.5f, 0, 0, -3, 0,
                            0.01171875f, 0.01953125f, 0, -0.00390625f};
    btt_tensor t8 = tensor(d, BTT_DTYPE_BFLOAT8_B, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 1, 20);
    OK(btt_tensor_upload(d, t8, block, sizeof block));
    OK(btt_tensor_download(d, t8, out, sizeof out));
    expect_floats("bfp8", out, bfp8, 20);
    btt_tensor t4 = tensor(d, BTT_DTYPE_BFLOAT4_B, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 1, 20);
    OK(btt_tensor_upload(d, t4, block, sizeof block));
    OK(btt_tensor_download(d, t4, out, sizeof out));
    expect_floats("bfp4", out, bfp4, 20);

    int64_t dims[2] = {1, 20};
    btt_tensor bad = 0;
    CHECK(btt_tensor_allocate(d, BTT_DTYPE_BFLOAT8_B, BTT_LAYOUT_ROW_MAJOR, BTT_MEMORY_DRAM, 2, dims, &bad)
              == BTT_ERR_INVALID_ARGUMENT, "bfloat8_b must require TILE");
    OK(btt_device_close(d));
}

static void test_tile_bytes(void) {
    btt_device *d = open_device(0, 0, 0);
    /* bf16 [1, 2560] TILE pads to [32, 2560]: 80 tiles x 2048 B = 163840 B. */
    btt_tensor a = tensor(d, BTT_DTYPE_BFLOAT16, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 1, 2560);
    CHECK(counter(d, BTT_COUNTER_DRAM_BYTES_IN_USE) == 163840, "bf16 tile bytes");
    static float row[2560];
    OK(btt_tensor_upload(d, a, row, sizeof row));
    CHECK(counter(d, BTT_COUNTER_HOST_TO_DEVICE_BYTES) == 163840, "upload counts padded tiles");
    /* bfp4 [40, 40] pads to [64, 64]: 4 tiles x (512 + 64) B = 2304; bfp8 [1, 16]: 1 x 1088. */
    tensor(d, BTT_DTYPE_BFLOAT4_B, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 40, 40);
    tensor(d, BTT_DTYPE_BFLOAT8_B, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 1, 16);
    /* ROW_MAJOR is dense: bf16 [3, 5] = 30 B; uint32 [1, 1] = 4 B. */
    tensor(d, BTT_DTYPE_BFLOAT16, BTT_LAYOUT_ROW_MAJOR, BTT_MEMORY_DRAM, 3, 5);
    tensor(d, BTT_DTYPE_UINT32, BTT_LAYOUT_ROW_MAJOR, BTT_MEMORY_DRAM, 1, 1);
    CHECK(counter(d, BTT_COUNTER_DRAM_BYTES_IN_USE) == 163840 + 2304 + 1088 + 30 + 4, "mixed sizes");
    CHECK(counter(d, BTT_COUNTER_ALLOCATIONS) == 5, "allocations");
    OK(btt_tensor_deallocate(d, a));
    CHECK(counter(d, BTT_COUNTER_DRAM_BYTES_IN_USE) == 2304 + 1088 + 30 + 4, "freed on deallocate");
    OK(btt_device_close(d));
}

static void test_ternary_linear(void) {
    btt_device *d = open_device(0, 0, 0);
    btt_tensor x = tensor(d, BTT_DTYPE_BFLOAT16, BTT_LAYOUT_TILE, BTT_MEMORY_L1, 2, 4);
    btt_tensor w0 = tensor(d, BTT_DTYPE_BFLOAT4_B, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 2, 4);
    btt_tensor w1 = tensor(d, BTT_DTYPE_BFLOAT8_B, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 1, 4);
    btt_tensor y0 = tensor(d, BTT_DTYPE_FLOAT32, BTT_LAYOUT_TILE, BTT_MEMORY_L1, 2, 2);
    btt_tensor y1 = tensor(d, BTT_DTYPE_FLOAT32, BTT_LAYOUT_TILE, BTT_MEMORY_L1, 2, 1);
    float xv[8] = {0.5f, -1, 0.25f, 2, 4, -3, 1, 0};
    float w0v[8] = {1, -1, 0, 1, 0, 1, 1, -1};
    float w1v[4] = {1, 1, 1, 1};
    OK(btt_tensor_upload(d, x, xv, sizeof xv));
    OK(btt_tensor_upload(d, w0, w0v, sizeof w0v));
    OK(btt_tensor_upload(d, w1, w1v, sizeof w1v));
    btt_tensor ws[2] = {w0, w1}, ys[2] = {y0, y1};
    float scales[2] = {0.5f, 1.0f};
    OK(btt_ternary_linear(d, x, 2, ws, scales, ys));
    /* Token 0: s = 127/2 = 63.5; x*s = 31.75, -63.5, 15.875, 127 -> q = 32, -64 (tie to even), 16, 127.
     *   w0 row 0 (1,-1,0,1): 32+64+127 = 223; row 1 (0,1,1,-1): -64+16-127 = -175; w1: 32-64+16+127 = 111.
     * Token 1: s = 127/4 = 31.75; x*s = 127, -95.25, 31.75, 0 -> q = 127, -95, 32, 0.
     *   w0: 127+95 = 222; -95+32 = -63; w1: 127-95+32 = 64.
     * out = acc / s * scale, in float. */
    float got0[4], got1[2];
    float want0[4] = {223.0f / 63.5f * 0.5f, -175.0f / 63.5f * 0.5f, 222.0f / 31.75f * 0.5f, -63.0f / 31.75f * 0.5f};
    float want1[2] = {111.0f / 63.5f, 64.0f / 31.75f};
    OK(btt_tensor_download(d, y0, got0, sizeof got0));
    OK(btt_tensor_download(d, y1, got1, sizeof got1));
    expect_floats("linear y0", got0, want0, 4);
    expect_floats("linear y1", got1, want1, 2);
    /* One op; DRAM reads are the two weights: 576 + 1088 B (x and outputs live in L1). */
    CHECK(counter(d, BTT_COUNTER_OPS) == 1, "ops");
    CHECK(counter(d, BTT_COUNTER_DRAM_BYTES_READ) == 576 + 1088, "dram read %llu",
          (unsigned long long) counter(d, BTT_COUNTER_DRAM_BYTES_READ));
    CHECK(counter(d, BTT_COUNTER_LAYOUT_CONVERSIONS) == 0, "no conversions for TILE inputs");

    btt_tensor bad = tensor(d, BTT_DTYPE_FLOAT32, BTT_LAYOUT_TILE, BTT_MEMORY_L1, 2, 3);
    btt_tensor bads[1] = {bad};
    CHECK(btt_ternary_linear(d, x, 1, ws, scales, bads) == BTT_ERR_INVALID_ARGUMENT, "out shape checked");
    CHECK(strstr(btt_last_error(), "outs[0] [2, 3] must be [2, 2]") != NULL, "message: %s", btt_last_error());
    OK(btt_device_close(d));
}

static void test_errors_and_handles(void) {
    btt_device *d = open_device(1, 4096, 0);
    /* L1 is 1 core x 4096 B: two bf16 tiles (2048 B each) fit, a third does not. */
    int64_t wide[2] = {1, 80};
    btt_tensor a = 0;
    CHECK(btt_tensor_allocate(d, BTT_DTYPE_BFLOAT16, BTT_LAYOUT_TILE, BTT_MEMORY_L1, 2, wide, &a)
              == BTT_ERR_OUT_OF_MEMORY && a == 0, "[1, 80] is 3 tiles = 6144 B, over 4096 B");
    btt_tensor t1 = tensor(d, BTT_DTYPE_BFLOAT16, BTT_LAYOUT_TILE, BTT_MEMORY_L1, 32, 32);
    btt_tensor t2 = tensor(d, BTT_DTYPE_BFLOAT16, BTT_LAYOUT_TILE, BTT_MEMORY_L1, 1, 1);
    int64_t dims[2] = {1, 1};
    btt_tensor t3 = 0;
    CHECK(btt_tensor_allocate(d, BTT_DTYPE_BFLOAT16, BTT_LAYOUT_TILE, BTT_MEMORY_L1, 2, dims, &t3)
              == BTT_ERR_OUT_OF_MEMORY, "L1 full");
    CHECK(strstr(btt_last_error(), "needs 2048 bytes but only 0 of 4096 bytes are free") != NULL, "oom message: %s",
          btt_last_error());
    CHECK(counter(d, BTT_COUNTER_L1_BYTES_IN_USE) == 4096, "L1 gauge");

    /* Use after deallocate, including after the slot is reused. */
    OK(btt_tensor_deallocate(d, t2));
    float v = 1;
    CHECK(btt_tensor_upload(d, t2, &v, 4) == BTT_ERR_INVALID_HANDLE, "use after deallocate");
    CHECK(btt_tensor_deallocate(d, t2) == BTT_ERR_INVALID_HANDLE, "double deallocate");
    btt_tensor t4 = tensor(d, BTT_DTYPE_BFLOAT16, BTT_LAYOUT_TILE, BTT_MEMORY_L1, 1, 1);
    CHECK(t4 != t2 && btt_tensor_upload(d, t2, &v, 4) == BTT_ERR_INVALID_HANDLE, "stale handle after reuse");
    CHECK(btt_tensor_upload(d, 0, &v, 4) == BTT_ERR_INVALID_HANDLE, "null handle");
    CHECK(btt_tensor_upload(d, t4, NULL, 4) == BTT_ERR_INVALID_ARGUMENT, "null host");
    CHECK(btt_tensor_upload(d, t4, &v, 8) == BTT_ERR_INVALID_ARGUMENT, "wrong byte count");
    CHECK(btt_synchronize(NULL) == BTT_ERR_INVALID_ARGUMENT, "null device");

    btt_device *other = open_device(0, 0, 0);
    CHECK(btt_tensor_upload(other, t4, &v, 4) == BTT_ERR_INVALID_HANDLE, "foreign handle");
    CHECK(strstr(btt_last_error(), "another device") != NULL, "foreign message: %s", btt_last_error());
    /* The shape message names function, argument and both shapes. */
    btt_tensor a80 = tensor(other, BTT_DTYPE_FLOAT32, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 1, 80);
    btt_tensor b64 = tensor(other, BTT_DTYPE_FLOAT32, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 1, 64);
    CHECK(btt_add(other, a80, b64, a80) == BTT_ERR_INVALID_ARGUMENT, "add shapes");
    CHECK(strcmp(btt_last_error(), "btt_add: b [1, 64] does not match a [1, 80]") == 0, "add message: %s",
          btt_last_error());
    /* A bad embedding id fails at the next barrier, naming the id. */
    btt_tensor table = tensor(other, BTT_DTYPE_BFLOAT16, BTT_LAYOUT_ROW_MAJOR, BTT_MEMORY_DRAM, 4, 2);
    btt_tensor ids = tensor(other, BTT_DTYPE_UINT32, BTT_LAYOUT_ROW_MAJOR, BTT_MEMORY_DRAM, 1, 1);
    btt_tensor emb = tensor(other, BTT_DTYPE_FLOAT32, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 1, 2);
    uint32_t id = 7;
    OK(btt_tensor_upload(other, ids, &id, 4));
    OK(btt_embedding(other, table, ids, emb));
    CHECK(btt_synchronize(other) == BTT_ERR_INVALID_ARGUMENT, "bad id at barrier");
    CHECK(strstr(btt_last_error(), "ids[0] = 7 is not below the 4 rows") != NULL, "id message: %s", btt_last_error());
    OK(btt_synchronize(other));
    /* Bad arguments return errors, never crash. */
    CHECK(btt_attention(other, a80, a80, a80, 0, 0, 0, 0, a80) == BTT_ERR_INVALID_ARGUMENT, "zero heads");
    CHECK(btt_ternary_linear(other, a80, 1, NULL, NULL, NULL) == BTT_ERR_INVALID_ARGUMENT, "null arrays");
    CHECK(btt_counters_read(other, NULL, 4) == BTT_ERR_INVALID_ARGUMENT, "null counters");
    CHECK(btt_device_info_get(other, NULL) == BTT_ERR_INVALID_ARGUMENT, "null info");
    CHECK(btt_device_open(NULL, NULL) == BTT_ERR_INVALID_ARGUMENT, "null out");
    CHECK(btt_tensor_allocate(other, 9, 0, 0, 1, dims, &t3) == BTT_ERR_INVALID_ARGUMENT, "bad dtype");
    CHECK(btt_tensor_allocate(other, 0, 0, 0, 5, dims, &t3) == BTT_ERR_INVALID_ARGUMENT, "bad rank");
    CHECK(btt_trace_execute(other, a80, 1) == BTT_ERR_INVALID_HANDLE, "tensor handle as trace");
    OK(btt_device_close(other));
    CHECK(btt_synchronize(other) == BTT_ERR_CLOSED, "closed device");
    (void) t1;
    OK(btt_device_close(d));
}

static void test_trace_replay(void) {
    btt_device *d = open_device(0, 0, 0);
    btt_tensor cache = tensor(d, BTT_DTYPE_FLOAT32, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 4, 2);
    btt_tensor kv = tensor(d, BTT_DTYPE_FLOAT32, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 1, 2);
    btt_tensor pos = tensor(d, BTT_DTYPE_UINT32, BTT_LAYOUT_ROW_MAJOR, BTT_MEMORY_DRAM, 1, 1);
    btt_tensor acc = tensor(d, BTT_DTYPE_FLOAT32, BTT_LAYOUT_ROW_MAJOR, BTT_MEMORY_L1, 1, 2);

    /* Ops are asynchronous: nothing runs before the barrier. */
    float ones[2] = {1, 1};
    OK(btt_tensor_upload(d, kv, ones, sizeof ones));
    OK(btt_add(d, acc, kv, acc));
    CHECK(counter(d, BTT_COUNTER_OPS) == 0, "add still queued");
    OK(btt_synchronize(d));
    CHECK(counter(d, BTT_COUNTER_OPS) == 1, "add ran at the barrier");
    CHECK(counter(d, BTT_COUNTER_LAYOUT_CONVERSIONS) == 1, "the ROW_MAJOR input a was tilized");
    OK(btt_counters_reset(d));

    btt_trace trace = 0;
    OK(btt_trace_begin(d, &trace));
    OK(btt_kv_cache_update(d, cache, kv, 0, pos));
    OK(btt_add(d, acc, kv, acc));
    CHECK(btt_tensor_upload(d, kv, ones, sizeof ones) == BTT_ERR_STATE, "upload while capturing");
    btt_tensor none = 0;
    int64_t dims[1] = {1};
    CHECK(btt_tensor_allocate(d, BTT_DTYPE_FLOAT32, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 1, dims, &none) == BTT_ERR_STATE,
          "allocate while capturing");
    OK(btt_trace_end(d, trace));
    CHECK(counter(d, BTT_COUNTER_OPS) == 0, "capture executes nothing");

    uint32_t p = 1;
    float kv1[2] = {1, 2}, kv3[2] = {5, 6};
    OK(btt_tensor_upload(d, pos, &p, 4));
    OK(btt_tensor_upload(d, kv, kv1, sizeof kv1));
    OK(btt_trace_execute(d, trace, 1));
    p = 3;
    OK(btt_tensor_upload(d, pos, &p, 4));
    OK(btt_tensor_upload(d, kv, kv3, sizeof kv3));
    OK(btt_trace_execute(d, trace, 0));
    float rows[8], sum[2];
    OK(btt_tensor_download(d, cache, rows, sizeof rows));
    /* Replay 1 wrote (1, 2) at row 1, replay 2 wrote (5, 6) at row 3; acc = (1,1) + (1,2) + (5,6). */
    float want[8] = {0, 0, 1, 2, 0, 0, 5, 6};
    expect_floats("cache", rows, want, 8);
    OK(btt_tensor_download(d, acc, sum, sizeof sum));
    float want_sum[2] = {7, 9};
    expect_floats("acc", sum, want_sum, 2);
    CHECK(counter(d, BTT_COUNTER_OPS) == 4, "2 ops x 2 replays");
    CHECK(counter(d, BTT_COUNTER_TRACE_CAPTURES) == 1 && counter(d, BTT_COUNTER_TRACE_REPLAYS) == 2, "trace counts");
    OK(btt_trace_release(d, trace));
    CHECK(btt_trace_execute(d, trace, 1) == BTT_ERR_INVALID_HANDLE, "released trace");
    CHECK(btt_trace_end(d, trace) == BTT_ERR_STATE, "trace_end without trace_begin");
    OK(btt_device_close(d));
}

static void test_count_only(void) {
    btt_device *d = open_device(0, 0, BTT_FLAG_COUNT_ONLY);
    /* The 2B-4T FFN gate: bfp4 [6912, 2560] = 216 x 80 tiles x 576 B = 9953280 B, never stored. */
    btt_tensor w = tensor(d, BTT_DTYPE_BFLOAT4_B, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 6912, 2560);
    btt_tensor x = tensor(d, BTT_DTYPE_BFLOAT16, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 1, 2560);
    btt_tensor y = tensor(d, BTT_DTYPE_BFLOAT16, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 1, 6912);
    /* 8 GiB of bf16 fits the 12 GiB DRAM without any host memory; a second one does not. */
    btt_tensor big = tensor(d, BTT_DTYPE_BFLOAT16, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 65536, 65536);
    int64_t dims[2] = {65536, 65536};
    btt_tensor big2 = 0;
    CHECK(big != 0 && btt_tensor_allocate(d, BTT_DTYPE_BFLOAT16, BTT_LAYOUT_TILE, BTT_MEMORY_DRAM, 2, dims, &big2)
                          == BTT_ERR_OUT_OF_MEMORY, "count-only still checks capacity");
    float scale = 1;
    OK(btt_ternary_linear(d, x, 1, &w, &scale, &y));
    OK(btt_synchronize(d));
    /* Reads: x 80 tiles x 2048 = 163840 plus the weight; writes: y 216 x 2048 = 442368. */
    CHECK(counter(d, BTT_COUNTER_DRAM_BYTES_READ) == 163840 + 9953280, "count-only reads");
    CHECK(counter(d, BTT_COUNTER_DRAM_BYTES_WRITTEN) == 442368, "count-only writes");
    CHECK(counter(d, BTT_COUNTER_OPS) == 1, "count-only ops");
    static float out[6912];
    out[5] = 42;
    OK(btt_tensor_download(d, y, out, sizeof out));
    CHECK(out[5] == 0, "count-only downloads zeros");
    OK(btt_device_close(d));
}

int main(void) {
    CHECK(strcmp(btt_implementation(), "emulator") == 0, "implementation");
    CHECK(btt_abi_version() == BTT_ABI_VERSION, "abi");
    test_bf16_ties();
    test_block_floats();
    test_tile_bytes();
    test_ternary_linear();
    test_errors_and_handles();
    test_trace_replay();
    test_count_only();
    if (failures != 0) {
        fprintf(stderr, "emu_selftest: %d check(s) failed\n", failures);
        return 1;
    }
    printf("emu_selftest: all checks passed\n");
    return 0;
}
