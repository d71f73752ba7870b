// Every socket is non-blocking and close-on-exec. "Would block" is a normal outcome for a
// non-blocking socket, so it is returned as -1 rather than thrown.
#include "unix_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"

namespace nic {

namespace {

// The kernel's limit on descriptors in one SCM_RIGHTS message (SCM_MAX_FD).
constexpr size_t kMaxFds = 253;
constexpr int kSockFlags = SOCK_NONBLOCK | SOCK_CLOEXEC;

// Socket type from its name: "stream" or "seqpacket". Returns 0 after throwing.
int ArgType(const Napi::CallbackInfo& info, size_t i) {
  std::string type;
  if (!ArgString(info, i, "unix socket type", &type)) return 0;
  if (type == "stream") return SOCK_STREAM;
  if (type == "seqpacket") return SOCK_SEQPACKET;
  ThrowNic(info.Env(), "NIC_EINVAL", "unix socket type must be 'stream' or 'seqpacket', got '" + type + "'");
  return 0;
}

bool ArgAddress(const Napi::CallbackInfo& info, size_t i, sockaddr_un* addr, std::string* path) {
  if (!ArgString(info, i, "unix socket path", path)) return false;
  if (path->empty() || path->size() >= sizeof(addr->sun_path) || path->find('\0') != std::string::npos) {
    ThrowNic(info.Env(), "NIC_EINVAL",
             "unix socket path '" + *path + "' must hold 1 to " + std::to_string(sizeof(addr->sun_path) - 1) +
                 " bytes and no NUL");
    return false;
  }
  memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  memcpy(addr->sun_path, path->data(), path->size());
  return true;
}

// unixListen(path, type, backlog) -> listening fd
Napi::Value UnixListen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sockaddr_un addr;
  std::string path;
  int64_t backlog;
  if (!ArgAddress(info, 0, &addr, &path)) return Napi::Value();
  int type = ArgType(info, 1);
  if (type == 0 || !ArgInt(info, 2, "unixListen backlog", 1, INT_MAX, &backlog)) return Napi::Value();
  int fd = socket(AF_UNIX, type | kSockFlags, 0);
  if (fd < 0) {
    int err = errno;
    ThrowErrno(env, err, "socket", "creating a unix socket for " + path);
    return Napi::Value();
  }
  const char* failed = nullptr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    failed = "bind";
  } else if (listen(fd, static_cast<int>(backlog)) != 0) {
    failed = "listen";
  }
  if (failed != nullptr) {
    int err = errno;
    close(fd);
    ThrowErrno(env, err, failed, "listening on unix socket " + path);
    return Napi::Value();
  }
  return Napi::Number::New(env, fd);
}

// unixAccept(fd) -> connected fd, or -1 when no connection is pending.
Napi::Value UnixAccept(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, "accept4", &fd)) return Napi::Value();
  int conn;
  do {
    conn = accept4(fd, nullptr, nullptr, kSockFlags);
  } while (conn < 0 && errno == EINTR);
  if (conn < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Napi::Number::New(info.Env(), -1);
  if (conn < 0) {
    int err = errno;
    ThrowErrno(info.Env(), err, "accept4", "accepting on fd " + std::to_string(fd));
    return Napi::Value();
  }
  return Napi::Number::New(info.Env(), conn);
}

// unixConnect(path, type) -> connected fd
Napi::Value UnixConnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sockaddr_un addr;
  std::string path;
  if (!ArgAddress(info, 0, &addr, &path)) return Napi::Value();
  int type = ArgType(info, 1);
  if (type == 0) return Napi::Value();
  int fd = socket(AF_UNIX, type | kSockFlags, 0);
  if (fd < 0) {
    int err = errno;
    ThrowErrno(env, err, "socket", "creating a unix socket for " + path);
    return Napi::Value();
  }
  int rc;
  do {
    rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    // EAGAIN here means the listener's backlog is full: thrown, the caller may retry.
    int err = errno;
    close(fd);
    ThrowErrno(env, err, "connect", "connecting to unix socket " + path);
    return Napi::Value();
  }
  return Napi::Number::New(env, fd);
}

