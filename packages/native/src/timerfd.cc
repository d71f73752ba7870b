#include "timerfd.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "args.h"
#include "errors.h"

namespace nic {

namespace {

constexpr uint64_t kMicrosPerSecond = 1000000;
constexpr uint64_t kNanosPerMicro = 1000;

timespec ToTimespec(uint64_t us) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(us / kMicrosPerSecond);
  ts.tv_nsec = static_cast<long>(us % kMicrosPerSecond * kNanosPerMicro);
  return ts;
}

// timerfdCreate() -> fd: CLOCK_MONOTONIC, non-blocking, close-on-exec.
Napi::Value TimerfdCreate(const Napi::CallbackInfo& info) {
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    ThrowErrno(info.Env(), err, "timerfd_create", "creating a CLOCK_MONOTONIC timerfd");
    return Napi::Value();
  }
  return Napi::Number::New(info.Env(), fd);
}

// timerfdSettime(fd, initialUs, intervalUs): initialUs 0 disarms; intervalUs 0 fires once.
Napi::Value TimerfdSettime(const Napi::CallbackInfo& info) {
  int fd;
  uint64_t initial, interval;
  if (!ArgFd(info, 0, "timerfd_settime", &fd) ||
      !ArgUint(info, 1, "timerfdSettime initialUs", kMaxSafeInteger, &initial) ||
      !ArgUint(info, 2, "timerfdSettime intervalUs", kMaxSafeInteger, &interval)) {
    return Napi::Value();
  }
  itimerspec spec;
  spec.it_value = ToTimespec(initial);
  spec.it_interval = ToTimespec(interval);
  if (timerfd_settime(fd, 0, &spec, nullptr) != 0) {
    int err = errno;
    ThrowErrno(info.Env(), err, "timerfd_settime", "arming timerfd " + std::to_string(fd));
    return Napi::Value();
  }
  return info.Env().Undefined();
}

// timerfdRead(fd) -> expirations since the last read, 0 when none.
Napi::Value TimerfdRead(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, "read", &fd)) return Napi::Value();
  uint64_t expirations;
  ssize_t got;
  do {
    got = read(fd, &expirations, sizeof(expirations));
  } while (got < 0 && errno == EINTR);
  if (got < 0 && errno == EAGAIN) return Napi::Number::New(info.Env(), 0);
  if (got != static_cast<ssize_t>(sizeof(expirations))) {
    int err = got < 0 ? errno : EIO;
    ThrowErrno(info.Env(), err, "read", "reading timerfd " + std::to_string(fd));
    return Napi::Value();
  }
  return Napi::Number::New(info.Env(), static_cast<double>(expirations));
}

}  // namespace

void InitTimerfd(Napi::Env env, Napi::Object exports) {
  exports.Set("timerfdCreate", Napi::Function::New(env, TimerfdCreate, "timerfdCreate"));
  exports.Set("timerfdSettime", Napi::Function::New(env, TimerfdSettime, "timerfdSettime"));
  exports.Set("timerfdRead", Napi::Function::New(env, TimerfdRead, "timerfdRead"));
}

}  // namespace nic
