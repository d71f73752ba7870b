// Blocking waits on file descriptors for worker threads (lcores sleeping on rx interrupts).
#pragma once

#include <napi.h>

namespace nic {

void InitEpoll(Napi::Env env, Napi::Object exports);

}  // namespace nic
