// Hugepage memory: a file in a hugetlbfs mount, or an anonymous memfd with MFD_HUGETLB.
#include "hugepage.h"

#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

#include "args.h"
#include "errors.h"
#include "memory.h"

namespace nic {

namespace {

// Smallest and largest hugepage sizes accepted: 64 KiB (arm64's contiguous pages) to 16 GiB.
constexpr int kMinHugeShift = 16;
constexpr int kMaxHugeShift = 34;

std::string SysfsDir(uint64_t pageSize) {
  return "/sys/kernel/mm/hugepages/hugepages-" + std::to_string(pageSize / 1024) + "kB";
}

// A counter of the hugepage pool, or -1 when it cannot be read.
long ReadPoolCounter(uint64_t pageSize, const char* name) {
  std::ifstream file(SysfsDir(pageSize) + "/" + name);
  long value = -1;
  if (!(file >> value)) return -1;
  return value;
}

std::string ShortfallMessage(uint64_t pageSize, uint64_t length) {
  uint64_t kb = pageSize / 1024;
  std::string message = "cannot reserve " + std::to_string(length / pageSize) + " hugepages of " +
                        std::to_string(kb) + " kB for " + std::to_string(length) + " bytes";
  long freePages = ReadPoolCounter(pageSize, "free_hugepages");
  long reserved = ReadPoolCounter(pageSize, "resv_hugepages");
  if (freePages >= 0 && reserved >= 0) {
    message += ": " + std::to_string(freePages) + " free, " + std::to_string(reserved) +
               " of them reserved by other mappings";
  }
  return message + "; raise " + SysfsDir(pageSize) + "/nr_hugepages";
}

// Seals a memfd's size once it is mapped: with `keepFd` the fd goes to a peer (vhost-user),
// and a peer that shrank it would turn this process's next touch of the lost pages into a
// SIGBUS. F_SEAL_SEAL fixes the set.
constexpr int kSizeSeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

// Opens the backing file: an unlinked file in hugetlbfs mount `dir`, or a sealable memfd when
// `dir` is empty. Returns -1 after throwing.
int OpenBacking(Napi::Env env, const std::string& dir, int shift) {
  if (dir.empty()) {
    unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | (static_cast<unsigned int>(shift) << MFD_HUGE_SHIFT);
    int fd = memfd_create("nic-hugepages", flags);
    if (fd < 0) {
      int err = errno;
      ThrowErrno(env, err, "memfd_create", "creating a memfd of " + std::to_string((1ull << shift) / 1024) + " kB hugepages");
    }
    return fd;
  }
  std::string path = dir + "/nic-XXXXXX";
  int fd = mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    ThrowErrno(env, err, "mkostemp", "creating a file in hugetlbfs mount " + dir);
    return -1;
  }
  // A file left behind would keep its hugepages after this process exits.
  if (unlink(path.c_str()) != 0) {
    int err = errno;
    close(fd);
    ThrowErrno(env, err, "unlink", "removing " + path + " (its pages stay reserved until it is removed by hand)");
    return -1;
  }
  return fd;
}

// allocHugepages(length, pageSize, dir, keepFd, within | undefined): see hugepage.ts.
Napi::Value AllocHugepages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t length, pageSize;
  std::string dir;
  bool keepFd;
  if (!ArgUint(info, 0, "allocHugepages length", kMaxSafeInteger, &length) ||
      !ArgUint(info, 1, "allocHugepages pageSize", kMaxSafeInteger, &pageSize) ||
      !ArgPath(info, 2, "allocHugepages dir", &dir) ||
      !ArgBool(info, 3, "allocHugepages keepFd", &keepFd)) {
    return Napi::Value();
  }
  int shift = __builtin_ctzll(pageSize | (1ull << 63));
  if ((pageSize & (pageSize - 1)) != 0 || shift < kMinHugeShift || shift > kMaxHugeShift) {
    ThrowNic(env, "NIC_EINVAL", "allocHugepages: " + std::to_string(pageSize) + " is not a hugepage size");
    return Napi::Value();
  }
  if (length == 0) {
    ThrowNic(env, "NIC_EINVAL", "allocHugepages: the length must be at least 1");
    return Napi::Value();
  }
  length = (length + pageSize - 1) / pageSize * pageSize;
  std::string where = dir.empty() ? "memfd" : dir;
  Placement place;
  if (!ArgPlacement(info, 4, "allocHugepages within", length, pageSize, &place)) return Napi::Value();

  int fd = OpenBacking(env, dir, shift);
  if (fd < 0) return Napi::Value();
  if (ftruncate(fd, static_cast<off_t>(length)) != 0) {
    int err = errno;
    close(fd);
    ThrowErrno(env, err, "ftruncate", "sizing " + where + " to " + std::to_string(length) + " bytes");
    return Napi::Value();
  }
  // Shared hugetlb mappings reserve their pages here, so a shortfall is ENOMEM now and never
  // a SIGBUS on first touch.
  void* addr = MapPlaced(place, length, MAP_SHARED | MAP_POPULATE, fd);
  if (addr == MAP_FAILED) {
    int err = errno;
    close(fd);
    ThrowErrno(env, err, "mmap", (err == ENOMEM ? ShortfallMessage(pageSize, length) : "mapping " + where) + PlacementDamage(place));
    return Napi::Value();
  }
  if (dir.empty() && fcntl(fd, F_ADD_SEALS, kSizeSeals) != 0) {
    int err = errno;
    UnmapPlaced(place, addr, length);
    close(fd);
    ThrowErrno(env, err, "fcntl(F_ADD_SEALS)", "sealing the size of the hugepage memfd" + PlacementDamage(place));
    return Napi::Value();
  }
  // No mlock: hugetlb pages are never swapped or reclaimed, and the kernel ignores mlock on
  // hugetlb mappings (mm/mlock.c leaves such VMAs alone), so they are resident for good.
  if (!keepFd) {
    close(fd);
    fd = -1;
  }
  Napi::Object region = NewRegion(env, addr, length, place);
  region.Set("fd", Napi::Number::New(env, fd));
  region.Set("method", Napi::String::New(env, dir.empty() ? "memfd" : "hugetlbfs"));
  return region;
}

}  // namespace

void InitHugepage(Napi::Env env, Napi::Object exports) {
  exports.Set("allocHugepages", Napi::Function::New(env, AllocHugepages, "allocHugepages"));
}

}  // namespace nic
