#include "cuda_module.h"

#include <cstring>

#include "../cuda_check.h"
#include "../device_buffer.h"
#include "../stream.h"
#include "kiln/args.h"
#include "kiln/js_errors.h"
#include "kiln/promise_worker.h"
#include "nvrtc_library.h"

namespace kiln::cuda {
namespace {

void releaseLibrary(CudaModule::Loaded& loaded) {
  if (loaded.library != nullptr) {
    cudaSetDevice(loaded.device);
    cudaLibraryUnload(loaded.library);
    loaded.library = nullptr;
  }
}

std::vector<unsigned> dims3(const Args& args, size_t index, const char* name) {
  Napi::Value v = args.info()[index];
  if (!v.IsArray()) args.fail(std::string(name) + " must be an array of 1 to 3 positive integers");
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() < 1 || a.Length() > 3) args.fail(std::string(name) + " must have 1 to 3 entries");
  std::vector<unsigned> out = {1, 1, 1};
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 1 && d <= 2147483647.0) || d != static_cast<double>(static_cast<int64_t>(d))) {
      args.fail(std::string(name) + "[" + std::to_string(i) + "] must be a positive integer");
    }
    out[i] = static_cast<unsigned>(d);
  }
  return out;
}

}  // namespace

Napi::Function CudaModule::define(Napi::Env env) {
  return DefineClass(env, "CudaModule",
                     {InstanceMethod<&CudaModule::launch>("launch"), InstanceMethod<&CudaModule::unload>("unload"),
                      InstanceAccessor<&CudaModule::getLog>("log")});
}

CudaModule::CudaModule(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CudaModule>(info) {
  loaded_ = takeAdopted<std::shared_ptr<Loaded>>(info, "CudaModule", "compileCuda(source, options)");
}

CudaModule::~CudaModule() {
  if (loaded_) releaseLibrary(*loaded_);
}

Napi::Value CudaModule::status(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  const NvrtcLibrary* nvrtc = NvrtcLibrary::get();
  out.Set("available", Napi::Boolean::New(env, nvrtc != nullptr));
  if (nvrtc != nullptr) {
    out.Set("version", nvrtc->version());
    out.Set("path", nvrtc->path());
  } else {
    out.Set("reason", NvrtcLibrary::loadError());
  }
  return out;
}

Napi::Value CudaModule::compile(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Args args(info, "compileCuda");
    if (!info[0].IsString()) args.fail("source must be a string of CUDA C");
    if (!info[1].IsString()) args.fail("name must be a string");
    const std::string source = info[0].As<Napi::String>().Utf8Value();
    const std::string name = info[1].As<Napi::String>().Utf8Value();
    std::vector<std::string> options;
    if (!args.isAbsent(2)) {
      if (!info[2].IsArray()) args.fail("options must be an array of strings");
      Napi::Array a = info[2].As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); ++i) {
        if (!a.Get(i).IsString()) args.fail("options[" + std::to_string(i) + "] must be a string");
        options.push_back(a.Get(i).As<Napi::String>().Utf8Value());
      }
    }
    const int device = static_cast<int>(args.integer(3, "device", 0, 1023));
    const NvrtcLibrary* nvrtc = NvrtcLibrary::get();
    if (nvrtc == nullptr) {
      throw Failure("NATIVE_UNAVAILABLE", "compileCuda: NVRTC is not available: " + NvrtcLibrary::loadError(),
                    "install the CUDA toolkit's NVRTC (libnvrtc) or set KILN_NVRTC_PATH");
    }
    auto created = std::make_shared<std::shared_ptr<Loaded>>();
    PromiseWorker* worker = makeWorker(
        info.Env(), "kiln.compileCuda",
        [=] {
          useDevice(device);
          int major = 0, minor = 0;
          checkCuda(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device), "cudaDeviceGetAttribute");
          checkCuda(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device), "cudaDeviceGetAttribute");
          NvrtcResult compiled = nvrtc->compile(source, name, major * 10 + minor, options);
          auto loaded = std::make_shared<Loaded>();
          loaded->device = device;
          loaded->log = compiled.log;
          checkCuda(cudaLibraryLoadData(&loaded->library, compiled.cubin.data(), nullptr, nullptr, 0, nullptr, nullptr, 0),
                    "cudaLibraryLoadData");
          *created = loaded;
        },
        [created](Napi::Env env) -> Napi::Value {
          return addonData(env).module.New({Napi::External<std::shared_ptr<Loaded>>::New(env, new std::shared_ptr<Loaded>(*created))});
        });
    return worker->start();
  });
}

