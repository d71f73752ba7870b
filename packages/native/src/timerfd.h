// timerfd: a CLOCK_MONOTONIC timer read through a file descriptor (EAL alarms).
#pragma once

#include <napi.h>

namespace nic {

void InitTimerfd(Napi::Env env, Napi::Object exports);

}  // namespace nic
