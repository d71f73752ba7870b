#include "memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <v8.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "args.h"
#include "errors.h"

namespace nic {

namespace {

struct Region {
  uintptr_t addr;
  size_t length;
  size_t views;    // SharedArrayBuffer backing stores over this region, in any thread
  size_t dmaPins;  // IOVA mappings of it (PinRegion); the pages stay while any is left
  bool live;       // false once unmap() replaced the range with a placeholder
  // The memory the region was placed in (see Placement), held until the region goes: freeing
  // it would free the region's addresses under its views.
  std::shared_ptr<v8::BackingStore> host;

  bool placed() const { return host != nullptr; }
  // Whether the pages are still this region's: not unmapped.
  bool Mapped() const { return live; }
};

std::mutex registryMutex;
std::map<uint64_t, Region> registry;  // by region id; ids are never reused
uint64_t nextRegionId = 1;
// Placements between ArgPlacement and NewRegion (addr -> length), so that two threads cannot
// place into the same range at once.
std::map<uintptr_t, size_t> pendingPlacements;

bool Overlaps(uintptr_t a, size_t aLength, uintptr_t b, size_t bLength) {
  return a < b + bLength && b < a + aLength;
}

size_t PageSize() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

// Replaces [addr, addr + length) with zeroed private pages. False (errno set) when the kernel
// refused, for example at vm.max_map_count: the old pages are then still in place.
// MAP_NORESERVE as V8 maps a WebAssembly.Memory: zero pages nobody wrote are charged to no
// commit limit, so putting them back does not fail where the host's own pages would not.
bool PutPlaceholder(uintptr_t addr, size_t length) {
  return mmap(reinterpret_cast<void*>(addr), length, PROT_READ | PROT_WRITE,
              MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) != MAP_FAILED;
}

// Whether every page of [addr, addr + length) is mapped (msync reports a hole as ENOMEM).
bool FullyMapped(uintptr_t addr, size_t length) {
  return msync(reinterpret_cast<void*>(addr), length, MS_ASYNC) == 0;
}

// Puts zeroed pages over a host's range that a placement held. Should the kernel refuse
// (ENOMEM at vm.max_map_count, before it touches anything), the old pages stay: not zeroed,
// but nothing faults. Should it have dropped them and refuse anyway, the range gets pages of
// no access, so that no later mmap lands inside the host's memory; false then: touching the
// range faults. errno is preserved.
bool RestoreHost(uintptr_t addr, size_t length) {
  int err = errno;
  bool whole = PutPlaceholder(addr, length) || FullyMapped(addr, length);
  if (!whole) {
    mmap(reinterpret_cast<void*>(addr), length, PROT_NONE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  }
  errno = err;
  return whole;
}

// Gives up a region's pages when its last view goes: unmapped, or, inside a host's memory,
// replaced by a placeholder (V8 unmaps that with the host). Called with the registry locked.
void ReleasePages(const Region& region) {
  if (!region.placed()) {
    munmap(reinterpret_cast<void*>(region.addr), region.length);
  } else if (region.live) {
    RestoreHost(region.addr, region.length);
  }
}

// Drops region `it` once neither a view nor a DMA mapping is left. Called with the registry
// locked; returns the host for the caller to drop after unlocking (a host's backing store may
// be freed then, which must not happen under the lock).
std::shared_ptr<v8::BackingStore> ReleaseIfUnused(std::map<uint64_t, Region>::iterator it) {
  if (it->second.views > 0 || it->second.dmaPins > 0) return nullptr;
  ReleasePages(it->second);
  std::shared_ptr<v8::BackingStore> host = std::move(it->second.host);
  registry.erase(it);
  return host;
}

// Backing-store deleter: may run on any thread, whenever V8 frees a buffer.
void ReleaseView(void*, size_t, void* deleterData) {
  uint64_t id = reinterpret_cast<uintptr_t>(deleterData);
  std::shared_ptr<v8::BackingStore> host;
  {
    std::lock_guard<std::mutex> lock(registryMutex);
    auto it = registry.find(id);
    if (it == registry.end()) return;
    it->second.views--;
    host = ReleaseIfUnused(it);
  }
}

// A SharedArrayBuffer over [addr, addr + length) of region `id`, whose view count the
// caller has already raised.
Napi::Value NewView(Napi::Env env, uint64_t id, uintptr_t addr, size_t length) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::unique_ptr<v8::BackingStore> store = v8::SharedArrayBuffer::NewBackingStore(
      reinterpret_cast<void*>(addr), length, ReleaseView, reinterpret_cast<void*>(id));
  v8::Local<v8::SharedArrayBuffer> buffer = v8::SharedArrayBuffer::New(isolate, std::move(store));
  // A napi_value is the address of the handle's slot, which is what a Local holds.
  static_assert(sizeof(napi_value) == sizeof(v8::Local<v8::Value>), "handle layouts differ");
  v8::Local<v8::Value> value = buffer;
  napi_value result;
  memcpy(&result, &value, sizeof(result));
  return Napi::Value(env, result);
}

std::string Range(uint64_t offset, uint64_t length) {
  return "offset " + std::to_string(offset) + ", " + std::to_string(length) + " bytes";
}

// Maps `length` bytes of `fd` at `offset` (length 0: to the end of the file), where the kernel
// chooses or, given `info` and `placeArg`, at the placement that argument asks for (see
// MapFd). Throws and returns an empty value on failure. `what` names the fd in messages.
Napi::Value MapDescriptor(Napi::Env env, int fd, uint64_t offset, uint64_t length, bool hasLength,
                          bool writable, const std::string& what, const Napi::CallbackInfo* info = nullptr,
                          const uint64_t* at = nullptr) {
  if (offset % PageSize() != 0) {
    ThrowNic(env, "NIC_EINVAL",
             "mapping " + what + ": offset " + std::to_string(offset) +
                 " is not a multiple of the page size " + std::to_string(PageSize()));
    return Napi::Value();
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    ThrowErrno(env, err, "fstat", "mapping " + what);
    return Napi::Value();
  }
  // A regular file must cover the whole range: touching a page past its end is SIGBUS.
  if (S_ISREG(st.st_mode)) {
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (!hasLength) length = size > offset ? size - offset : 0;
    if (offset > size || length > size - offset) {
      ThrowNic(env, "NIC_EINVAL",
               "mapping " + what + " (" + Range(offset, length) +
                   ") would reach past its end (the file holds " + std::to_string(size) +
                   " bytes)");
      return Napi::Value();
    }
  } else if (!hasLength) {
    ThrowNic(env, "NIC_EINVAL", "mapping " + what + ": not a regular file, so a length is required");
    return Napi::Value();
  }
  if (length == 0) {
    ThrowNic(env, "NIC_EINVAL", "mapping " + what + ": the length must be at least 1");
    return Napi::Value();
  }
  // A placed mapping takes whole pages of its host.
  Placement place;
  if (info != nullptr) {
    length = (length + PageSize() - 1) / PageSize() * PageSize();
    if (!ArgPlacement(*info, 4, "mapFd within", length, PageSize(), &place, at)) return Napi::Value();
  }
  // Read-only mappings are private copies: a store through the buffer stays in this process
  // instead of faulting, and the file is never modified.
  int flags = writable ? MAP_SHARED : MAP_PRIVATE;
  void* addr = MapPlaced(place, length, flags, fd, offset);
  if (addr == MAP_FAILED) {
    int err = errno;
    ThrowErrno(env, err, "mmap", "mapping " + what + " (" + Range(offset, length) + ")" + PlacementDamage(place));
    return Napi::Value();
  }
  return NewRegion(env, addr, length, place);
}

// mapFile(path, offset, length | undefined, writable)
Napi::Value MapFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  uint64_t offset, length = 0;
  bool writable;
  bool hasLength = !info[2].IsUndefined();
  if (!ArgPath(info, 0, "mapFile path", &path) ||
      !ArgUint(info, 1, "mapFile offset", kMaxSafeInteger, &offset) ||
      (hasLength && !ArgUint(info, 2, "mapFile length", kMaxSafeInteger, &length)) ||
      !ArgBool(info, 3, "mapFile writable", &writable)) {
    return Napi::Value();
  }
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer, with the event loop.
  int fd = open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    ThrowErrno(env, err, "open", "opening " + path + " to map it");
    return Napi::Value();
  }
  Napi::Value region = MapDescriptor(env, fd, offset, length, hasLength, writable, path);
  close(fd);
  return region;
}

