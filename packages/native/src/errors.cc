#include "errors.h"

#include <cerrno>
#include <cstring>

#include "env_data.h"

namespace nic {

const char* CodeForErrno(int err) {
  switch (err) {
    case EINVAL:
    case EBADF:
      return "NIC_EINVAL";
    case ENOMEM:
      return "NIC_ENOMEM";
    case EPERM:
    case EACCES:
      return "NIC_EPERM";
    case ENODEV:
    case ENXIO:
      return "NIC_ENODEV";
    case EBUSY:
    case EADDRINUSE:
      return "NIC_EBUSY";
    case EAGAIN:
      return "NIC_EAGAIN";
    case EEXIST:
      return "NIC_EEXIST";
    case ENOENT:
    case ESRCH:
      return "NIC_ENOENT";
    case ENOTSUP:
      return "NIC_ENOTSUP";
    default:
      return "NIC_EIO";
  }
}

namespace {

// Calls the registered factory; falls back to a plain Error carrying the same properties
// when none is registered (the raw addon used without addon.ts) or the factory throws.
Napi::Value MakeError(Napi::Env env, const char* code, const std::string& message, int err,
                      const char* syscall) {
  Napi::Value errnoValue = err != 0 ? Napi::Number::New(env, err) : env.Undefined();
  Napi::Value syscallValue = syscall != nullptr ? Napi::String::New(env, syscall) : env.Undefined();
  EnvData* data = GetEnvData(env);
  if (data != nullptr && !data->errorFactory.IsEmpty()) {
    Napi::Value made = data->errorFactory.Call(
        {Napi::String::New(env, code), Napi::String::New(env, message), errnoValue, syscallValue});
    if (!env.IsExceptionPending()) return made;
    env.GetAndClearPendingException();
  }
  Napi::Object error = Napi::Error::New(env, message).Value();
  error.Set("code", code);
  error.Set("errno", errnoValue);
  error.Set("syscall", syscallValue);
  return error;
}

void Throw(Napi::Env env, Napi::Value error) { napi_throw(env, error); }

}  // namespace

Napi::Value ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& what) {
  const char* description = strerrordesc_np(err);
  std::string reason = description != nullptr ? description : "errno " + std::to_string(err);
  std::string message = what + ": " + reason + " (" + syscall + ")";
  return MakeError(env, CodeForErrno(err), message, err, syscall);
}

void ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& what) {
  Throw(env, ErrnoError(env, err, syscall, what));
}

void ThrowNic(Napi::Env env, const char* code, const std::string& message) {
  Throw(env, MakeError(env, code, message, 0, nullptr));
}

void ThrowType(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
}

Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) {
    ThrowType(env, "setErrorFactory: the factory must be a function");
    return env.Undefined();
  }
  GetEnvData(env)->errorFactory = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

}  // namespace nic
