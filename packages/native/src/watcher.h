// The fd watcher: calls a JavaScript function whenever a file descriptor is readable, from
// the libuv loop of the thread that registered it.
#pragma once

#include <napi.h>

namespace nic {

void InitWatcher(Napi::Env env, Napi::Object exports);

}  // namespace nic