// mapFd(fd, offset, length | undefined, writable, within | undefined, at | undefined): `within`
// places the mapping in a host buffer (a window of guest memory inside the arena's
// WebAssembly.Memory), from byte `at` of it, or from its first page boundary.
Napi::Value MapFd(const Napi::CallbackInfo& info) {
  int fd;
  uint64_t offset, length = 0, at = 0;
  bool writable;
  bool hasLength = !info[2].IsUndefined();
  bool placed = info.Length() > 4 && !info[4].IsUndefined();
  bool hasAt = info.Length() > 5 && !info[5].IsUndefined();
  if (!ArgFd(info, 0, "mmap", &fd) || !ArgUint(info, 1, "mapFd offset", kMaxSafeInteger, &offset) ||
      (hasLength && !ArgUint(info, 2, "mapFd length", kMaxSafeInteger, &length)) ||
      !ArgBool(info, 3, "mapFd writable", &writable) || (hasAt && !ArgUint(info, 5, "mapFd at", kMaxSafeInteger, &at))) {
    return Napi::Value();
  }
  if (hasAt && !placed) {
    ThrowNic(info.Env(), "NIC_EINVAL", "mapFd: `at` needs `within`");
    return Napi::Value();
  }
  return MapDescriptor(info.Env(), fd, offset, length, hasLength, writable, "fd " + std::to_string(fd),
                       placed ? &info : nullptr, hasAt ? &at : nullptr);
}

