#include "watcher.h"

#include <uv.h>

#include <string>
#include <vector>

#include "args.h"
#include "env_data.h"
#include "errors.h"

namespace nic {

struct Watcher {
  uv_poll_t poll;  // poll.data points back here
  napi_env env;
  EnvData* data;
  uint32_t id;
  int fd;
  bool closing = false;
  Napi::FunctionReference callback;
  napi_async_context context = nullptr;
  // Keeps the environment (and its loop) alive at teardown until the handle has closed.
  napi_async_cleanup_hook_handle teardown = nullptr;
};

namespace {

void OnClosed(uv_handle_t* handle) {
  Watcher* w = static_cast<Watcher*>(handle->data);
  w->callback.Reset();
  if (w->context != nullptr) napi_async_destroy(w->env, w->context);
  if (w->teardown != nullptr) napi_remove_async_cleanup_hook(w->teardown);
  delete w;
}

// Stops watching; the memory goes once libuv has closed the handle.
void Close(Watcher* w) {
  if (w->closing) return;
  w->closing = true;
  w->data->watchers.erase(w->id);
  uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), OnClosed);
}

// The environment is going away (worker exit, process exit) with the watcher still open.
void OnTeardown(napi_async_cleanup_hook_handle, void* arg) { Close(static_cast<Watcher*>(arg)); }

void OnPoll(uv_poll_t* handle, int status, int) {
  Watcher* w = static_cast<Watcher*>(handle->data);
  if (w->closing) return;
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  napi_value args[2] = {Napi::Number::New(env, w->fd), nullptr};
  size_t argc = 1;
  if (status < 0) {
    // libuv reports a negative errno; the watcher cannot go on, so it closes first.
    args[1] = ErrnoError(env, -status, "epoll_wait", "watching fd " + std::to_string(w->fd));
    argc = 2;
    Close(w);
  }
  napi_value global, result;
  napi_get_global(env, &global);
  // make_callback runs queued microtasks and process.nextTick work afterwards, as Node does
  // for its own I/O callbacks; an exception becomes an 'uncaughtException'.
  if (napi_make_callback(env, w->context, global, w->callback.Value(), argc, args, &result) ==
      napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
}

// watch(fd, callback) -> watcher id
Napi::Value Watch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, "epoll_ctl", &fd)) return Napi::Value();
  if (!info[1].IsFunction()) {
    ThrowType(env, "watch callback must be a function");
    return Napi::Value();
  }
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    ThrowNic(env, "NIC_EIO", "watch: this thread has no event loop");
    return Napi::Value();
  }
  Watcher* w = new Watcher();
  w->env = env;
  w->data = GetEnvData(env);
  w->fd = fd;
  // uv_poll_init makes the fd non-blocking, refuses fds epoll cannot watch (regular files:
  // EPERM) and fds this loop already watches (EEXIST).
  int err = uv_poll_init(loop, &w->poll, fd);
  if (err != 0) {
    delete w;
    ThrowErrno(env, -err, "epoll_ctl", "watching fd " + std::to_string(fd));
    return Napi::Value();
  }
  w->poll.data = w;
  w->id = w->data->nextWatcherId++;
  w->data->watchers[w->id] = w;
  w->callback = Napi::Persistent(info[1].As<Napi::Function>());
  // Without its async context the callback cannot run; without the cleanup hook the handle
  // would outlive the environment at teardown.
  if (napi_async_init(env, nullptr, Napi::String::New(env, "nic:FdWatcher"), &w->context) != napi_ok ||
      napi_add_async_cleanup_hook(env, OnTeardown, w, &w->teardown) != napi_ok) {
    Close(w);
    ThrowNic(env, "NIC_EIO", "watch: Node refused an async context or cleanup hook for fd " + std::to_string(fd));
    return Napi::Value();
  }
  err = uv_poll_start(&w->poll, UV_READABLE, OnPoll);
  if (err != 0) {
    Close(w);
    ThrowErrno(env, -err, "epoll_ctl", "watching fd " + std::to_string(fd));
    return Napi::Value();
  }
  return Napi::Number::New(env, w->id);
}

Watcher* Find(const Napi::CallbackInfo& info, const char* name) {
  uint64_t id;
  if (!ArgUint(info, 0, name, UINT32_MAX, &id)) return nullptr;
  auto& watchers = GetEnvData(info.Env())->watchers;
  auto it = watchers.find(static_cast<uint32_t>(id));
  return it == watchers.end() ? nullptr : it->second;
}

// watchClose(id) -> whether the watcher was open. Safe from inside its own callback.
Napi::Value WatchClose(const Napi::CallbackInfo& info) {
  Watcher* w = Find(info, "watchClose id");
  if (info.Env().IsExceptionPending()) return Napi::Value();
  if (w != nullptr) Close(w);
  return Napi::Boolean::New(info.Env(), w != nullptr);
}

// watchRef(id, ref): whether an open watcher keeps the event loop alive.
Napi::Value WatchRef(const Napi::CallbackInfo& info) {
  Watcher* w = Find(info, "watchRef id");
  bool ref;
  if (info.Env().IsExceptionPending() || !ArgBool(info, 1, "watchRef ref", &ref)) return Napi::Value();
  if (w != nullptr) {
    uv_handle_t* handle = reinterpret_cast<uv_handle_t*>(&w->poll);
    if (ref) {
      uv_ref(handle);
    } else {
      uv_unref(handle);
    }
  }
  return Napi::Boolean::New(info.Env(), w != nullptr);
}

}  // namespace

void UnwatchFd(Napi::Env env, int fd) {
  EnvData* data = GetEnvData(env);
  std::vector<Watcher*> found;
  for (auto& [id, w] : data->watchers) {
    if (w->fd == fd) found.push_back(w);
  }
  for (Watcher* w : found) Close(w);
}

void InitWatcher(Napi::Env env, Napi::Object exports) {
  exports.Set("watch", Napi::Function::New(env, Watch, "watch"));
  exports.Set("watchClose", Napi::Function::New(env, WatchClose, "watchClose"));
  exports.Set("watchRef", Napi::Function::New(env, WatchRef, "watchRef"));
}

}  // namespace nic
