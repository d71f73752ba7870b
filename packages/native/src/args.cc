#include "args.h"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>

#include "errors.h"

namespace nic {

namespace {

std::string Describe(double value) {
  char text[64];
  snprintf(text, sizeof(text), "%.17g", value);
  return text;
}

bool IsIntegral(double value) { return std::isfinite(value) && std::trunc(value) == value; }

}  // namespace

bool ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min, int64_t max,
            int64_t* out) {
  Napi::Env env = info.Env();
  if (!info[i].IsNumber()) {
    ThrowType(env, std::string(name) + " must be a number");
    return false;
  }
  double value = info[i].As<Napi::Number>().DoubleValue();
  if (!IsIntegral(value) || value < static_cast<double>(min) || value > static_cast<double>(max)) {
    ThrowNic(env, "NIC_EINVAL",
             std::string(name) + " must be an integer in [" + std::to_string(min) + ", " +
                 std::to_string(max) + "], got " + Describe(value));
    return false;
  }
  *out = static_cast<int64_t>(value);
  return true;
}

bool ArgUint(const Napi::CallbackInfo& info, size_t i, const char* name, uint64_t max,
             uint64_t* out) {
  int64_t value;
  if (!ArgInt(info, i, name, 0, static_cast<int64_t>(max), &value)) return false;
  *out = static_cast<uint64_t>(value);
  return true;
}

bool ArgFd(const Napi::CallbackInfo& info, size_t i, const char* syscall, int* out) {
  Napi::Env env = info.Env();
  if (!info[i].IsNumber()) {
    ThrowType(env, std::string(syscall) + ": the file descriptor must be a number");
    return false;
  }
  double value = info[i].As<Napi::Number>().DoubleValue();
  if (!IsIntegral(value) || value > INT_MAX) {
    ThrowNic(env, "NIC_EINVAL",
             std::string(syscall) + ": " + Describe(value) + " is not a file descriptor");
    return false;
  }
  if (value < 0) {
    ThrowErrno(env, EBADF, syscall, "fd " + Describe(value));
    return false;
  }
  *out = static_cast<int>(value);
  return true;
}

bool ArgBool(const Napi::CallbackInfo& info, size_t i, const char* name, bool* out) {
  if (!info[i].IsBoolean()) {
    ThrowType(info.Env(), std::string(name) + " must be a boolean");
    return false;
  }
  *out = info[i].As<Napi::Boolean>().Value();
  return true;
}

bool ArgString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out) {
  if (!info[i].IsString()) {
    ThrowType(info.Env(), std::string(name) + " must be a string");
    return false;
  }
  *out = info[i].As<Napi::String>().Utf8Value();
  return true;
}

bool ArgPath(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out) {
  if (!ArgString(info, i, name, out)) return false;
  if (out->find('\0') != std::string::npos) {
    ThrowNic(info.Env(), "NIC_EINVAL", std::string(name) + " holds a NUL byte");
    return false;
  }
  return true;
}

bool ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name, uint8_t** data,
              size_t* length) {
  if (!info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowType(info.Env(), std::string(name) + " must be a Uint8Array");
    return false;
  }
  Napi::Uint8Array bytes = info[i].As<Napi::Uint8Array>();
  *data = bytes.Data();
  *length = bytes.ByteLength();
  return true;
}

bool ArgIntArray(const Napi::CallbackInfo& info, size_t i, const char* name, size_t maxCount,
                 int64_t min, int64_t max, std::vector<int64_t>* out) {
  Napi::Env env = info.Env();
  if (!info[i].IsArray()) {
    ThrowType(env, std::string(name) + " must be an array of numbers");
    return false;
  }
  Napi::Array array = info[i].As<Napi::Array>();
  uint32_t count = array.Length();
  if (count > maxCount) {
    ThrowNic(env, "NIC_EINVAL",
             std::string(name) + " holds " + std::to_string(count) + " entries, at most " +
                 std::to_string(maxCount) + " are allowed");
    return false;
  }
  out->clear();
  for (uint32_t k = 0; k < count; k++) {
    Napi::Value item = array.Get(k);
    if (env.IsExceptionPending()) return false;
    if (!item.IsNumber()) {
      ThrowType(env, std::string(name) + "[" + std::to_string(k) + "] must be a number");
      return false;
    }
    double value = item.As<Napi::Number>().DoubleValue();
    if (!IsIntegral(value) || value < static_cast<double>(min) || value > static_cast<double>(max)) {
      ThrowNic(env, "NIC_EINVAL",
               std::string(name) + "[" + std::to_string(k) + "] must be an integer in [" +
                   std::to_string(min) + ", " + std::to_string(max) + "], got " + Describe(value));
      return false;
    }
    out->push_back(static_cast<int64_t>(value));
  }
  return true;
}

std::string Hex(uint64_t value) {
  char text[32];
  snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace nic
