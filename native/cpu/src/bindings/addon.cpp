// kiln_cpu.node: the native CPU kernels. Compute functions return Promises and run on the
// libuv pool (which fans out to kiln's own thread pool); the small queries are synchronous.
#include <napi.h>

#include "../cpu_features.h"
#include "../micro_kernel.h"
#include "../thread_pool.h"
#include "addon_lifetime.h"
#include "bindings.h"
#include "kiln/args.h"
#include "kiln/js_errors.h"

namespace kiln::cpu {

Napi::Value CpuFeaturesInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const CpuFeatures& f = cpuFeatures();
  Napi::Object result = Napi::Object::New(env);
  result.Set("x86", f.x86);
  result.Set("sse42", f.sse42);
  result.Set("avx", f.avx);
  result.Set("avx2", f.avx2);
  result.Set("fma", f.fma);
  result.Set("avx512f", f.avx512f);
  result.Set("microKernel", activeMicroKernelName());
  return result;
}

Napi::Value ThreadCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), ThreadPool::instance().concurrency());
}

Napi::Value MicroKernelName(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), activeMicroKernelName());
}

// setMicroKernel('auto' | 'generic') → the name of the kernel now in use.
Napi::Value SetMicroKernel(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Args args(info, "setMicroKernel");
    const std::string choice = args.isAbsent(0) || !info[0].IsString() ? "" : info[0].As<Napi::String>().Utf8Value();
    if (choice == "auto") setMicroKernelChoice(MicroKernelChoice::Auto);
    else if (choice == "generic") setMicroKernelChoice(MicroKernelChoice::Generic);
    else args.fail("expects 'auto' or 'generic'");
    return Napi::String::New(info.Env(), activeMicroKernelName());
  });
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  holdNativeState(env);
  exports.Set("sgemm", Napi::Function::New(env, Sgemm, "sgemm"));
  exports.Set("conv2d", Napi::Function::New(env, Conv2d, "conv2d"));
  exports.Set("conv2dInfo", Napi::Function::New(env, Conv2dInfo, "conv2dInfo"));
  exports.Set("cpuFeatures", Napi::Function::New(env, CpuFeaturesInfo, "cpuFeatures"));
  exports.Set("threadCount", Napi::Function::New(env, ThreadCount, "threadCount"));
  exports.Set("microKernel", Napi::Function::New(env, MicroKernelName, "microKernel"));
  exports.Set("setMicroKernel", Napi::Function::New(env, SetMicroKernel, "setMicroKernel"));
  RegisterProgramHandle(env);
  exports.Set("createProgram", Napi::Function::New(env, CreateProgram, "createProgram"));
  return exports;
}

}  // namespace kiln::cpu

// The module macro pastes the init function's name into identifiers, so it needs a plain name.
static Napi::Object InitKilnCpu(Napi::Env env, Napi::Object exports) { return kiln::cpu::Init(env, exports); }

NODE_API_MODULE(kiln_cpu, InitKilnCpu)
