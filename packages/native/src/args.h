// Checking JavaScript arguments before they reach a system call. Each helper returns false
// after throwing: a TypeError for a value of the wrong kind, a NicError (NIC_EINVAL) for a
// number outside its domain. Callers return at once when a helper fails.
//
// The rule for every export (the package README's "rule for native code"): read every
// argument that can run JavaScript first (ArgIntArray reads elements, and an element may be a
// getter that detaches or shrinks a buffer), and take raw pointers into buffers (ArgBytes)
// last; validate a value once, copy it, and use only the copy (a shared buffer can change
// between the check and the use); never throw or call into JavaScript with the registry
// mutex held; capture errno into a local before building a message.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace nic {

// Largest integer a JavaScript number holds exactly: 2^53 - 1.
constexpr uint64_t kMaxSafeInteger = (uint64_t{1} << 53) - 1;

// An integer in [min, max]. `name` appears in the error message ("mapFile length").
bool ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min, int64_t max,
            int64_t* out);

// A non-negative integer no larger than `max` (at most kMaxSafeInteger).
bool ArgUint(const Napi::CallbackInfo& info, size_t i, const char* name, uint64_t max,
             uint64_t* out);

// A file descriptor: a non-negative int. A negative one is a NicError with errno EBADF,
// attributed to `syscall`.
bool ArgFd(const Napi::CallbackInfo& info, size_t i, const char* syscall, int* out);

bool ArgBool(const Napi::CallbackInfo& info, size_t i, const char* name, bool* out);

bool ArgString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out);

// A file system path: a string without NUL (the kernel would read only up to it, another
// file than the caller named). NIC_EINVAL otherwise.
bool ArgPath(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out);

// The bytes of a Uint8Array (including Buffer); `data` may be null when `length` is 0.
bool ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name, uint8_t** data,
              size_t* length);

// An array of at most `maxCount` integers in [min, max].
bool ArgIntArray(const Napi::CallbackInfo& info, size_t i, const char* name, size_t maxCount,
                 int64_t min, int64_t max, std::vector<int64_t>* out);

// Numbers in messages and addresses in hexadecimal.
std::string Hex(uint64_t value);

}  // namespace nic
