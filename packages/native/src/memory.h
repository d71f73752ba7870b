// Mapped memory regions shown to JavaScript as SharedArrayBuffers.
//
// Every mapping the addon makes is entered in one process-wide registry, so that any thread
// can attach a view to it by address, and so that an address handed in from JavaScript can be
// checked before native code touches it. Each SharedArrayBuffer over a region (the owner's and
// every attached one) holds a reference; the range is unmapped when the last one is collected.
#pragma once

#include <napi.h>

#include <v8.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace nic {

// Where a mapping goes: anywhere (`host` empty, `addr` 0), or at `addr` inside the memory of
// `host`, a SharedArrayBuffer's backing store (a WebAssembly.Memory's buffer), replacing the
// pages there. While `reserved`, the range is held against other placements; NewRegion takes
// it over, and the destructor frees it when the mapping failed.
struct Placement {
  uintptr_t addr = 0;
  size_t length = 0;
  std::shared_ptr<v8::BackingStore> host;
  mutable bool reserved = false;
  // Set when a failed placement could not put pages back: the host's range is a hole.
  mutable bool holed = false;

  Placement() = default;
  Placement(const Placement&) = delete;
  Placement& operator=(const Placement&) = delete;
  ~Placement();
};

// Reads optional argument `i`: undefined is no placement; otherwise a SharedArrayBuffer with
// room for `length` bytes from its first `align`-aligned address (or from byte `*at` of it,
// which must be `align`-aligned), where no live placement is (NIC_EBUSY), and that is not
// itself memory mapped through the addon (NIC_EINVAL). The region made there holds the host's
// memory until its last view and DMA mapping are gone. Returns false after throwing.
bool ArgPlacement(const Napi::CallbackInfo& info, size_t i, const char* name, size_t length,
                  size_t align, Placement* out, const uint64_t* at = nullptr);

// mmap at the placement (MAP_FIXED inside the host) or wherever the kernel chooses. After a
// failed placed mmap the host keeps its own pages where the kernel left them, and gets
// ordinary zeroed pages where it dropped them; should even that fail, `place.holed` is set.
// errno is the mmap's. `offset`: into the file `fd`.
void* MapPlaced(const Placement& place, size_t length, int flags, int fd, uint64_t offset = 0);

// Gives back a mapping from MapPlaced that never became a region (a later step failed):
// unmapped, or inside a host replaced by zeroed pages (`place.holed` when that failed).
// errno is preserved.
void UnmapPlaced(const Placement& place, void* addr, size_t length);

// The end of an error message about a failed placement: empty, or what is left broken.
std::string PlacementDamage(const Placement& place);

// Enters a fresh mapping [addr, addr + length) in the registry and returns the object
// { id, address, length, buffer } for it. The registry owns the range from then on. A mapping
// placed inside a host's memory is never unmapped: releasing it puts ordinary zeroed pages
// back, then lets go of the host.
Napi::Object NewRegion(Napi::Env env, void* addr, size_t length, const Placement& place = {});

// Whether [addr, addr + length) lies inside one live region (mapped, not unmapped).
// Sets `unmapped` when the range lies in a region that was explicitly unmapped.
bool InLiveRegion(uintptr_t addr, size_t length, bool* unmapped);

// Holds the live region containing [addr, addr + length) for a device's DMA (VFIO type1):
// its pages are neither unmapped (unmap() is refused, NIC_EBUSY) nor released at GC until
// UnpinRegion(id). False when no live region holds the range (`unmapped`: it lies in one that
// was unmapped).
bool PinRegion(uintptr_t addr, size_t length, uint64_t* id, bool* unmapped);
void UnpinRegion(uint64_t id);

void InitMemory(Napi::Env env, Napi::Object exports);

}  // namespace nic