// unixSendmsg(fd, data, fds) -> bytes sent, or -1 when the socket buffer is full.
Napi::Value UnixSendmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  uint8_t* data;
  size_t length;
  std::vector<int64_t> fds;
  // Reading the fds array can run JavaScript (getters), which could detach `data`: it is read
  // first, and the data pointer taken last (see the README's rule on raw pointers).
  if (!ArgFd(info, 0, "sendmsg", &fd) || !ArgIntArray(info, 2, "unixSendmsg fds", kMaxFds, 0, INT_MAX, &fds) ||
      !ArgBytes(info, 1, "unixSendmsg data", &data, &length)) {
    return Napi::Value();
  }
  // A stream socket sends nothing, descriptors included, for an empty message.
  if (!fds.empty() && length == 0) {
    ThrowNic(env, "NIC_EINVAL", "unixSendmsg: passing fds needs at least one byte of data");
    return Napi::Value();
  }
  iovec iov = {data, length};
  msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  if (!fds.empty()) {
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    int* slots = reinterpret_cast<int*>(CMSG_DATA(cmsg));
    for (size_t k = 0; k < fds.size(); k++) {
      int value = static_cast<int>(fds[k]);
      memcpy(slots + k, &value, sizeof(value));
    }
  }
  ssize_t sent;
  do {
    sent = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Napi::Number::New(env, -1);
  if (sent < 0) {
    int err = errno;
    ThrowErrno(env, err, "sendmsg",
               "sending " + std::to_string(length) + " bytes and " + std::to_string(fds.size()) + " fds on fd " +
                   std::to_string(fd));
    return Napi::Value();
  }
  return Napi::Number::New(env, static_cast<double>(sent));
}

// unixRecvmsg(fd, buf, maxFds) -> { bytes, fds, fdsTruncated, truncated }; bytes is -1 when
// nothing is waiting and 0 when the peer closed. `truncated`: a datagram or seqpacket message
// was longer than buf and its rest is lost. An empty buf is refused: 0 bytes must mean EOF.
Napi::Value UnixRecvmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  uint8_t* data;
  size_t length;
  uint64_t maxFds;
  if (!ArgFd(info, 0, "recvmsg", &fd) || !ArgBytes(info, 1, "unixRecvmsg buffer", &data, &length) ||
      !ArgUint(info, 2, "unixRecvmsg maxFds", kMaxFds, &maxFds)) {
    return Napi::Value();
  }
  if (length == 0) {
    ThrowNic(env, "NIC_EINVAL", "unixRecvmsg: the buffer must hold at least one byte (0 bytes read means the peer closed)");
    return Napi::Value();
  }
  iovec iov = {data, length};
  msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  // The kernel fills as many descriptors as msg_controllen holds; CMSG_LEN (not the padded
  // CMSG_SPACE) makes that exactly maxFds.
  std::vector<char> control(maxFds > 0 ? CMSG_SPACE(sizeof(int) * maxFds) : 0);
  msg.msg_control = maxFds > 0 ? control.data() : nullptr;
  msg.msg_controllen = maxFds > 0 ? CMSG_LEN(sizeof(int) * maxFds) : 0;
  ssize_t got;
  do {
    got = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  } while (got < 0 && errno == EINTR);
  if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
    int err = errno;
    ThrowErrno(env, err, "recvmsg", "receiving on fd " + std::to_string(fd));
    return Napi::Value();
  }
  Napi::Object result = Napi::Object::New(env);
  Napi::Array received = Napi::Array::New(env);
  if (got >= 0) {
    uint32_t count = 0;
    for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
      if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
      size_t n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      const unsigned char* slots = CMSG_DATA(cmsg);
      for (size_t k = 0; k < n; k++) {
        int value;
        memcpy(&value, slots + k * sizeof(int), sizeof(value));
        received.Set(count++, value);
      }
    }
  }
  result.Set("bytes", Napi::Number::New(env, got < 0 ? -1 : static_cast<double>(got)));
  result.Set("fds", received);
  // The kernel closes the descriptors that did not fit; the caller learns they were lost.
  result.Set("fdsTruncated", Napi::Boolean::New(env, got >= 0 && (msg.msg_flags & MSG_CTRUNC) != 0));
  result.Set("truncated", Napi::Boolean::New(env, got >= 0 && (msg.msg_flags & MSG_TRUNC) != 0));
  return result;
}

}  // namespace

void InitUnixSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("unixListen", Napi::Function::New(env, UnixListen, "unixListen"));
  exports.Set("unixAccept", Napi::Function::New(env, UnixAccept, "unixAccept"));
  exports.Set("unixConnect", Napi::Function::New(env, UnixConnect, "unixConnect"));
  exports.Set("unixSendmsg", Napi::Function::New(env, UnixSendmsg, "unixSendmsg"));
  exports.Set("unixRecvmsg", Napi::Function::New(env, UnixRecvmsg, "unixRecvmsg"));
}

}  // namespace nic
