// A UIO device reads as a 32-bit interrupt count (blocking until the next interrupt unless
// the fd is non-blocking) and takes a 32-bit 0 or 1 to disable or enable the interrupt.
#include "uio.h"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "args.h"
#include "errors.h"

namespace nic {

namespace {

// uioRead(fd) -> total interrupt count, or -1 when a non-blocking fd has no new interrupt.
Napi::Value UioRead(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, "read", &fd)) return Napi::Value();
  uint32_t count;
  ssize_t got;
  do {
    got = read(fd, &count, sizeof(count));
  } while (got < 0 && errno == EINTR);
  if (got < 0 && errno == EAGAIN) return Napi::Number::New(info.Env(), -1);
  if (got != static_cast<ssize_t>(sizeof(count))) {
    int err = got < 0 ? errno : EIO;
    ThrowErrno(info.Env(), err, "read", "reading the interrupt count of UIO fd " + std::to_string(fd));
    return Napi::Value();
  }
  return Napi::Number::New(info.Env(), count);
}

// uioWrite(fd, enable): true or 1 enables the interrupt, false or 0 disables it.
Napi::Value UioWrite(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, "write", &fd)) return Napi::Value();
  uint64_t number = 0;
  bool enable = false;
  if (info[1].IsNumber() ? !ArgUint(info, 1, "uioWrite enable", 1, &number)
                         : !ArgBool(info, 1, "uioWrite enable", &enable)) {
    return Napi::Value();
  }
  enable = enable || number == 1;
  uint32_t value = enable ? 1 : 0;
  ssize_t put;
  do {
    put = write(fd, &value, sizeof(value));
  } while (put < 0 && errno == EINTR);
  if (put != static_cast<ssize_t>(sizeof(value))) {
    int err = put < 0 ? errno : EIO;
    ThrowErrno(info.Env(), err, "write",
               std::string(enable ? "enabling" : "disabling") + " the interrupt of UIO fd " + std::to_string(fd));
    return Napi::Value();
  }
  return info.Env().Undefined();
}

}  // namespace

void InitUio(Napi::Env env, Napi::Object exports) {
  exports.Set("uioRead", Napi::Function::New(env, UioRead, "uioRead"));
  exports.Set("uioWrite", Napi::Function::New(env, UioWrite, "uioWrite"));
}

}  // namespace nic
