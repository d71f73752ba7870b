#include "eventfd.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "args.h"
#include "errors.h"

namespace nic {

namespace {

// eventfdCreate(initval, semaphore, nonblock) -> fd
Napi::Value EventfdCreate(const Napi::CallbackInfo& info) {
  uint64_t initval;
  bool semaphore, nonblock;
  if (!ArgUint(info, 0, "eventfd initval", UINT32_MAX, &initval) || !ArgBool(info, 1, "eventfd semaphore", &semaphore) ||
      !ArgBool(info, 2, "eventfd nonblock", &nonblock)) {
    return Napi::Value();
  }
  int flags = EFD_CLOEXEC | (semaphore ? EFD_SEMAPHORE : 0) | (nonblock ? EFD_NONBLOCK : 0);
  int fd = eventfd(static_cast<unsigned int>(initval), flags);
  if (fd < 0) {
    int err = errno;
    ThrowErrno(info.Env(), err, "eventfd", "creating an eventfd");
    return Napi::Value();
  }
  return Napi::Number::New(info.Env(), fd);
}

// eventfdRead(fd) -> counter (1 in semaphore mode), or 0 when a non-blocking fd had none.
Napi::Value EventfdRead(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, "read", &fd)) return Napi::Value();
  uint64_t value;
  ssize_t got;
  do {
    got = read(fd, &value, sizeof(value));
  } while (got < 0 && errno == EINTR);
  if (got < 0 && errno == EAGAIN) return Napi::Number::New(info.Env(), 0);
  if (got != static_cast<ssize_t>(sizeof(value))) {
    int err = got < 0 ? errno : EIO;
    ThrowErrno(info.Env(), err, "read", "reading eventfd " + std::to_string(fd));
    return Napi::Value();
  }
  return Napi::Number::New(info.Env(), static_cast<double>(value));
}

// eventfdWrite(fd, n): adds n to the counter.
Napi::Value EventfdWrite(const Napi::CallbackInfo& info) {
  int fd;
  uint64_t value;
  if (!ArgFd(info, 0, "write", &fd) || !ArgUint(info, 1, "eventfdWrite value", kMaxSafeInteger, &value)) {
    return Napi::Value();
  }
  ssize_t put;
  do {
    put = write(fd, &value, sizeof(value));
  } while (put < 0 && errno == EINTR);
  if (put != static_cast<ssize_t>(sizeof(value))) {
    int err = put < 0 ? errno : EIO;
    ThrowErrno(info.Env(), err, "write", "adding " + std::to_string(value) + " to eventfd " + std::to_string(fd));
    return Napi::Value();
  }
  return info.Env().Undefined();
}

}  // namespace

void InitEventfd(Napi::Env env, Napi::Object exports) {
  exports.Set("eventfdCreate", Napi::Function::New(env, EventfdCreate, "eventfdCreate"));
  exports.Set("eventfdRead", Napi::Function::New(env, EventfdRead, "eventfdRead"));
  exports.Set("eventfdWrite", Napi::Function::New(env, EventfdWrite, "eventfdWrite"));
}

}  // namespace nic
