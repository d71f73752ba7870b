// Every fd is non-blocking and close-on-exec. Interfaces are created without IFF_PERSIST, so
// the kernel deletes one when its last queue fd is closed. Frames carry no packet-information
// prefix (IFF_NO_PI): one read() returns one Ethernet frame, one write() sends one.
#include "tap.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "args.h"
#include "errors.h"
#include "netif.h"

namespace nic {

namespace {

constexpr const char* kTunPath = "/dev/net/tun";
// Most frames one burst call moves; bursts are tens of frames.
constexpr int64_t kMaxBurst = 4096;
// Largest frame a TAP queue delivers: the largest MTU (65535) and an Ethernet header with two
// VLAN tags.
constexpr size_t kMaxFrame = 65535 + 22;

// A Uint16Array or Uint32Array argument of frame lengths.
struct Lengths {
  void* data = nullptr;
  bool wide = false;
  size_t count = 0;

  uint32_t Get(size_t k) const {
    return wide ? static_cast<uint32_t*>(data)[k] : static_cast<uint16_t*>(data)[k];
  }
  // Stores `value`, saturated at 65535 in a Uint16Array.
  void Set(size_t k, uint32_t value) const {
    if (wide) {
      static_cast<uint32_t*>(data)[k] = value;
    } else {
      static_cast<uint16_t*>(data)[k] = static_cast<uint16_t>(value > UINT16_MAX ? UINT16_MAX : value);
    }
  }
};

// The type, element count and data of typed array argument `i`, or false when it is none.
bool TypedArrayInfo(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type* type, size_t* count,
                    void** data) {
  if (!info[i].IsTypedArray()) return false;
  // napi_get_typedarray_info gives the data pointer of SharedArrayBuffer-backed arrays too.
  return napi_get_typedarray_info(info.Env(), info[i], type, count, data, nullptr, nullptr) == napi_ok;
}

bool ArgLengths(const Napi::CallbackInfo& info, size_t i, const char* name, Lengths* out) {
  napi_typedarray_type type;
  if (TypedArrayInfo(info, i, &type, &out->count, &out->data) &&
      (type == napi_uint16_array || type == napi_uint32_array)) {
    out->wide = type == napi_uint32_array;
    return true;
  }
  ThrowType(info.Env(), std::string(name) + " must be a Uint16Array or a Uint32Array");
  return false;
}

bool ArgTyped(const Napi::CallbackInfo& info, size_t i, const char* name, napi_typedarray_type want,
              const char* typeName, void** data, size_t* count) {
  napi_typedarray_type type;
  if (TypedArrayInfo(info, i, &type, count, data) && type == want) return true;
  ThrowType(info.Env(), std::string(name) + " must be a " + typeName);
  return false;
}

// The arguments shared by both bursts: fd, memory, offsets, lengths, n. The n offsets and
// lengths are copied once and every frame range is checked against the memory before any I/O;
// the I/O uses only the copies. The JS arrays may alias the memory (one arena) or be written by
// another thread, so reading them again after the check could reach outside the memory.
struct Burst {
  int fd;
  uint8_t* memory;
  size_t memoryLength;
  size_t n;
  uint32_t offsets[kMaxBurst];
  uint32_t lengths[kMaxBurst];
};

bool ArgBurst(const Napi::CallbackInfo& info, const char* syscall, const char* fn, const char* lengthsName,
              Burst* b) {
  Napi::Env env = info.Env();
  void* offsets;
  size_t offsetCount;
  Lengths lengths;
  int64_t n;
  std::string prefix(fn);
  if (!ArgFd(info, 0, syscall, &b->fd) || !ArgBytes(info, 1, (prefix + " memory").c_str(), &b->memory, &b->memoryLength) ||
      !ArgTyped(info, 2, (prefix + " offsets").c_str(), napi_uint32_array, "Uint32Array", &offsets, &offsetCount) ||
      !ArgLengths(info, 3, (prefix + " " + lengthsName).c_str(), &lengths) ||
      !ArgInt(info, 5, (prefix + " n").c_str(), 0, kMaxBurst, &n)) {
    return false;
  }
  b->n = static_cast<size_t>(n);
  if (b->n > offsetCount || b->n > lengths.count) {
    ThrowNic(env, "NIC_EINVAL",
             prefix + ": n " + std::to_string(n) + " is more than the offsets (" + std::to_string(offsetCount) +
                 ") or " + lengthsName + " (" + std::to_string(lengths.count) + ") hold");
    return false;
  }
  for (size_t k = 0; k < b->n; k++) {
    b->offsets[k] = static_cast<uint32_t*>(offsets)[k];
    b->lengths[k] = lengths.Get(k);
    uint64_t end = static_cast<uint64_t>(b->offsets[k]) + b->lengths[k];
    if (end > b->memoryLength) {
      ThrowNic(env, "NIC_EINVAL",
               prefix + ": frame " + std::to_string(k) + " at offset " + std::to_string(b->offsets[k]) + " + " +
                   std::to_string(b->lengths[k]) + " bytes passes the end of the memory (" +
                   std::to_string(b->memoryLength) + " bytes)");
      return false;
    }
  }
  return true;
}

// Opens /dev/net/tun and attaches it to TAP interface `name` with `flags`. Returns the fd
// (and the interface's final name in `ifr`), or -1 after throwing.
int OpenTap(Napi::Env env, const std::string& name, short flags, ifreq* ifr, const std::string& what) {
  int fd = open(kTunPath, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    ThrowErrno(env, err, "open", what + ": opening " + kTunPath + (err == ENOENT ? " (is the tun module loaded?)" : ""));
    return -1;
  }
  memset(ifr, 0, sizeof(*ifr));
  memcpy(ifr->ifr_name, name.data(), name.size());
  ifr->ifr_flags = flags;
  if (ioctl(fd, TUNSETIFF, ifr) != 0) {
    int err = errno;
    close(fd);
    ThrowErrno(env, err, "ioctl(TUNSETIFF)", what);
    return -1;
  }
  return fd;
}

// tapCreate(name, multiQueue) -> { name, fd }; name "" lets the kernel choose (tapN).
Napi::Value TapCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  bool multiQueue;
  bool chosen = info[0].IsString() && info[0].As<Napi::String>().Utf8Value().empty();
  if ((!chosen && !ArgIfname(info, 0, &name)) || !ArgBool(info, 1, "tapCreate multiQueue", &multiQueue)) {
    return Napi::Value();
  }
  std::string what = "creating TAP interface " + (chosen ? std::string("(name chosen by the kernel)") : name);
  if (!chosen && if_nametoindex(name.c_str()) != 0) {
    ThrowNic(env, "NIC_EEXIST", what + ": an interface of that name exists already");
    return Napi::Value();
  }
  // IFF_TUN_EXCL: fail rather than attach to an interface someone created meanwhile.
  short flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL | (multiQueue ? IFF_MULTI_QUEUE : 0);
  ifreq ifr;
  int fd = OpenTap(env, name, flags, &ifr, what);
  if (fd < 0) return Napi::Value();
  Napi::Object result = Napi::Object::New(env);
  result.Set("name", Napi::String::New(env, ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ)));
  result.Set("fd", Napi::Number::New(env, fd));
  return result;
}

