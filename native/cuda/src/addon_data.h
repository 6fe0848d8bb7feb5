// Per-environment state of kiln_cuda.node: the JS constructors, so native code can create
// Stream/Event/DeviceBuffer objects when an async creation finishes (and check instanceof).
#pragma once

#include <napi.h>

namespace kiln::cuda {

struct AddonData {
  Napi::FunctionReference deviceBuffer;
  Napi::FunctionReference stream;
  Napi::FunctionReference event;
  Napi::FunctionReference program;
  Napi::FunctionReference module;
};

inline AddonData& addonData(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

// Wraps an object that owns freshly created native state so a JS constructor can adopt it.
template <typename T>
Napi::Object adopt(Napi::FunctionReference& constructor, Napi::Env env, T* owned) {
  return constructor.New({Napi::External<T>::New(env, owned)});
}

// Takes the native state handed to a constructor by `adopt`, or fails when JS called `new`.
template <typename T>
T takeAdopted(const Napi::CallbackInfo& info, const char* className, const char* factory) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), std::string(className) + " cannot be constructed directly: use " + factory);
  }
  T* owned = info[0].As<Napi::External<T>>().Data();
  T value = std::move(*owned);
  delete owned;
  return value;
}

// Counts async operations that use an object, so destroying it mid-operation is refused.
class InFlight {
 public:
  int count() const { return count_; }
  template <typename Worker>
  void track(Worker* worker) {
    ++count_;
    worker->onSettled([this] { --count_; });
  }

 private:
  int count_ = 0;
};

}  // namespace kiln::cuda
