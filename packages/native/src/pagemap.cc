#include "pagemap.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "args.h"
#include "errors.h"
#include "memory.h"

namespace nic {

namespace {

// One 64-bit entry per virtual page (see the kernel's Documentation/admin-guide/mm/pagemap.rst).
constexpr uint64_t kPfnMask = (uint64_t{1} << 55) - 1;  // bits 0-54: page frame number
constexpr uint64_t kSwapped = uint64_t{1} << 62;
constexpr uint64_t kPresent = uint64_t{1} << 63;
constexpr const char* kPagemapPath = "/proc/self/pagemap";

// Translates `address` with the open pagemap `fd`; returns false after throwing.
bool Translate(Napi::Env env, int fd, uint64_t address, double* phys) {
  uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t entry;
  off_t offset = static_cast<off_t>(address / page * sizeof(entry));
  ssize_t got = pread(fd, &entry, sizeof(entry), offset);
  if (got != static_cast<ssize_t>(sizeof(entry))) {
    int err = got < 0 ? errno : EIO;
    ThrowErrno(env, err, "pread", std::string("reading ") + kPagemapPath + " for " + Hex(address));
    return false;
  }
  if ((entry & kPresent) == 0 || (entry & kSwapped) != 0) {
    ThrowNic(env, "NIC_EINVAL", "virtToPhys: the page at " + Hex(address) + " is not resident (touch it first)");
    return false;
  }
  uint64_t pfn = entry & kPfnMask;
  if (pfn == 0) {
    ThrowErrno(env, EPERM, "pread",
               std::string(kPagemapPath) + " hides page frame numbers from this process: the kernel shows "
               "them only with CAP_SYS_ADMIN, so run as root or use VFIO with IOVA = VA");
    return false;
  }
  *phys = static_cast<double>(pfn * page + address % page);
  return true;
}

// Checks that [address, address + span] lies inside live memory mapped through the addon.
bool CheckMapped(Napi::Env env, uint64_t address, uint64_t span) {
  bool unmapped;
  if (InLiveRegion(static_cast<uintptr_t>(address), static_cast<size_t>(span) + 1, &unmapped)) return true;
  ThrowNic(env, "NIC_EINVAL",
           "virtToPhys: " + Hex(address) + (unmapped ? " lies in a region that was unmapped"
                                                    : " is not inside memory mapped through nic"));
  return false;
}

int OpenPagemap(Napi::Env env) {
  int fd = open(kPagemapPath, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    ThrowErrno(env, err, "open", std::string("opening ") + kPagemapPath);
  }
  return fd;
}

// virtToPhys(address) -> physical address
Napi::Value VirtToPhys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t address;
  if (!ArgUint(info, 0, "virtToPhys address", kMaxSafeInteger, &address) || !CheckMapped(env, address, 0)) {
    return Napi::Value();
  }
  int fd = OpenPagemap(env);
  if (fd < 0) return Napi::Value();
  double phys;
  bool ok = Translate(env, fd, address, &phys);
  close(fd);
  return ok ? Napi::Number::New(env, phys) : Napi::Value();
}

// virtToPhysRange(address, stride, out: Float64Array): out[i] = phys(address + i * stride).
Napi::Value VirtToPhysRange(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t address, stride;
  if (!ArgUint(info, 0, "virtToPhysRange address", kMaxSafeInteger, &address) ||
      !ArgUint(info, 1, "virtToPhysRange stride", kMaxSafeInteger, &stride)) {
    return Napi::Value();
  }
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    ThrowType(env, "virtToPhysRange out must be a Float64Array");
    return Napi::Value();
  }
  Napi::Float64Array out = info[2].As<Napi::Float64Array>();
  size_t count = out.ElementLength();
  if (count == 0) return env.Undefined();
  if (stride == 0 || (count - 1) > kMaxSafeInteger / stride) {
    ThrowNic(env, "NIC_EINVAL", "virtToPhysRange: stride " + std::to_string(stride) + " does not fit " +
                                    std::to_string(count) + " entries");
    return Napi::Value();
  }
  if (!CheckMapped(env, address, (count - 1) * stride)) return Napi::Value();
  int fd = OpenPagemap(env);
  if (fd < 0) return Napi::Value();
  double* entries = out.Data();
  for (size_t i = 0; i < count; i++) {
    double phys;
    if (!Translate(env, fd, address + i * stride, &phys)) {
      close(fd);
      return Napi::Value();
    }
    entries[i] = phys;
  }
  close(fd);
  return env.Undefined();
}

}  // namespace

void InitPagemap(Napi::Env env, Napi::Object exports) {
  exports.Set("virtToPhys", Napi::Function::New(env, VirtToPhys, "virtToPhys"));
  exports.Set("virtToPhysRange", Napi::Function::New(env, VirtToPhysRange, "virtToPhysRange"));
}

}  // namespace nic
