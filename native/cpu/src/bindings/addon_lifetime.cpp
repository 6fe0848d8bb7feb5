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
// And one for memory (glibc only): every Worker that runs a program allocates and frees blocks
// of a MiB or more (the plan it is sent, weights, the program's buffers). glibc raises its mmap
// threshold to the size of the first such block freed, so from then on they are carved out of
// per-thread malloc arenas, which only give memory back from their top; with Worker threads
// taking turns over up to 8 arenas per core, RSS ratcheted up with every thousand sessions
// (+52% over 10,000, docs/reliability.md "Lifetime stress").
//   3. At first load the mmap threshold is fixed at glibc's default (128 KiB), which keeps big
//      blocks in their own mappings, returned on free — unless the process set it itself
//      (MALLOC_MMAP_THRESHOLD_ or GLIBC_TUNABLES) or KILN_MALLOC_TUNING=0 asks to leave malloc
//      alone. When an environment ends, malloc_trim(0) hands the free pages of every arena back.
#include "addon_lifetime.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "../thread_pool.h"

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace kiln::cpu {
namespace {

std::mutex environmentsMutex;
int environments = 0;  // guarded by environmentsMutex
bool tuneMalloc = false;  // set once, at first load

void pinLibrary() {
#if defined(__unix__) || defined(__APPLE__)
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&pinLibrary), &info) == 0 || info.dli_fname == nullptr) return;
  // RTLD_NOLOAD: take a reference on the image already mapped, marking it never to be unloaded.
  // The handle is deliberately never closed.
  dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
#endif
}

bool mallocTuningWanted() {
  const char* optOut = std::getenv("KILN_MALLOC_TUNING");
  if (optOut != nullptr && std::strcmp(optOut, "0") == 0) return false;
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr) return false;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables == nullptr || std::strstr(tunables, "mmap_threshold") == nullptr;
}

// Fixing the threshold (at its default) turns off glibc's raising of it.
void fixMmapThreshold() {
#if defined(__GLIBC__)
  tuneMalloc = mallocTuningWanted();
  if (tuneMalloc) mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

void releaseEnvironment() {
  {
    std::lock_guard<std::mutex> lock(environmentsMutex);
    if (--environments == 0) ThreadPool::shutdown();
  }
  // Outside the lock: walking the arenas takes a moment, and another Worker may be loading.
  returnFreeMemory();
}

}  // namespace

void returnFreeMemory() {
#if defined(__GLIBC__)
  if (tuneMalloc) malloc_trim(0);
#endif
}

void holdNativeState(Napi::Env env) {
  {
    std::lock_guard<std::mutex> lock(environmentsMutex);
    static bool firstLoad = true;
    if (firstLoad) {
      pinLibrary();
      fixMmapThreshold();
      firstLoad = false;
    }
    ++environments;
  }
  env.AddCleanupHook(releaseEnvironment);
}

}  // namespace kiln::cpu
