// The fd watcher: calls a JavaScript function whenever a file descriptor is readable, from
// the libuv loop of the thread that registered it.
#pragma once

#include <napi.h>

namespace nic {

// Stops every watcher of `fd` in this environment, before the fd is closed: libuv aborts the
// process when epoll reports a watched fd gone (EBADF), and a stale watcher would keep the fd
// number from being watched again.
void UnwatchFd(Napi::Env env, int fd);

void InitWatcher(Napi::Env env, Napi::Object exports);

}  // namespace nic