// tapAttachQueue(name) -> fd of one more queue of multi-queue TAP interface `name`.
Napi::Value TapAttachQueue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!ArgIfname(info, 0, &name)) return Napi::Value();
  std::string what = "attaching a queue to TAP interface " + name;
  if (IfIndex(env, name, what) == 0) return Napi::Value();
  ifreq ifr;
  int fd = OpenTap(env, name, IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE, &ifr, what);
  if (fd < 0) return Napi::Value();
  return Napi::Number::New(env, fd);
}

// Where the part of a frame beyond its buffer goes, so that its full length is known. Never
// read; one per thread, since lcores read their queues concurrently.
thread_local uint8_t overflow[kMaxFrame];

// tapReadBurst(fd, memory, offsets, maxLens, outLens, n) -> frames read, or -errno when the
// first read failed other than with EAGAIN. outLens[k] is the frame's full length: above
// maxLens[k] when the frame was cut to fit.
Napi::Value TapReadBurst(const Napi::CallbackInfo& info) {
  Burst b;
  Lengths outLens;
  if (!ArgBurst(info, "read", "tapReadBurst", "maxLens", &b) ||
      !ArgLengths(info, 4, "tapReadBurst outLens", &outLens)) {
    return Napi::Value();
  }
  if (b.n > outLens.count) {
    ThrowNic(info.Env(), "NIC_EINVAL",
             "tapReadBurst: n " + std::to_string(b.n) + " is more than outLens holds (" +
                 std::to_string(outLens.count) + ")");
    return Napi::Value();
  }
  size_t k = 0;
  while (k < b.n) {
    iovec parts[2] = {{b.memory + b.offsets[k], b.lengths[k]}, {overflow, sizeof(overflow)}};
    ssize_t got = readv(b.fd, parts, 2);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || k > 0) break;
      return Napi::Number::New(info.Env(), -errno);
    }
    outLens.Set(k, static_cast<uint32_t>(got));
    k++;
  }
  return Napi::Number::New(info.Env(), static_cast<double>(k));
}

// tapWriteBurst(fd, memory, offsets, lens, results | undefined, n) -> frames consumed:
// written, or refused by the kernel (results[k] = -errno; bytes written otherwise). Stops
// early only when the queue would block (EAGAIN); those frames are not consumed.
Napi::Value TapWriteBurst(const Napi::CallbackInfo& info) {
  Burst b;
  void* results = nullptr;
  size_t resultCount = 0;
  bool hasResults = !info[4].IsUndefined();
  if (!ArgBurst(info, "write", "tapWriteBurst", "lens", &b)) return Napi::Value();
  if (hasResults &&
      !ArgTyped(info, 4, "tapWriteBurst results", napi_int32_array, "Int32Array", &results, &resultCount)) {
    return Napi::Value();
  }
  if (hasResults && b.n > resultCount) {
    ThrowNic(info.Env(), "NIC_EINVAL",
             "tapWriteBurst: n " + std::to_string(b.n) + " is more than results holds (" + std::to_string(resultCount) +
                 ")");
    return Napi::Value();
  }
  int32_t* out = hasResults ? static_cast<int32_t*>(results) : nullptr;
  size_t k = 0;
  while (k < b.n) {
    ssize_t put = write(b.fd, b.memory + b.offsets[k], b.lengths[k]);
    if (put < 0 && errno == EINTR) continue;
    if (put < 0 && errno == EAGAIN) break;
    if (out != nullptr) out[k] = put < 0 ? -errno : static_cast<int32_t>(put);
    k++;
  }
  return Napi::Number::New(info.Env(), static_cast<double>(k));
}

}  // namespace

void InitTap(Napi::Env env, Napi::Object exports) {
  exports.Set("tapCreate", Napi::Function::New(env, TapCreate, "tapCreate"));
  exports.Set("tapAttachQueue", Napi::Function::New(env, TapAttachQueue, "tapAttachQueue"));
  exports.Set("tapReadBurst", Napi::Function::New(env, TapReadBurst, "tapReadBurst"));
  exports.Set("tapWriteBurst", Napi::Function::New(env, TapWriteBurst, "tapWriteBurst"));
}

}  // namespace nic
