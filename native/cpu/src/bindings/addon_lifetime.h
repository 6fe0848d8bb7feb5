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

// Returns glibc's free pages to the system (when Kiln tunes malloc; see addon_lifetime.cpp).
// Called again from the finalizer of the addon's instance data, which Node runs after every
// wrapped object's finalizer: what a Worker's programs free at its teardown comes after the
// cleanup hook's trim and would otherwise wait for the next Worker's.
void returnFreeMemory();

}  // namespace kiln::cpu
