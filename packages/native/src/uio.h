// UIO: interrupt counts and interrupt enable through a /dev/uioN file descriptor.
#pragma once

#include <napi.h>

namespace nic {

void InitUio(Napi::Env env, Napi::Object exports);

}  // namespace nic
