// Generic file-descriptor operations: close, pread, pwrite.
#pragma once

#include <napi.h>

namespace nic {

void InitFd(Napi::Env env, Napi::Object exports);

}  // namespace nic
