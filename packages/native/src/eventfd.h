// eventfd: a counter in the kernel that wakes pollers; the signal of interrupts and queues.
#pragma once

#include <napi.h>

namespace nic {

void InitEventfd(Napi::Env env, Napi::Object exports);

}  // namespace nic
