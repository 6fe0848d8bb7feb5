// Ties the addon's process-wide native state (the kernel thread pool) to the Node.js
// environments that loaded it: the main thread and any number of Worker threads, each of which
// runs the addon's init once and may end at any time.
#pragma once

#include <napi.h>

namespace kiln::cpu {

// Counts `env` as a user of the native state until its teardown; when the last such environment
// is torn down, the thread pool is stopped and joined (a later load starts a fresh one). Each
// teardown also returns glibc's free pages to the system (see addon_lifetime.cpp).
void holdNativeState(Napi::Env env);

}  // namespace kiln::cpu