// allocAnonymous(length, within | undefined): zeroed private memory, populated and locked (the
// --no-huge arena).
Napi::Value AllocAnonymous(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t length;
  if (!ArgUint(info, 0, "allocAnonymous length", kMaxSafeInteger, &length)) return Napi::Value();
  size_t page = PageSize();
  if (length == 0) {
    ThrowNic(env, "NIC_EINVAL", "allocAnonymous: the length must be at least 1");
    return Napi::Value();
  }
  length = (length + page - 1) / page * page;
  Placement place;
  if (!ArgPlacement(info, 1, "allocAnonymous within", length, page, &place)) return Napi::Value();
  std::string what = "allocating " + std::to_string(length) + " bytes of anonymous memory";
  void* addr = MapPlaced(place, length, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1);
  if (addr == MAP_FAILED) {
    int err = errno;
    ThrowErrno(env, err, "mmap", what + PlacementDamage(place));
    return Napi::Value();
  }
  if (mlock(addr, length) != 0) {
    int err = errno;
    UnmapPlaced(place, addr, length);
    struct rlimit limit;
    getrlimit(RLIMIT_MEMLOCK, &limit);
    std::string limitText =
        limit.rlim_cur == RLIM_INFINITY ? "unlimited" : std::to_string(limit.rlim_cur) + " bytes";
    ThrowErrno(env, err, "mlock",
               "locking " + std::to_string(length) + " bytes of anonymous memory (RLIMIT_MEMLOCK is " +
                   limitText + "; raise it with `ulimit -l` or grant CAP_IPC_LOCK)" + PlacementDamage(place));
    return Napi::Value();
  }
  return NewRegion(env, addr, length, place);
}

// unmap(id): releases the region's pages now. The views stay valid but see zeroed private
// memory, so a late access reads zeros instead of faulting.
Napi::Value Unmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t id;
  if (!ArgUint(info, 0, "unmap region id", kMaxSafeInteger, &id)) return Napi::Value();
  // Nothing here may throw while the registry is locked: building the NicError runs JavaScript
  // (the factory), which may call back into the registry, or let V8 free a view whose deleter
  // takes the lock: a deadlock. The outcome is decided under the lock, thrown after it.
  int err = 0;
  bool known = false, pinned = false;
  uintptr_t addr = 0;
  size_t length = 0;
  {
    std::lock_guard<std::mutex> lock(registryMutex);
    auto it = registry.find(id);
    if (it != registry.end() && it->second.Mapped()) {
      known = true;
      Region& region = it->second;
      addr = region.addr;
      length = region.length;
      pinned = region.dmaPins > 0;
      if (!pinned) {
        if (PutPlaceholder(region.addr, region.length)) {
          region.live = false;
        } else {
          err = errno;
        }
      }
    }
  }
  if (!known) {
    ThrowNic(env, "NIC_EINVAL", "unmap: region " + std::to_string(id) + " is not mapped (unmapped already?)");
    return Napi::Value();
  }
  if (pinned) {
    ThrowNic(env, "NIC_EBUSY",
             "unmap: region " + std::to_string(id) + " at " + Hex(addr) +
                 " is DMA-mapped (vfioIommuMapDma); unmap its IOVA range first");
    return Napi::Value();
  }
  if (err != 0) {
    ThrowErrno(env, err, "mmap",
               "replacing region " + std::to_string(id) + " at " + Hex(addr) + " (" + std::to_string(length) +
                   " bytes)");
    return Napi::Value();
  }
  return env.Undefined();
}

