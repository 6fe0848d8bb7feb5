// CudaProgram: the JS object of one Program execution context (kiln_cuda.node). Created by
// createProgram(program, options) and clone(); run/profile/dispose are promises whose work
// happens on a libuv worker thread.
#pragma once

#include <napi.h>

#include <memory>

#include "../addon_data.h"
#include "program_executor.h"

namespace kiln::cuda {

class CudaProgram : public Napi::ObjectWrap<CudaProgram> {
 public:
  static Napi::Function define(Napi::Env env);
  // createProgram(program, { precision, device, useGraph, channelsLast, workspaceLimitBytes }) → Promise<CudaProgram>
  static Napi::Value create(const Napi::CallbackInfo& info);

  explicit CudaProgram(const Napi::CallbackInfo& info);

 private:
  Napi::Value run(const Napi::CallbackInfo& info);
  Napi::Value clone(const Napi::CallbackInfo& info);
  Napi::Value profile(const Napi::CallbackInfo& info);
  Napi::Value benchmark(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);
  Napi::Value getInfo(const Napi::CallbackInfo& info);
  Napi::Value getDisposed(const Napi::CallbackInfo& info);
  void requireIdle(const char* method) const;

  std::shared_ptr<ProgramContext> context_;
  bool busy_ = false;  // one run/profile/clone at a time per context
  InFlight inFlight_;
};

}  // namespace kiln::cuda
