// TAP interfaces: creating one (and more queues of a multi-queue one) through /dev/net/tun,
// and moving bursts of Ethernet frames between its queue fds and memory in one call each.
#pragma once

#include <napi.h>

namespace nic {

void InitTap(Napi::Env env, Napi::Object exports);

}  // namespace nic
