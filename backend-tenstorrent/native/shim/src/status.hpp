// Error plumbing of the shim: C++ code throws ShimError (or anything else), and the extern "C"
// entry points convert it into a btt_status plus a thread-local message. Nothing escapes the C ABI.
#pragma once

#include <cstdint>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

#include "bitnet_tt.h"

namespace bttshim {

class ShimError : public std::runtime_error {
public:
    ShimError(btt_status status, std::string message)
        : std::runtime_error(std::move(message)), status_(status) {}
    btt_status status() const noexcept { return status_; }

private:
    btt_status status_;
};

[[noreturn]] inline void fail(btt_status status, const std::string& message) { throw ShimError(status, message); }

inline void require(bool condition, const std::string& message) {
    if (!condition) fail(BTT_ERR_INVALID_ARGUMENT, message);
}

/* The message of the calling thread's last failure. */
std::string& last_error_slot();

/*
 * Runs body, returning BTT_OK or the status of what it threw. TT-NN reports device and validation
 * failures as std::runtime_error (TT_FATAL / TT_THROW); those are mapped to BTT_ERR_DEVICE, unless the
 * message says the allocator ran out of space, which becomes BTT_ERR_OUT_OF_MEMORY.
 */
template <typename Body>
btt_status guarded(const char* function, Body&& body) noexcept {
    try {
        body();
        return BTT_OK;
    } catch (const ShimError& e) {
        last_error_slot() = std::string(function) + ": " + e.what();
        return e.status();
    } catch (const std::bad_alloc&) {
        last_error_slot() = std::string(function) + ": host memory exhausted";
        return BTT_ERR_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        std::string what = e.what();
        last_error_slot() = std::string(function) + ": TT-NN: " + what;
        bool oom = what.find("Out of Memory") != std::string::npos ||
                   what.find("out of memory") != std::string::npos ||
                   what.find("Not enough space") != std::string::npos;
        return oom ? BTT_ERR_OUT_OF_MEMORY : BTT_ERR_DEVICE;
    } catch (...) {
        last_error_slot() = std::string(function) + ": unknown C++ exception";
        return BTT_ERR_DEVICE;
    }
}

}  // namespace bttshim
