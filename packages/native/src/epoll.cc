#include "epoll.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"

namespace nic {

namespace {

// Most events one wait reports; an epoll set may hold more fds, they come in later waits.
constexpr size_t kMaxEvents = 1024;

bool ArgTimeout(const Napi::CallbackInfo& info, size_t i, int* out) {
  int64_t timeout;
  if (!ArgInt(info, i, "epoll timeoutMs", -1, INT_MAX, &timeout)) return false;
  *out = static_cast<int>(timeout);
  return true;
}

// Waits on `epfd` and writes the ready fds to `out` (at most `capacity`); returns the count,
// 0 on timeout or when a signal interrupted the wait, -1 after throwing.
int Wait(Napi::Env env, int epfd, int32_t* out, size_t capacity, int timeout) {
  epoll_event events[kMaxEvents];
  int count = epoll_wait(epfd, events, static_cast<int>(std::min(capacity, kMaxEvents)), timeout);
  if (count < 0) {
    if (errno == EINTR) return 0;
    int err = errno;
    ThrowErrno(env, err, "epoll_wait", "waiting on epoll fd " + std::to_string(epfd));
    return -1;
  }
  for (int k = 0; k < count; k++) out[k] = events[k].data.fd;
  return count;
}

bool Add(Napi::Env env, int epfd, int fd) {
  epoll_event event = {};
  event.events = EPOLLIN;
  event.data.fd = fd;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) == 0) return true;
  int err = errno;
  ThrowErrno(env, err, "epoll_ctl", "adding fd " + std::to_string(fd) + " to epoll fd " + std::to_string(epfd));
  return false;
}

// epollCreate() -> epoll fd
Napi::Value EpollCreate(const Napi::CallbackInfo& info) {
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    int err = errno;
    ThrowErrno(info.Env(), err, "epoll_create1", "creating an epoll fd");
    return Napi::Value();
  }
  return Napi::Number::New(info.Env(), epfd);
}

// epollAdd(epfd, fd): watch fd for readability.
Napi::Value EpollAdd(const Napi::CallbackInfo& info) {
  int epfd, fd;
  if (!ArgFd(info, 0, "epoll_ctl", &epfd) || !ArgFd(info, 1, "epoll_ctl", &fd) || !Add(info.Env(), epfd, fd)) {
    return Napi::Value();
  }
  return info.Env().Undefined();
}

// epollRemove(epfd, fd)
Napi::Value EpollRemove(const Napi::CallbackInfo& info) {
  int epfd, fd;
  if (!ArgFd(info, 0, "epoll_ctl", &epfd) || !ArgFd(info, 1, "epoll_ctl", &fd)) return Napi::Value();
  if (epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nullptr) != 0) {
    int err = errno;
    ThrowErrno(info.Env(), err, "epoll_ctl",
               "removing fd " + std::to_string(fd) + " from epoll fd " + std::to_string(epfd));
    return Napi::Value();
  }
  return info.Env().Undefined();
}

// epollWait(epfd, out: Int32Array, timeoutMs) -> number of ready fds written to out
Napi::Value EpollWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int epfd, timeout;
  if (!ArgFd(info, 0, "epoll_wait", &epfd)) return Napi::Value();
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    ThrowType(env, "epollWait out must be an Int32Array");
    return Napi::Value();
  }
  if (!ArgTimeout(info, 2, &timeout)) return Napi::Value();
  Napi::Int32Array out = info[1].As<Napi::Int32Array>();
  if (out.ElementLength() == 0) {
    ThrowNic(env, "NIC_EINVAL", "epollWait: the output array has no room");
    return Napi::Value();
  }
  int count = Wait(env, epfd, out.Data(), out.ElementLength(), timeout);
  return count < 0 ? Napi::Value() : Napi::Number::New(env, count);
}

// epollWaitFds(fds, timeoutMs) -> ready fds: a one-off set, built and closed per call.
Napi::Value EpollWaitFds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<int64_t> fds;
  int timeout;
  if (!ArgIntArray(info, 0, "epollWait fds", kMaxEvents, 0, INT_MAX, &fds) || !ArgTimeout(info, 1, &timeout)) {
    return Napi::Value();
  }
  if (fds.empty()) {
    ThrowNic(env, "NIC_EINVAL", "epollWait: no fds to wait on");
    return Napi::Value();
  }
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    int err = errno;
    ThrowErrno(env, err, "epoll_create1", "creating an epoll fd");
    return Napi::Value();
  }
  std::vector<int32_t> ready(fds.size());
  int count = -1;
  bool added = true;
  for (int64_t fd : fds) {
    if (!Add(env, epfd, static_cast<int>(fd))) {
      added = false;
      break;
    }
  }
  if (added) count = Wait(env, epfd, ready.data(), ready.size(), timeout);
  close(epfd);
  if (count < 0) return Napi::Value();
  Napi::Array result = Napi::Array::New(env, count);
  for (int k = 0; k < count; k++) result.Set(k, ready[k]);
  return result;
}

}  // namespace

void InitEpoll(Napi::Env env, Napi::Object exports) {
  exports.Set("epollCreate", Napi::Function::New(env, EpollCreate, "epollCreate"));
  exports.Set("epollAdd", Napi::Function::New(env, EpollAdd, "epollAdd"));
  exports.Set("epollRemove", Napi::Function::New(env, EpollRemove, "epollRemove"));
  exports.Set("epollWait", Napi::Function::New(env, EpollWait, "epollWait"));
  exports.Set("epollWaitFds", Napi::Function::New(env, EpollWaitFds, "epollWaitFds"));
}

}  // namespace nic
