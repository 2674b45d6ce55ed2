/* Opening and closing devices, and the handle tables that make stale and foreign handles detectable. */
#include "emu_internal.h"

#include <stdlib.h>
#include <string.h>

/*
 * Handle layout: bit 63 kind (1 = trace), bits 62..44 device serial, bits 43..24 slot generation,
 * bits 23..0 slot index. Serials start at 1, so 0 is never a valid handle.
 */
#define KIND_TRACE (1ull << 63)
#define SERIAL_SHIFT 44
#define SERIAL_MASK 0x7FFFFull
#define GEN_SHIFT 24
#define GEN_MASK 0xFFFFFull
#define SLOT_MASK 0xFFFFFFull

#define DEFAULT_DRAM_BYTES (12ull << 30)       /* an n150 */
#define DEFAULT_L1_BYTES_PER_CORE (1464ull << 10)
#define DEFAULT_CORES 64u                      /* an 8x8 worker grid */

static btt_device **open_devices;
static size_t open_count, open_capacity;
static uint32_t next_serial = 1;

static bool is_open(const btt_device *device) {
    for (size_t i = 0; i < open_count; i++) {
        if (open_devices[i] == device) {
            return true;
        }
    }
    return false;
}

btt_status emu_device_check(btt_device *device, const char *fn) {
    if (device == NULL) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "%s: device is NULL", fn);
    }
    if (!is_open(device)) {
        return emu_fail(BTT_ERR_CLOSED, "%s: device %p is closed or was never opened", fn, (void *) device);
    }
    return BTT_OK;
}

static uint64_t make_handle(const btt_device *d, uint32_t generation, size_t slot, bool trace) {
    return (trace ? KIND_TRACE : 0) | ((uint64_t) (d->serial & SERIAL_MASK) << SERIAL_SHIFT)
           | ((uint64_t) (generation & GEN_MASK) << GEN_SHIFT) | (uint64_t) slot;
}

static bool handle_matches(const btt_device *d, uint64_t handle, bool trace, size_t slots, size_t *slot) {
    if (((handle & KIND_TRACE) != 0) != trace) {
        return false;
    }
    if (((handle >> SERIAL_SHIFT) & SERIAL_MASK) != (d->serial & SERIAL_MASK)) {
        return false;
    }
    *slot = (size_t) (handle & SLOT_MASK);
    return *slot < slots;
}

static uint32_t handle_generation(uint64_t handle) {
    return (uint32_t) ((handle >> GEN_SHIFT) & GEN_MASK);
}

emu_tensor *emu_tensor_find(btt_device *d, btt_tensor handle) {
    size_t slot;
    if (!handle_matches(d, handle, false, d->tensor_slots, &slot)) {
        return NULL;
    }
    emu_tensor_slot *s = &d->tensors[slot];
    return s->used && (s->generation & GEN_MASK) == handle_generation(handle) ? &s->tensor : NULL;
}

emu_tensor *emu_tensor_arg(btt_device *d, const char *fn, const char *arg, btt_tensor handle, btt_status *status) {
    emu_tensor *t = emu_tensor_find(d, handle);
    if (t != NULL) {
        return t;
    }
    const char *why;
    if (handle == 0) {
        why = "is the null handle";
    } else if (handle & KIND_TRACE) {
        why = "is a trace handle, not a tensor";
    } else if (((handle >> SERIAL_SHIFT) & SERIAL_MASK) != (d->serial & SERIAL_MASK)) {
        why = "belongs to another device";
    } else {
        why = "was deallocated or never allocated on this device";
    }
    *status = emu_fail(BTT_ERR_INVALID_HANDLE, "%s: %s (tensor handle 0x%llx) %s", fn, arg,
                       (unsigned long long) handle, why);
    return NULL;
}

/* Finds a free slot index in a table of `count` entries of `size` bytes whose `used` flag is at
 * used_offset, growing the table if needed. */
static btt_status free_slot(void **table, size_t *count, size_t size, size_t used_offset, size_t *slot) {
    for (size_t i = 0; i < *count; i++) {
        if (!*((bool *) ((char *) *table + i * size + used_offset))) {
            *slot = i;
            return BTT_OK;
        }
    }
    if (*count > SLOT_MASK) {
        return emu_fail(BTT_ERR_OUT_OF_MEMORY, "emulator: more than %llu live handles", SLOT_MASK + 1);
    }
    size_t grown = *count == 0 ? 64 : *count * 2;
    void *bigger = realloc(*table, grown * size);
    if (bigger == NULL) {
        return emu_fail(BTT_ERR_OUT_OF_MEMORY, "emulator: host memory exhausted growing a handle table");
    }
    memset((char *) bigger + *count * size, 0, (grown - *count) * size);
    *table = bigger;
    *slot = *count;
    *count = grown;
    return BTT_OK;
}

btt_status emu_tensor_slot_new(btt_device *d, btt_tensor *handle, emu_tensor **tensor) {
    size_t slot;
    void *table = d->tensors;
    btt_status st = free_slot(&table, &d->tensor_slots, sizeof(emu_tensor_slot), offsetof(emu_tensor_slot, used), &slot);
    d->tensors = table;
    if (st != BTT_OK) {
        return st;
    }
    emu_tensor_slot *s = &d->tensors[slot];
    s->used = true;
    memset(&s->tensor, 0, sizeof s->tensor);
    *handle = make_handle(d, s->generation, slot, false);
    *tensor = &s->tensor;
    return BTT_OK;
}

