/* Library-level entry points, the thread-local error buffer, the global lock and the counters. */
#define _POSIX_C_SOURCE 200809L
#include "emu_internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[EMU_MSG_LEN];

/* One lock for every device: ops execute on the calling thread at barriers, and a single lock keeps
 * the handle tables consistent when the JVM calls from several threads. */
static pthread_mutex_t emu_mutex = PTHREAD_MUTEX_INITIALIZER;

void emu_lock(void) {
    pthread_mutex_lock(&emu_mutex);
}

void emu_unlock(void) {
    pthread_mutex_unlock(&emu_mutex);
}

btt_status emu_fail(btt_status status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(last_error, sizeof last_error, format, args);
    va_end(args);
    return status;
}

emu_shape_text emu_shape(const emu_tensor *t) {
    emu_shape_text text;
    size_t used = 0;
    text.s[used++] = '[';
    for (uint32_t i = 0; i < t->rank; i++) {
        int n = snprintf(text.s + used, sizeof text.s - used, i == 0 ? "%lld" : ", %lld", (long long) t->dims[i]);
        if (n < 0 || (size_t) n >= sizeof text.s - used - 1) {
            break;
        }
        used += (size_t) n;
    }
    text.s[used++] = ']';
    text.s[used] = '\0';
    return text;
}

const char *emu_dtype_name(uint32_t dtype) {
    switch (dtype) {
        case BTT_DTYPE_BFLOAT16: return "BFLOAT16";
        case BTT_DTYPE_FLOAT32: return "FLOAT32";
        case BTT_DTYPE_UINT32: return "UINT32";
        case BTT_DTYPE_BFLOAT8_B: return "BFLOAT8_B";
        case BTT_DTYPE_BFLOAT4_B: return "BFLOAT4_B";
        default: return "unknown dtype";
    }
}

const char *emu_layout_name(uint32_t layout) {
    switch (layout) {
        case BTT_LAYOUT_ROW_MAJOR: return "ROW_MAJOR";
        case BTT_LAYOUT_TILE: return "TILE";
        default: return "unknown layout";
    }
}

int32_t btt_abi_version(void) {
    return BTT_ABI_VERSION;
}

const char *btt_implementation(void) {
    return "emulator";
}

const char *btt_last_error(void) {
    return last_error;
}

btt_status btt_device_count(int32_t *count) {
    if (count == NULL) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "btt_device_count: count is NULL");
    }
    *count = 1;
    return BTT_OK;
}

static btt_status counters_read(btt_device *device, uint64_t *values, uint32_t count) {
    btt_status st = emu_device_check(device, "btt_counters_read");
    if (st != BTT_OK) {
        return st;
    }
    if (values == NULL) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "btt_counters_read: values is NULL");
    }
    device->counters[BTT_COUNTER_DRAM_BYTES_IN_USE] = device->dram_used;
    device->counters[BTT_COUNTER_L1_BYTES_IN_USE] = device->l1_used;
    /* A caller built against a newer header may ask for counters this library does not know. */
    for (uint32_t i = 0; i < count; i++) {
        values[i] = i < BTT_COUNTER_COUNT ? device->counters[i] : 0;
    }
    return BTT_OK;
}

btt_status btt_counters_read(btt_device *device, uint64_t *values, uint32_t count) {
    emu_lock();
    btt_status st = counters_read(device, values, count);
    emu_unlock();
    return st;
}

static btt_status counters_reset(btt_device *device) {
    btt_status st = emu_device_check(device, "btt_counters_reset");
    if (st != BTT_OK) {
        return st;
    }
    for (int i = 0; i < BTT_COUNTER_COUNT; i++) {
        if (i != BTT_COUNTER_DRAM_BYTES_IN_USE && i != BTT_COUNTER_L1_BYTES_IN_USE) {
            device->counters[i] = 0;
        }
    }
    return BTT_OK;
}

btt_status btt_counters_reset(btt_device *device) {
    emu_lock();
    btt_status st = counters_reset(device);
    emu_unlock();
    return st;
}
