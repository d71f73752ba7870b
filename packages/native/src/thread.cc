#include "thread.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"

namespace nic {

namespace {

// Linux limits a thread name to 16 bytes including the terminating NUL.
constexpr size_t kMaxThreadName = 15;

// The thread `setAffinity`/`getAffinity` act on: argument `i` when given (a thread id of
// this process, checked through /proc/self/task), else 0, which the kernel reads as the
// calling thread. Sets `label` for messages.
bool ArgTid(const Napi::CallbackInfo& info, size_t i, const char* name, pid_t* tid, std::string* label) {
  *tid = 0;
  *label = "thread " + std::to_string(gettid());
  if (info.Length() <= i || info[i].IsUndefined()) return true;
  int64_t value;
  if (!ArgInt(info, i, name, 1, INT32_MAX, &value)) return false;
  *tid = static_cast<pid_t>(value);
  *label = "thread " + std::to_string(value);
  std::string task = "/proc/self/task/" + std::to_string(value);
  if (access(task.c_str(), F_OK) != 0) {
    ThrowNic(info.Env(), "NIC_ENOENT", std::string(name) + ": " + std::to_string(value) + " is not a thread of this process");
    return false;
  }
  return true;
}

// setAffinity(cpus, tid?): pins the calling thread, or thread `tid` of this process, to the
// given CPUs.
Napi::Value SetAffinity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<int64_t> cpus;
  if (!ArgIntArray(info, 0, "setAffinity cpus", CPU_SETSIZE, 0, CPU_SETSIZE - 1, &cpus)) return Napi::Value();
  pid_t tid;
  std::string label;
  if (!ArgTid(info, 1, "setAffinity tid", &tid, &label)) return Napi::Value();
  if (cpus.empty()) {
    ThrowNic(env, "NIC_EINVAL", "setAffinity: the CPU list is empty");
    return Napi::Value();
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  std::string list;
  for (int64_t cpu : cpus) {
    CPU_SET(static_cast<int>(cpu), &set);
    list += (list.empty() ? "" : ",") + std::to_string(cpu);
  }
  if (sched_setaffinity(tid, sizeof(set), &set) != 0) {
    int err = errno;
    ThrowErrno(env, err, "sched_setaffinity", "pinning " + label + " to CPUs " + list);
    return Napi::Value();
  }
  return env.Undefined();
}

// getAffinity(tid?) -> the CPUs the calling thread, or thread `tid` of this process, may
// run on, ascending
Napi::Value GetAffinity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t tid;
  std::string label;
  if (!ArgTid(info, 0, "getAffinity tid", &tid, &label)) return Napi::Value();
  cpu_set_t set;
  if (sched_getaffinity(tid, sizeof(set), &set) != 0) {
    int err = errno;
    ThrowErrno(env, err, "sched_getaffinity", "reading the CPU affinity of " + label);
    return Napi::Value();
  }
  Napi::Array cpus = Napi::Array::New(env);
  uint32_t n = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
    if (CPU_ISSET(cpu, &set)) cpus.Set(n++, cpu);
  }
  return cpus;
}

// setThreadName(name): as shown by top -H and /proc/<pid>/task/<tid>/comm
Napi::Value SetThreadName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!ArgString(info, 0, "setThreadName name", &name)) return Napi::Value();
  if (name.size() > kMaxThreadName || name.find('\0') != std::string::npos) {
    ThrowNic(env, "NIC_EINVAL",
             "setThreadName: '" + name + "' is longer than " + std::to_string(kMaxThreadName) + " bytes or holds a NUL");
    return Napi::Value();
  }
  int err = pthread_setname_np(pthread_self(), name.c_str());
  if (err != 0) {
    ThrowErrno(env, err, "pthread_setname_np", "naming thread " + std::to_string(gettid()) + " '" + name + "'");
    return Napi::Value();
  }
  return env.Undefined();
}

// getThreadName() -> the calling thread's name
Napi::Value GetThreadName(const Napi::CallbackInfo& info) {
  char name[kMaxThreadName + 1];
  int err = pthread_getname_np(pthread_self(), name, sizeof(name));
  if (err != 0) {
    ThrowErrno(info.Env(), err, "pthread_getname_np", "reading the name of thread " + std::to_string(gettid()));
    return Napi::Value();
  }
  return Napi::String::New(info.Env(), name);
}

// gettid() -> the kernel's id of the calling thread
Napi::Value GetTid(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), gettid()); }

// threadCpuTimeNs() -> CPU time the calling thread has used, in nanoseconds
Napi::Value ThreadCpuTimeNs(const Napi::CallbackInfo& info) {
  timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
    int err = errno;
    ThrowErrno(info.Env(), err, "clock_gettime", "reading CLOCK_THREAD_CPUTIME_ID");
    return Napi::Value();
  }
  return Napi::Number::New(info.Env(), static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec));
}

}  // namespace

void InitThread(Napi::Env env, Napi::Object exports) {
  exports.Set("setAffinity", Napi::Function::New(env, SetAffinity, "setAffinity"));
  exports.Set("getAffinity", Napi::Function::New(env, GetAffinity, "getAffinity"));
  exports.Set("setThreadName", Napi::Function::New(env, SetThreadName, "setThreadName"));
  exports.Set("getThreadName", Napi::Function::New(env, GetThreadName, "getThreadName"));
  exports.Set("gettid", Napi::Function::New(env, GetTid, "gettid"));
  exports.Set("threadCpuTimeNs", Napi::Function::New(env, ThreadCpuTimeNs, "threadCpuTimeNs"));
}

}  // namespace nic
