// Fault injection for the safety child watch-fault.cjs: the addon's objects are linked with
// -Wl,--wrap=napi_async_init,--wrap=napi_add_async_cleanup_hook (see napi-fault.ts), so the
// addon's calls of those two come here. The environment variable NIC_NAPI_FAULT names the one
// to refuse with napi_generic_failure; otherwise the call goes on to Node.
#include <node_api.h>

#include <cstdlib>
#include <cstring>

namespace {

bool Refused(const char* call) {
  const char* fault = std::getenv("NIC_NAPI_FAULT");
  return fault != nullptr && std::strcmp(fault, call) == 0;
}

}  // namespace

extern "C" {

napi_status __real_napi_async_init(napi_env env, napi_value resource, napi_value name, napi_async_context* result);
napi_status __real_napi_add_async_cleanup_hook(napi_env env, napi_async_cleanup_hook hook, void* arg,
                                               napi_async_cleanup_hook_handle* handle);

napi_status __wrap_napi_async_init(napi_env env, napi_value resource, napi_value name, napi_async_context* result) {
  if (Refused("napi_async_init")) return napi_generic_failure;
  return __real_napi_async_init(env, resource, name, result);
}

napi_status __wrap_napi_add_async_cleanup_hook(napi_env env, napi_async_cleanup_hook hook, void* arg,
                                               napi_async_cleanup_hook_handle* handle) {
  if (Refused("napi_add_async_cleanup_hook")) return napi_generic_failure;
  return __real_napi_add_async_cleanup_hook(env, hook, arg, handle);
}

}  // extern "C"
