#include "cuda_check.h"

namespace kiln::cuda {
namespace {

const char* hintFor(cudaError_t error) {
  switch (error) {
    case cudaErrorInsufficientDriver:
      return "the NVIDIA driver is missing or older than this CUDA runtime: install or update the driver, or use the CPU backend";
    case cudaErrorNoDevice:
      return "no GPU is visible to this process: check the hardware, CUDA_VISIBLE_DEVICES and container GPU flags";
    case cudaErrorInvalidDevice:
      return "the device index is out of range: see cudaStatus().devices for the GPUs present";
    case cudaErrorMemoryAllocation:
      return "the GPU is out of memory: free DeviceBuffers you no longer need, or reduce batch size or workspace";
    case cudaErrorInvalidValue:
      return "an argument passed to CUDA was invalid (size, pointer or handle): check the sizes and that the object was not destroyed";
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorMisalignedAddress:
      return "a GPU kernel faulted and the CUDA context is no longer usable: restart the process (and report the model if kiln's kernel faulted)";
    case cudaErrorNotReady:
      return "the work is still running: synchronize the stream or event first";
    default:
      return "look the error name up in the CUDA runtime documentation; running with CUDA_LAUNCH_BLOCKING=1 pinpoints asynchronous failures";
  }
}

}  // namespace

Failure cudaFailure(cudaError_t error, const char* call) {
  // The failure is reported here, so it must not linger as this thread's last error: a later
  // cudaGetLastError after an unrelated kernel launch would otherwise blame that kernel.
  // (Sticky errors, a faulted context, stay: those rightly fail everything after them.)
  cudaGetLastError();
  std::string message = std::string(call) + " failed: " + cudaGetErrorName(error) + " (" + cudaGetErrorString(error) + ")";
  return Failure("CUDA_ERROR", message, hintFor(error));
}

}  // namespace kiln::cuda