// attach(address, length): another view of memory this process mapped through the addon.
Napi::Value Attach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t address, length;
  if (!ArgUint(info, 0, "attach address", kMaxSafeInteger, &address) ||
      !ArgUint(info, 1, "attach length", kMaxSafeInteger, &length)) {
    return Napi::Value();
  }
  std::string what = "attach: " + Hex(address) + " + " + std::to_string(length) + " bytes";
  if (length == 0) {
    ThrowNic(env, "NIC_EINVAL", what + ": the length must be at least 1");
    return Napi::Value();
  }
  uint64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(registryMutex);
    for (auto& [regionId, region] : registry) {
      if (region.Mapped() && address >= region.addr && length <= region.length &&
          address - region.addr <= region.length - length) {
        id = regionId;
        region.views++;
        break;
      }
    }
  }
  if (id == 0) {
    ThrowNic(env, "NIC_EINVAL", what + " is not inside memory mapped by this process through nic");
    return Napi::Value();
  }
  return NewView(env, id, address, length);
}

Napi::Value PageSizeExport(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(PageSize()));
}

}  // namespace

Placement::~Placement() {
  if (!reserved) return;
  std::lock_guard<std::mutex> lock(registryMutex);
  pendingPlacements.erase(addr);
}

bool ArgPlacement(const Napi::CallbackInfo& info, size_t i, const char* name, size_t length,
                  size_t align, Placement* out, const uint64_t* at) {
  if (info.Length() <= i || info[i].IsUndefined()) return true;
  napi_value raw = info[i];
  v8::Local<v8::Value> value;
  static_assert(sizeof(napi_value) == sizeof(v8::Local<v8::Value>), "handle layouts differ");
  memcpy(static_cast<void*>(&value), &raw, sizeof(value));
  if (!value->IsSharedArrayBuffer()) {
    Napi::TypeError::New(info.Env(), std::string(name) + " must be a SharedArrayBuffer").ThrowAsJavaScriptException();
    return false;
  }
  std::shared_ptr<v8::BackingStore> host = value.As<v8::SharedArrayBuffer>()->GetBackingStore();
  uintptr_t start = reinterpret_cast<uintptr_t>(host->Data());
  uintptr_t end = start + host->ByteLength();
  if (at != nullptr && (*at > end - start || (start + *at) % align != 0)) {
    ThrowNic(info.Env(), "NIC_EINVAL",
             std::string(name) + ": byte " + std::to_string(*at) + " of the buffer at " + Hex(start) + " (" +
                 std::to_string(host->ByteLength()) + " bytes) is past its end or not on a " + std::to_string(align) +
                 "-byte boundary");
    return false;
  }
  uintptr_t addr = at != nullptr ? start + *at : (start + align - 1) / align * align;
  if (addr > end || length > end - addr) {
    ThrowNic(info.Env(), "NIC_EINVAL",
             std::string(name) + ": " + std::to_string(length) + " bytes from a " + std::to_string(align) +
                 "-byte boundary do not fit in its " + std::to_string(host->ByteLength()) + " bytes at " +
                 Hex(start) + " (it needs " + std::to_string(length + align - 1) + ")");
    return false;
  }
  // One live placement per range: a second one would share the first one's pages and wipe
  // them when either goes. A host that is itself memory mapped through the addon (a region's
  // buffer) is refused too: unmapping the outer region would wipe the inner one.
  bool nested = false, taken = false;
  {
    std::lock_guard<std::mutex> lock(registryMutex);
    for (const auto& [id, region] : registry) {
      if (!region.placed() && Overlaps(region.addr, region.length, start, end - start)) nested = true;
      if (region.placed() && region.live && Overlaps(region.addr, region.length, addr, length)) taken = true;
    }
    for (const auto& [pendingAddr, pendingLength] : pendingPlacements) {
      if (Overlaps(pendingAddr, pendingLength, addr, length)) taken = true;
    }
    if (!nested && !taken) pendingPlacements[addr] = length;
  }
  if (nested) {
    ThrowNic(info.Env(), "NIC_EINVAL",
             std::string(name) + ": the buffer at " + Hex(start) +
                 " is memory mapped through nic (a region's buffer); place inside a WebAssembly.Memory's buffer");
    return false;
  }
  if (taken) {
    ThrowNic(info.Env(), "NIC_EBUSY",
             std::string(name) + ": " + Hex(addr) + " + " + std::to_string(length) +
                 " bytes holds a live placement already (one placement per buffer range)");
    return false;
  }
  out->addr = addr;
  out->length = length;
  out->host = std::move(host);
  out->reserved = true;
  return true;
}

