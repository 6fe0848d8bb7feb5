// Device memory owned through shared_ptr (weights shared by program clones) and pinned host
// memory, both counted in memory_accounting so leaks show up in memoryStats().
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <memory>

namespace kiln::cuda {

class DeviceAllocation {
 public:
  // cudaMalloc of `bytes` (at least 1) on the current device; throws a CUDA_ERROR Failure.
  static std::shared_ptr<DeviceAllocation> make(int64_t bytes, int device, const char* what);
  DeviceAllocation(const DeviceAllocation&) = delete;
  DeviceAllocation& operator=(const DeviceAllocation&) = delete;
  ~DeviceAllocation();
  void* get() const { return pointer_; }
  int64_t bytes() const { return bytes_; }

 private:
  DeviceAllocation(void* pointer, int64_t bytes, int device) : pointer_(pointer), bytes_(bytes), device_(device) {}
  void* pointer_;
  int64_t bytes_;
  int device_;
};

class PinnedHostBuffer {
 public:
  PinnedHostBuffer() = default;
  explicit PinnedHostBuffer(int64_t bytes);
  PinnedHostBuffer(const PinnedHostBuffer&) = delete;
  PinnedHostBuffer& operator=(const PinnedHostBuffer&) = delete;
  PinnedHostBuffer(PinnedHostBuffer&& o) noexcept : pointer_(o.pointer_), bytes_(o.bytes_) { o.pointer_ = nullptr; }
  ~PinnedHostBuffer();
  void* get() const { return pointer_; }
  int64_t bytes() const { return bytes_; }

 private:
  void* pointer_ = nullptr;
  int64_t bytes_ = 0;
};

}  // namespace kiln::cuda
