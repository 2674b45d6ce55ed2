// Generation-checked handle table: a handle is (generation << 32) | (slot index + 1), so a stale or
// forged handle is detected instead of dereferencing freed memory. Handle 0 is never issued.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "status.hpp"

namespace bttshim {

template <typename T>
class HandleTable {
public:
    uint64_t insert(std::unique_ptr<T> value) {
        uint32_t index;
        if (!free_.empty()) {
            index = free_.back();
            free_.pop_back();
        } else {
            index = static_cast<uint32_t>(slots_.size());
            slots_.emplace_back();
        }
        Slot& slot = slots_[index];
        // Generations come from one process-wide counter, so a handle of another device's table never
        // matches a slot here even when the slot index coincides.
        slot.generation = next_generation();
        slot.value = std::move(value);
        return (static_cast<uint64_t>(slot.generation) << 32) | (static_cast<uint64_t>(index) + 1);
    }

    /* The live value of handle, or nullptr if it is unknown, freed or stale. */
    T* find(uint64_t handle) const {
        uint32_t low = static_cast<uint32_t>(handle & 0xffffffffu);
        uint32_t generation = static_cast<uint32_t>(handle >> 32);
        if (low == 0 || low > slots_.size()) return nullptr;
        const Slot& slot = slots_[low - 1];
        if (slot.generation != generation || !slot.value) return nullptr;
        return slot.value.get();
    }

    T& get(uint64_t handle, const char* what) const {
        T* value = find(handle);
        if (value == nullptr) {
            fail(BTT_ERR_INVALID_HANDLE, std::string(what) + " handle " + std::to_string(handle) +
                                             " is unknown, deallocated or belongs to another device");
        }
        return *value;
    }

    std::unique_ptr<T> erase(uint64_t handle, const char* what) {
        get(handle, what);
        uint32_t index = static_cast<uint32_t>(handle & 0xffffffffu) - 1;
        std::unique_ptr<T> value = std::move(slots_[index].value);
        free_.push_back(index);
        return value;
    }

    template <typename Fn>
    void for_each(Fn&& fn) {
        for (Slot& slot : slots_) {
            if (slot.value) fn(*slot.value);
        }
    }

    void clear() {
        for (Slot& slot : slots_) slot.value.reset();
        free_.clear();
        for (uint32_t i = 0; i < slots_.size(); ++i) free_.push_back(i);
    }

private:
    static uint32_t next_generation() {
        static std::atomic<uint32_t> counter{0};
        uint32_t g = counter.fetch_add(1) + 1;
        return g == 0 ? counter.fetch_add(1) + 1 : g;
    }

    struct Slot {
        uint32_t generation = 0;
        std::unique_ptr<T> value;
    };
    std::vector<Slot> slots_;
    std::vector<uint32_t> free_;
};

}  // namespace bttshim
