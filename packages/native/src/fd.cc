#include "fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "args.h"
#include "errors.h"
#include "vfio.h"
#include "watcher.h"

namespace nic {

namespace {

// close(fd): stops this thread's watchers of the fd first (see UnwatchFd), and lets go of
// memory held for a VFIO container's DMA mappings (see ReleaseDmaPins).
Napi::Value Close(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, "close", &fd)) return Napi::Value();
  UnwatchFd(info.Env(), fd);
  ReleaseDmaPins(fd);
  // Linux releases the descriptor even when close reports EINTR, so it is never retried.
  if (close(fd) != 0 && errno != EINTR) {
    int err = errno;
    ThrowErrno(info.Env(), err, "close", "fd " + std::to_string(fd));
    return Napi::Value();
  }
  return info.Env().Undefined();
}

// pread(fd, buf, offset) and pwrite(fd, buf, offset) -> bytes transferred
template <bool kWrite>
Napi::Value Transfer(const Napi::CallbackInfo& info) {
  const char* syscall = kWrite ? "pwrite" : "pread";
  int fd;
  uint8_t* data;
  size_t length;
  uint64_t offset;
  if (!ArgFd(info, 0, syscall, &fd) || !ArgBytes(info, 1, kWrite ? "pwrite data" : "pread buffer", &data, &length) ||
      !ArgUint(info, 2, kWrite ? "pwrite offset" : "pread offset", kMaxSafeInteger, &offset)) {
    return Napi::Value();
  }
  ssize_t done;
  do {
    done = kWrite ? pwrite(fd, data, length, static_cast<off_t>(offset))
                  : pread(fd, data, length, static_cast<off_t>(offset));
  } while (done < 0 && errno == EINTR);
  if (done < 0) {
    int err = errno;
    ThrowErrno(info.Env(), err, syscall,
               "fd " + std::to_string(fd) + ", " + std::to_string(length) + " bytes at offset " + Hex(offset));
    return Napi::Value();
  }
  return Napi::Number::New(info.Env(), static_cast<double>(done));
}

// pipe(nonblock) -> [readFd, writeFd]
Napi::Value Pipe(const Napi::CallbackInfo& info) {
  bool nonblock;
  if (!ArgBool(info, 0, "pipe nonblock", &nonblock)) return Napi::Value();
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0)) != 0) {
    int err = errno;
    ThrowErrno(info.Env(), err, "pipe2", "creating a pipe");
    return Napi::Value();
  }
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Number::New(info.Env(), fds[0]));
  out.Set(1u, Napi::Number::New(info.Env(), fds[1]));
  return out;
}

}  // namespace

void InitFd(Napi::Env env, Napi::Object exports) {
  exports.Set("close", Napi::Function::New(env, Close, "close"));
  exports.Set("pread", Napi::Function::New(env, Transfer<false>, "pread"));
  exports.Set("pwrite", Napi::Function::New(env, Transfer<true>, "pwrite"));
  exports.Set("pipe", Napi::Function::New(env, Pipe, "pipe"));
}

}  // namespace nic