void* MapPlaced(const Placement& place, size_t length, int flags, int fd, uint64_t offset) {
  off_t at = static_cast<off_t>(offset);
  if (!place.host) return mmap(nullptr, length, PROT_READ | PROT_WRITE, flags, fd, at);
  void* addr = mmap(reinterpret_cast<void*>(place.addr), length, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, at);
  // A failed MAP_FIXED may have dropped the old pages (older kernels, or a file's mmap that
  // failed late) or left them in place: only a hole is filled.
  if (addr == MAP_FAILED && !FullyMapped(place.addr, length) && !RestoreHost(place.addr, length)) place.holed = true;
  return addr;
}

void UnmapPlaced(const Placement& place, void* addr, size_t length) {
  int err = errno;
  if (!place.host) {
    munmap(addr, length);
  } else if (!RestoreHost(place.addr, length)) {
    place.holed = true;
  }
  errno = err;
}

std::string PlacementDamage(const Placement& place) {
  if (!place.holed) return "";
  return "; the buffer's range at " + Hex(place.addr) + " (" + std::to_string(place.length) +
         " bytes) could not be given pages back and faults when touched";
}

Napi::Object NewRegion(Napi::Env env, void* addr, size_t length, const Placement& place) {
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(registryMutex);
    id = nextRegionId++;
    registry[id] = Region{reinterpret_cast<uintptr_t>(addr), length, 1, 0, true, place.host};
    if (place.reserved) {
      pendingPlacements.erase(place.addr);
      place.reserved = false;
    }
  }
  Napi::Object region = Napi::Object::New(env);
  region.Set("id", Napi::Number::New(env, static_cast<double>(id)));
  region.Set("address", Napi::Number::New(env, static_cast<double>(reinterpret_cast<uintptr_t>(addr))));
  region.Set("length", Napi::Number::New(env, static_cast<double>(length)));
  region.Set("buffer", NewView(env, id, reinterpret_cast<uintptr_t>(addr), length));
  double hostOffset = place.host ? static_cast<double>(place.addr - reinterpret_cast<uintptr_t>(place.host->Data())) : -1;
  region.Set("hostOffset", Napi::Number::New(env, hostOffset));
  return region;
}

bool InLiveRegion(uintptr_t addr, size_t length, bool* unmapped) {
  std::lock_guard<std::mutex> lock(registryMutex);
  *unmapped = false;
  for (const auto& [id, region] : registry) {
    if (addr >= region.addr && length <= region.length && addr - region.addr <= region.length - length) {
      if (region.Mapped()) return true;
      *unmapped = true;
    }
  }
  return false;
}

bool PinRegion(uintptr_t addr, size_t length, uint64_t* id, bool* unmapped) {
  std::lock_guard<std::mutex> lock(registryMutex);
  *unmapped = false;
  for (auto& [regionId, region] : registry) {
    if (addr >= region.addr && length <= region.length && addr - region.addr <= region.length - length) {
      if (!region.Mapped()) {
        *unmapped = true;
        continue;
      }
      region.dmaPins++;
      *id = regionId;
      return true;
    }
  }
  return false;
}

void UnpinRegion(uint64_t id) {
  std::shared_ptr<v8::BackingStore> host;
  std::lock_guard<std::mutex> lock(registryMutex);
  auto it = registry.find(id);
  if (it == registry.end() || it->second.dmaPins == 0) return;
  it->second.dmaPins--;
  host = ReleaseIfUnused(it);
  // `host` is declared before the lock, so it is dropped after the lock is released.
}

void InitMemory(Napi::Env env, Napi::Object exports) {
  exports.Set("pageSize", Napi::Function::New(env, PageSizeExport, "pageSize"));
  exports.Set("mapFile", Napi::Function::New(env, MapFile, "mapFile"));
  exports.Set("mapFd", Napi::Function::New(env, MapFd, "mapFd"));
  exports.Set("allocAnonymous", Napi::Function::New(env, AllocAnonymous, "allocAnonymous"));
  exports.Set("unmap", Napi::Function::New(env, Unmap, "unmap"));
  exports.Set("attach", Napi::Function::New(env, Attach, "attach"));
}

}  // namespace nic
