// Memory barriers, with the strength of DPDK's rte_mb / rte_rmb / rte_wmb.
//
// Each is a compiler barrier and a CPU fence. For the JavaScript caller the call itself is
// already a compiler barrier: V8 does not move typed-array loads or stores across a call
// into native code. What remains is the CPU's ordering.
//
// On x86-64 (TSO) ordinary write-back memory is strongly ordered: loads are not reordered
// with other loads, stores are not reordered with other stores, and stores become visible
// in program order. So for the rings and descriptors in the arena, read-read and write-write
// ordering is free, and uncached MMIO (BAR registers) is ordered with everything anyway.
// The only reordering TSO allows is a later load passing an earlier store (store buffer
// forwarding), which only mb() (mfence) prevents. The fences here are still real: sfence
// orders write-combining mappings (a prefetchable BAR mapped WC) and non-temporal stores,
// lfence orders loads against them, so wmb()/rmb() are correct for every memory type.
#include "fence.h"

#include <atomic>

namespace nic {

namespace {

// Inlined at every optimisation level (the sanitizer build is -O0): the fence instruction is
// in the exported function's own code, where fence.test.ts looks for it.
[[gnu::always_inline]] inline void FullFence() {
#if defined(__x86_64__)
  __asm__ __volatile__("mfence" ::: "memory");
#elif defined(__aarch64__)
  __asm__ __volatile__("dsb sy" ::: "memory");
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

[[gnu::always_inline]] inline void ReadFence() {
#if defined(__x86_64__)
  __asm__ __volatile__("lfence" ::: "memory");
#elif defined(__aarch64__)
  __asm__ __volatile__("dsb ld" ::: "memory");
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

[[gnu::always_inline]] inline void WriteFence() {
#if defined(__x86_64__)
  __asm__ __volatile__("sfence" ::: "memory");
#elif defined(__aarch64__)
  __asm__ __volatile__("dsb st" ::: "memory");
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

// Plain Node-API callbacks (no CallbackInfo to build): the lightest calls an addon offers.
// Returning nullptr returns undefined.
napi_value Mb(napi_env, napi_callback_info) {
  FullFence();
  return nullptr;
}

napi_value Rmb(napi_env, napi_callback_info) {
  ReadFence();
  return nullptr;
}

napi_value Wmb(napi_env, napi_callback_info) {
  WriteFence();
  return nullptr;
}

// The cheapest possible addon call, for measuring call overhead.
napi_value Nop(napi_env, napi_callback_info) { return nullptr; }

void Export(Napi::Env env, Napi::Object exports, const char* name, napi_callback callback) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, nullptr, &fn);
  exports.Set(name, Napi::Value(env, fn));
}

}  // namespace

void InitFence(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "mb", Mb);
  Export(env, exports, "rmb", Rmb);
  Export(env, exports, "wmb", Wmb);
  Export(env, exports, "nop", Nop);
}

}  // namespace nic
