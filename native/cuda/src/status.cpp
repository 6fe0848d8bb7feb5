#include "status.h"

#include <string>

#if KILN_WITH_CUDA
#include <cuda_runtime_api.h>

#include "memory_accounting.h"
#endif

namespace kiln::cuda {
namespace {

Napi::Object libraries(Napi::Env env) {
  Napi::Object libs = Napi::Object::New(env);
  libs.Set("cublasLt", Napi::Boolean::New(env, KILN_HAVE_CUBLASLT != 0));
  libs.Set("cudnn", Napi::Boolean::New(env, KILN_HAVE_CUDNN != 0));
  return libs;
}

#if KILN_WITH_CUDA
// Describes a failed call's error and clears it from this thread's last error (it is reported here).
std::string errorText(cudaError_t error) {
  cudaGetLastError();
  return std::string(cudaGetErrorName(error)) + " (" + cudaGetErrorString(error) + ")";
}

Napi::Object describeDevice(Napi::Env env, int index, const cudaDeviceProp& prop) {
  Napi::Object device = Napi::Object::New(env);
  device.Set("index", index);
  device.Set("name", prop.name);
  Napi::Array cc = Napi::Array::New(env, 2);
  cc.Set(0u, prop.major);
  cc.Set(1u, prop.minor);
  device.Set("computeCapability", cc);
  device.Set("multiprocessors", prop.multiProcessorCount);
  device.Set("totalMemoryBytes", static_cast<double>(prop.totalGlobalMem));
  return device;
}

void fillStatus(Napi::Env env, Napi::Object status) {
  Napi::Array devices = Napi::Array::New(env);
  status.Set("devices", devices);
  int runtimeVersion = 0;
  if (cudaRuntimeGetVersion(&runtimeVersion) == cudaSuccess) status.Set("runtimeVersion", runtimeVersion);
  int driverVersion = 0;
  const cudaError_t driverError = cudaDriverGetVersion(&driverVersion);
  if (driverError != cudaSuccess || driverVersion == 0) {
    status.Set("driver", "no-driver");
    status.Set("reason", "no NVIDIA driver is installed (libcuda could not be loaded): install the NVIDIA driver to use the GPU; the CPU backend still works");
    return;
  }
  status.Set("driverVersion", driverVersion);
  int count = 0;
  const cudaError_t countError = cudaGetDeviceCount(&count);
  if (countError == cudaErrorNoDevice) {
    status.Set("driver", "ok");
    status.Set("reason", "the NVIDIA driver is loaded but no GPU is visible: check CUDA_VISIBLE_DEVICES and container GPU flags");
    return;
  }
  if (countError == cudaErrorInsufficientDriver) {
    status.Set("driver", "error");
    status.Set("reason", "the NVIDIA driver (" + std::to_string(driverVersion) + ") is older than the CUDA runtime (" +
                             std::to_string(runtimeVersion) + ") kiln was built with: update the driver");
    return;
  }
  if (countError != cudaSuccess) {
    status.Set("driver", "error");
    status.Set("reason", "cudaGetDeviceCount failed: " + errorText(countError));
    return;
  }
  status.Set("driver", "ok");
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    const cudaError_t propError = cudaGetDeviceProperties(&prop, i);
    if (propError != cudaSuccess) {
      status.Set("reason", "cudaGetDeviceProperties(" + std::to_string(i) + ") failed: " + errorText(propError));
      continue;
    }
    devices.Set(devices.Length(), describeDevice(env, i, prop));
  }
}
#endif

}  // namespace

Napi::Value CudaStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object status = Napi::Object::New(env);
  status.Set("compiledWithCuda", Napi::Boolean::New(env, KILN_WITH_CUDA != 0));
  status.Set("libraries", libraries(env));
#if KILN_WITH_CUDA
  try {
    fillStatus(env, status);
  } catch (const std::exception& e) {
    status.Set("driver", "error");
    status.Set("devices", Napi::Array::New(env));
    status.Set("reason", std::string("querying CUDA failed: ") + e.what());
  }
#else
  status.Set("driver", "no-driver");
  status.Set("devices", Napi::Array::New(env));
  status.Set("reason",
             "kiln_cuda.node was built without CUDA (nvcc was not found at build time): install the CUDA toolkit and "
             "run 'pnpm --filter @kiln-inference/cuda-runtime build:native'");
#endif
  return status;
}

Napi::Value MemoryStatsInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object stats = Napi::Object::New(env);
#if KILN_WITH_CUDA
  const MemoryStats s = memoryStats();
  stats.Set("bytesInUse", static_cast<double>(s.bytesInUse));
  stats.Set("peakBytes", static_cast<double>(s.peakBytes));
  stats.Set("liveBuffers", static_cast<double>(s.liveBuffers));
  stats.Set("totalAllocations", static_cast<double>(s.totalAllocations));
  // The driver's view of the current device (covers library handles and workspaces kiln does
  // not allocate itself); absent where no device is usable.
  size_t freeBytes = 0, totalBytes = 0;
  int count = 0;
  if (cudaGetDeviceCount(&count) == cudaSuccess && count > 0 && cudaMemGetInfo(&freeBytes, &totalBytes) == cudaSuccess) {
    stats.Set("deviceFreeBytes", static_cast<double>(freeBytes));
    stats.Set("deviceTotalBytes", static_cast<double>(totalBytes));
  } else {
    cudaGetLastError();
  }
#else
  for (const char* key : {"bytesInUse", "peakBytes", "liveBuffers", "totalAllocations"}) stats.Set(key, 0);
#endif
  return stats;
}

}  // namespace kiln::cuda
