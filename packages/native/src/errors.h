// Turning failures into JavaScript exceptions: a NicError (built by the factory addon.ts
// registers) for refused system calls and invalid values, a TypeError for wrong types.
#pragma once

#include <napi.h>

#include <string>

namespace nic {

// The NicError code for a kernel errno.
const char* CodeForErrno(int err);

// A NicError value for a system call that failed with `err`; `what` names the object.
Napi::Value ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& what);

// Throws ErrnoError(...) as a pending JavaScript exception.
void ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& what);

// Throws a NicError that no errno explains (an argument out of its domain, a missing object).
void ThrowNic(Napi::Env env, const char* code, const std::string& message);

// Throws a TypeError: the caller passed the wrong kind of value.
void ThrowType(Napi::Env env, const std::string& message);

// The `setErrorFactory(fn)` export.
Napi::Value SetErrorFactory(const Napi::CallbackInfo& info);

}  // namespace nic
