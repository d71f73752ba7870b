// Virtual to physical address translation through /proc/self/pagemap.
#pragma once

#include <napi.h>

namespace nic {

void InitPagemap(Napi::Env env, Napi::Object exports);

}  // namespace nic
