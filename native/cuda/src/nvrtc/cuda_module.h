// CudaModule: CUDA C source compiled at run time with NVRTC (for plugins) and loaded with the
// runtime's library API (cudaLibraryLoadData), so no driver-API link is needed. Kernels are
// launched by name (declare them extern "C") with DeviceBuffers and typed scalars as arguments.
#pragma once

#include <cuda_runtime_api.h>
#include <napi.h>

#include <map>
#include <mutex>
#include <memory>
#include <string>

#include "../addon_data.h"

namespace kiln::cuda {

class CudaModule : public Napi::ObjectWrap<CudaModule> {
 public:
  static Napi::Function define(Napi::Env env);
  // compileCuda(source, name, options: string[], device) → Promise<CudaModule>
  static Napi::Value compile(const Napi::CallbackInfo& info);
  // nvrtcStatus() → { available, version?, path?, reason? }; never throws.
  static Napi::Value status(const Napi::CallbackInfo& info);

  explicit CudaModule(const Napi::CallbackInfo& info);
  ~CudaModule() override;

  struct Loaded {
    cudaLibrary_t library = nullptr;
    int device = 0;
    std::string log;
    std::map<std::string, cudaKernel_t> kernels;
    std::mutex kernelsMutex;  // launches may look kernels up from several worker threads
  };

 private:
  // launch(kernel, grid: number[3], block: number[3], sharedBytes, args: (DeviceBuffer | {type, value})[], stream?) → Promise<void>
  Napi::Value launch(const Napi::CallbackInfo& info);
  Napi::Value getLog(const Napi::CallbackInfo& info);
  Napi::Value unload(const Napi::CallbackInfo& info);

  std::shared_ptr<Loaded> loaded_;
  InFlight inFlight_;
};

}  // namespace kiln::cuda
