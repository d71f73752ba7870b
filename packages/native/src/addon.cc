// Entry point of the nic_native addon. Each concept lives in its own file; this one gives
// each environment (main thread, worker thread) its state and assembles the exports.
#include <napi.h>

#include "env_data.h"
#include "epoll.h"
#include "errors.h"
#include "eventfd.h"
#include "fd.h"
#include "fence.h"
#include "hugepage.h"
#include "memory.h"
#include "netif.h"
#include "packet.h"
#include "pagemap.h"
#include "tap.h"
#include "thread.h"
#include "timerfd.h"
#include "uio.h"
#include "unix_socket.h"
#include "vfio.h"
#include "watcher.h"

namespace {

// Version of the export surface; addon.ts refuses a build that does not match.
constexpr int kAbi = 4;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new nic::EnvData());
  exports.Set("abi", Napi::Number::New(env, kAbi));
  exports.Set("setErrorFactory", Napi::Function::New(env, nic::SetErrorFactory, "setErrorFactory"));
  nic::InitMemory(env, exports);
  nic::InitHugepage(env, exports);
  nic::InitPagemap(env, exports);
  nic::InitFence(env, exports);
  nic::InitFd(env, exports);
  nic::InitEventfd(env, exports);
  nic::InitTimerfd(env, exports);
  nic::InitWatcher(env, exports);
  nic::InitEpoll(env, exports);
  nic::InitUnixSocket(env, exports);
  nic::InitVfio(env, exports);
  nic::InitUio(env, exports);
  nic::InitThread(env, exports);
  nic::InitNetif(env, exports);
  nic::InitPacket(env, exports);
  nic::InitTap(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(nic_native, Init)
