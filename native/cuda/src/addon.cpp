// kiln_cuda.node: the CUDA binding. Built with CUDA it exports the device/stream/event/memory
// API and the Program executor (createProgram); built without (no nvcc) it exports only cudaStatus
// and memoryStats, which say so.
#include <napi.h>

#include "addon_data.h"
#include "status.h"

#if KILN_WITH_CUDA
#include "device_buffer.h"
#include "event.h"
#include "nvrtc/cuda_module.h"
#include "program/program_binding.h"
#include "stream.h"
#endif

namespace kiln::cuda {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("cudaStatus", Napi::Function::New(env, CudaStatus, "cudaStatus"));
  exports.Set("memoryStats", Napi::Function::New(env, MemoryStatsInfo, "memoryStats"));
#if KILN_WITH_CUDA
  auto* data = new AddonData();
  Napi::Function deviceBuffer = DeviceBuffer::define(env);
  Napi::Function stream = Stream::define(env);
  Napi::Function event = Event::define(env);
  data->deviceBuffer = Napi::Persistent(deviceBuffer);
  data->stream = Napi::Persistent(stream);
  data->event = Napi::Persistent(event);
  Napi::Function program = CudaProgram::define(env);
  data->program = Napi::Persistent(program);
  Napi::Function module = CudaModule::define(env);
  data->module = Napi::Persistent(module);
  env.SetInstanceData(data);
  exports.Set("DeviceBuffer", deviceBuffer);
  exports.Set("Stream", stream);
  exports.Set("Event", event);
  exports.Set("allocate", Napi::Function::New(env, DeviceBuffer::allocate, "allocate"));
  exports.Set("createStream", Napi::Function::New(env, Stream::create, "createStream"));
  exports.Set("createEvent", Napi::Function::New(env, Event::create, "createEvent"));
  exports.Set("elapsedTime", Napi::Function::New(env, Event::elapsedTime, "elapsedTime"));
  exports.Set("CudaProgram", program);
  exports.Set("createProgram", Napi::Function::New(env, CudaProgram::create, "createProgram"));
  exports.Set("CudaModule", module);
  exports.Set("compileCuda", Napi::Function::New(env, CudaModule::compile, "compileCuda"));
  exports.Set("nvrtcStatus", Napi::Function::New(env, CudaModule::status, "nvrtcStatus"));
#endif
  return exports;
}

}  // namespace kiln::cuda

// The module macro pastes the init function's name into identifiers, so it needs a plain name.
static Napi::Object InitKilnCuda(Napi::Env env, Napi::Object exports) { return kiln::cuda::Init(env, exports); }

NODE_API_MODULE(kiln_cuda, InitKilnCuda)
