// Why: only the execution Worker loads kiln_cpu.node, so ending the Worker could unmap the addon
// while the thread pool's threads were still running its code (a segfault in 20–65% of fresh
// processes after dispose()). Two measures:
//   1. Every environment that loads the addon holds a reference, released by an environment
//      cleanup hook. Node runs those hooks only after the environment's pending async work has
//      finished (Environment::RunCleanup drains its requests first), so when the count drops to
//      zero no kernel is running and the pool can be joined safely.
//   2. The library pins itself in memory (RTLD_NODELETE) at first load. Joining covers the pool;
//      pinning also covers what joining cannot see: code of ours still on some thread's stack
//      while Node tears an environment down, and thread_local destructors registered by libuv
//      threads that ran a kernel. It costs nothing but the mapping staying until exit, which
//      is also what happens on the main thread anyway.
#include "addon_lifetime.h"

#include <mutex>

#include "../thread_pool.h"

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#endif

namespace kiln::cpu {
namespace {

std::mutex environmentsMutex;
int environments = 0;  // guarded by environmentsMutex

void pinLibrary() {
#if defined(__unix__) || defined(__APPLE__)
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&pinLibrary), &info) == 0 || info.dli_fname == nullptr) return;
  // RTLD_NOLOAD: take a reference on the image already mapped, marking it never to be unloaded.
  // The handle is deliberately never closed.
  dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
#endif
}

void releaseEnvironment() {
  std::lock_guard<std::mutex> lock(environmentsMutex);
  if (--environments == 0) ThreadPool::shutdown();
}

}  // namespace

void holdNativeState(Napi::Env env) {
  {
    std::lock_guard<std::mutex> lock(environmentsMutex);
    static bool pinned = false;
    if (!pinned) {
      pinLibrary();
      pinned = true;
    }
    ++environments;
  }
  env.AddCleanupHook(releaseEnvironment);
}

}  // namespace kiln::cpu
