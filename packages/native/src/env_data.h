// Per-environment state of the addon. The main thread and every worker thread load the addon
// into their own Node-API environment; each gets one EnvData through napi instance data.
#pragma once

#include <napi.h>

#include <cstdint>
#include <unordered_map>

namespace nic {

struct Watcher;

struct EnvData {
  // Builds the NicError thrown for every failure (set by addon.ts at load).
  Napi::FunctionReference errorFactory;
  // Active fd watchers of this environment, by the id handed to JavaScript.
  std::unordered_map<uint32_t, Watcher*> watchers;
  uint32_t nextWatcherId = 1;
};

// The EnvData of `env`; created by the module's Init.
inline EnvData* GetEnvData(Napi::Env env) { return env.GetInstanceData<EnvData>(); }

}  // namespace nic
