// The calling thread: CPU affinity, name, kernel thread id, CPU time.
#pragma once

#include <napi.h>

namespace nic {

void InitThread(Napi::Env env, Napi::Object exports);

}  // namespace nic
