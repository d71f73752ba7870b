// Memory barriers for ordering accesses to shared and device memory.
#pragma once

#include <napi.h>

namespace nic {

void InitFence(Napi::Env env, Napi::Object exports);

}  // namespace nic
