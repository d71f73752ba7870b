// Unix-domain sockets that pass file descriptors (SCM_RIGHTS), as vhost-user needs.
#pragma once

#include <napi.h>

namespace nic {

void InitUnixSocket(Napi::Env env, Napi::Object exports);

}  // namespace nic
