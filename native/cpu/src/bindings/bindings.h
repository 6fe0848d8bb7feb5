#pragma once

#include <napi.h>

namespace kiln::cpu {

Napi::Value Sgemm(const Napi::CallbackInfo& info);
Napi::Value Conv2d(const Napi::CallbackInfo& info);
Napi::Value Conv2dInfo(const Napi::CallbackInfo& info);
Napi::Value CpuFeaturesInfo(const Napi::CallbackInfo& info);
Napi::Value ThreadCount(const Napi::CallbackInfo& info);
Napi::Value MicroKernelName(const Napi::CallbackInfo& info);
Napi::Value SetMicroKernel(const Napi::CallbackInfo& info);
Napi::Value CreateProgram(const Napi::CallbackInfo& info);
// Stores the ProgramHandle class for this environment (main thread or worker thread).
void RegisterProgramHandle(Napi::Env env);

}  // namespace kiln::cpu