Napi::Value CudaModule::launch(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Args args(info, "CudaModule.launch");
    if (!loaded_ || loaded_->library == nullptr) args.fail("the module was unloaded", "compile it again");
    if (!info[0].IsString()) args.fail("kernel must be the name of an extern \"C\" __global__ function");
    const std::string kernelName = info[0].As<Napi::String>().Utf8Value();
    const std::vector<unsigned> grid = dims3(args, 1, "grid"), block = dims3(args, 2, "block");
    const unsigned shared = args.isAbsent(3) ? 0 : static_cast<unsigned>(args.integer(3, "sharedBytes", 0, 1 << 30));
    if (!info[4].IsArray()) args.fail("args must be an array of DeviceBuffers and { type, value } scalars");
    Napi::Array list = info[4].As<Napi::Array>();
    // Every argument gets an 8-byte slot; the kernel parameter array points into them.
    auto slots = std::make_shared<std::vector<uint64_t>>(list.Length(), 0);
    std::vector<DeviceBuffer*> buffers;
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Value v = list.Get(i);
      void* slot = &(*slots)[i];
      if (DeviceBuffer* buffer = DeviceBuffer::fromValue(v)) {
        if (buffer->freed()) args.fail("args[" + std::to_string(i) + "] is a freed DeviceBuffer");
        if (buffer->device() != loaded_->device) args.fail("args[" + std::to_string(i) + "] lives on another device");
        void* pointer = buffer->data();
        std::memcpy(slot, &pointer, sizeof(pointer));
        buffers.push_back(buffer);
        continue;
      }
      if (!v.IsObject()) args.fail("args[" + std::to_string(i) + "] must be a DeviceBuffer or { type, value }");
      Napi::Object o = v.As<Napi::Object>();
      const std::string type = o.Get("type").IsString() ? o.Get("type").As<Napi::String>().Utf8Value() : "";
      const double value = o.Get("value").IsNumber() ? o.Get("value").As<Napi::Number>().DoubleValue() : 0;
      if (type == "f32") {
        const float f = static_cast<float>(value);
        std::memcpy(slot, &f, sizeof(f));
      } else if (type == "f64") {
        std::memcpy(slot, &value, sizeof(value));
      } else if (type == "i32" || type == "u32") {
        const int32_t n = static_cast<int32_t>(static_cast<int64_t>(value));
        std::memcpy(slot, &n, sizeof(n));
      } else if (type == "i64") {
        const int64_t n = static_cast<int64_t>(value);
        std::memcpy(slot, &n, sizeof(n));
      } else {
        args.fail("args[" + std::to_string(i) + "].type must be 'f32', 'f64', 'i32', 'u32' or 'i64'");
      }
    }
    Stream* stream = Stream::optionalArg(args, 5, loaded_->device);
    const cudaStream_t handle = stream != nullptr ? stream->handle() : nullptr;
    std::shared_ptr<Loaded> loaded = loaded_;
    PromiseWorker* worker = makeWorker(info.Env(), "kiln.launchKernel", [=] {
      useDevice(loaded->device);
      cudaKernel_t kernel = nullptr;
      std::unique_lock<std::mutex> lock(loaded->kernelsMutex);
      auto found = loaded->kernels.find(kernelName);
      if (found == loaded->kernels.end()) {
        const cudaError_t e = cudaLibraryGetKernel(&kernel, loaded->library, kernelName.c_str());
        if (e != cudaSuccess) {
          cudaGetLastError();
          throw Failure("INVALID_ARGUMENT", "CudaModule.launch: no kernel named '" + kernelName + "' in the module",
                        "declare the kernel extern \"C\" __global__ so its name is not mangled");
        }
        loaded->kernels[kernelName] = kernel;
      } else {
        kernel = found->second;
      }
      lock.unlock();
      std::vector<void*> params;
      for (auto& slot : *slots) params.push_back(&slot);
      checkCuda(cudaLaunchKernel(reinterpret_cast<const void*>(kernel), dim3(grid[0], grid[1], grid[2]), dim3(block[0], block[1], block[2]),
                                 params.data(), shared, handle),
                ("launch of '" + kernelName + "'").c_str());
      checkCuda(handle != nullptr ? cudaStreamSynchronize(handle) : cudaDeviceSynchronize(), ("kernel '" + kernelName + "'").c_str());
    });
    worker->keepAlive(info[4]);
    worker->keepAlive(Value());
    inFlight_.track(worker);
    for (DeviceBuffer* b : buffers) b->inFlight().track(worker);
    if (stream != nullptr) {
      worker->keepAlive(info[5]);
      stream->inFlight().track(worker);
    }
    return worker->start();
  });
}

Napi::Value CudaModule::getLog(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), loaded_ ? loaded_->log : "");
}

Napi::Value CudaModule::unload(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (inFlight_.count() > 0) failArgument("CudaModule.unload", "kernel launches are still in flight", "await them first");
    if (loaded_) releaseLibrary(*loaded_);
    return info.Env().Undefined();
  });
}

}  // namespace kiln::cuda
