// Mapped memory regions shown to JavaScript as SharedArrayBuffers.
//
// Every mapping the addon makes is entered in one process-wide registry, so that any thread
// can attach a view to it by address, and so that an address handed in from JavaScript can be
// checked before native code touches it. Each SharedArrayBuffer over a region (the owner's and
// every attached one) holds a reference; the range is unmapped when the last one is collected.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace nic {

// Enters a fresh mapping [addr, addr + length) in the registry and returns the object
// { id, address, length, buffer } for it. The registry owns the range from then on.
Napi::Object NewRegion(Napi::Env env, void* addr, size_t length);

// Whether [addr, addr + length) lies inside one live region (mapped, not unmapped).
// Sets `unmapped` when the range lies in a region that was explicitly unmapped.
bool InLiveRegion(uintptr_t addr, size_t length, bool* unmapped);

void InitMemory(Napi::Env env, Napi::Object exports);

}  // namespace nic