void emu_tensor_slot_free(btt_device *d, btt_tensor handle) {
    size_t slot = (size_t) (handle & SLOT_MASK);
    d->tensors[slot].used = false;
    d->tensors[slot].generation++;
}

emu_trace *emu_trace_find(btt_device *d, btt_trace handle) {
    size_t slot;
    if (!handle_matches(d, handle, true, d->trace_slots, &slot)) {
        return NULL;
    }
    emu_trace *t = &d->traces[slot];
    return t->used && (t->generation & GEN_MASK) == handle_generation(handle) ? t : NULL;
}

btt_status emu_trace_slot_new(btt_device *d, btt_trace *handle, emu_trace **trace) {
    size_t slot;
    void *table = d->traces;
    btt_status st = free_slot(&table, &d->trace_slots, sizeof(emu_trace), offsetof(emu_trace, used), &slot);
    d->traces = table;
    if (st != BTT_OK) {
        return st;
    }
    emu_trace *t = &d->traces[slot];
    t->used = true;
    t->ended = false;
    memset(&t->ops, 0, sizeof t->ops);
    *handle = make_handle(d, t->generation, slot, true);
    *trace = t;
    return BTT_OK;
}

void emu_trace_slot_free(btt_device *d, btt_trace handle) {
    emu_trace *t = &d->traces[(size_t) (handle & SLOT_MASK)];
    emu_op_list_free(&t->ops);
    t->used = false;
    t->ended = false;
    t->generation++;
}

static btt_status device_open(const btt_device_config *config, btt_device **out) {
    if (out == NULL) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "btt_device_open: out is NULL");
    }
    *out = NULL;
    btt_device_config c;
    memset(&c, 0, sizeof c);
    if (config != NULL) {
        if (config->struct_size < sizeof(uint32_t)) {
            return emu_fail(BTT_ERR_INVALID_ARGUMENT, "btt_device_open: config.struct_size %u is too small",
                            config->struct_size);
        }
        /* An older caller's shorter struct leaves the newer fields at their defaults. */
        size_t n = config->struct_size < sizeof c ? config->struct_size : sizeof c;
        memcpy(&c, config, n);
    }
    if (c.device_id != 0) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT,
                        "btt_device_open: device_id %d does not exist (the emulator has one device, id 0)", c.device_id);
    }
    if (open_count == open_capacity) {
        size_t grown = open_capacity == 0 ? 4 : open_capacity * 2;
        btt_device **bigger = realloc(open_devices, grown * sizeof *bigger);
        if (bigger == NULL) {
            return emu_fail(BTT_ERR_OUT_OF_MEMORY, "btt_device_open: host memory exhausted");
        }
        open_devices = bigger;
        open_capacity = grown;
    }
    btt_device *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return emu_fail(BTT_ERR_OUT_OF_MEMORY, "btt_device_open: host memory exhausted");
    }
    d->serial = next_serial;
    next_serial = next_serial >= SERIAL_MASK ? 1 : next_serial + 1;
    d->count_only = (c.flags & BTT_FLAG_COUNT_ONLY) != 0;
    d->cores = c.cores != 0 ? c.cores : DEFAULT_CORES;
    d->l1_bytes_per_core = c.l1_bytes_per_core != 0 ? c.l1_bytes_per_core : DEFAULT_L1_BYTES_PER_CORE;
    d->dram_capacity = c.dram_bytes != 0 ? c.dram_bytes : DEFAULT_DRAM_BYTES;
    d->l1_capacity = d->l1_bytes_per_core * d->cores;
    open_devices[open_count++] = d;
    *out = d;
    return BTT_OK;
}

btt_status btt_device_open(const btt_device_config *config, btt_device **out) {
    emu_lock();
    btt_status st = device_open(config, out);
    emu_unlock();
    return st;
}

static btt_status device_close(btt_device *device) {
    btt_status st = emu_device_check(device, "btt_device_close");
    if (st != BTT_OK) {
        return st;
    }
    /* Queued ops are dropped, as closing a real device abandons its command queue. */
    emu_op_list_free(&device->queue);
    for (size_t i = 0; i < device->tensor_slots; i++) {
        if (device->tensors[i].used) {
            emu_release_storage(device, &device->tensors[i].tensor);
        }
    }
    for (size_t i = 0; i < device->trace_slots; i++) {
        emu_op_list_free(&device->traces[i].ops);
    }
    free(device->tensors);
    free(device->traces);
    for (size_t i = 0; i < open_count; i++) {
        if (open_devices[i] == device) {
            open_devices[i] = open_devices[--open_count];
            break;
        }
    }
    if (open_count == 0) {
        free(open_devices);
        open_devices = NULL;
        open_capacity = 0;
    }
    free(device);
    return BTT_OK;
}

btt_status btt_device_close(btt_device *device) {
    emu_lock();
    btt_status st = device_close(device);
    emu_unlock();
    return st;
}

static btt_status device_info(btt_device *device, btt_device_info *out) {
    btt_status st = emu_device_check(device, "btt_device_info_get");
    if (st != BTT_OK) {
        return st;
    }
    if (out == NULL) {
        return emu_fail(BTT_ERR_INVALID_ARGUMENT, "btt_device_info_get: out is NULL");
    }
    memset(out, 0, sizeof *out);
    strcpy(out->arch, "emulator");
    out->cores = device->cores;
    out->dram_bytes = device->dram_capacity;
    out->l1_bytes_per_core = device->l1_bytes_per_core;
    return BTT_OK;
}

btt_status btt_device_info_get(btt_device *device, btt_device_info *out) {
    emu_lock();
    btt_status st = device_info(device, out);
    emu_unlock();
    return st;
}
