#include "device_allocation.h"

#include <string>

#include "../cuda_check.h"
#include "../memory_accounting.h"

namespace kiln::cuda {

std::shared_ptr<DeviceAllocation> DeviceAllocation::make(int64_t bytes, int device, const char* what) {
  void* pointer = nullptr;
  const int64_t size = bytes < 1 ? 1 : bytes;
  const cudaError_t status = cudaMalloc(&pointer, static_cast<size_t>(size));
  if (status != cudaSuccess) {
    throw cudaFailure(status, ("cudaMalloc of " + std::to_string(size) + " bytes for " + what).c_str());
  }
  recordAllocation(static_cast<uint64_t>(size));
  return std::shared_ptr<DeviceAllocation>(new DeviceAllocation(pointer, size, device));
}

DeviceAllocation::~DeviceAllocation() {
  cudaSetDevice(device_);
  cudaFree(pointer_);
  recordFree(static_cast<uint64_t>(bytes_));
}

PinnedHostBuffer::PinnedHostBuffer(int64_t bytes) : bytes_(bytes) {
  checkCuda(cudaMallocHost(&pointer_, static_cast<size_t>(bytes < 1 ? 1 : bytes)), "cudaMallocHost (pinned staging buffer)");
}

PinnedHostBuffer::~PinnedHostBuffer() {
  if (pointer_ != nullptr) cudaFreeHost(pointer_);
}

}  // namespace kiln::cuda
