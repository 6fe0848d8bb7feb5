// DeviceBuffer: device memory from cudaMalloc, counted in memory_accounting. Copies to and
// from typed arrays are async (a libuv worker waits for them); free() releases the memory
// early, garbage collection releases it otherwise.
#pragma once

#include <napi.h>

#include <cstdint>

#include "addon_data.h"
#include "cuda_handles.h"
#include "kiln/args.h"

namespace kiln::cuda {

class DeviceBuffer : public Napi::ObjectWrap<DeviceBuffer> {
 public:
  static Napi::Function define(Napi::Env env);
  // allocate(bytes, device) → Promise<DeviceBuffer>
  static Napi::Value allocate(const Napi::CallbackInfo& info);

  explicit DeviceBuffer(const Napi::CallbackInfo& info);
  ~DeviceBuffer() override;

  // The DeviceBuffer passed as `value`, or nullptr when it is something else.
  static DeviceBuffer* fromValue(Napi::Value value);
  void* data() const { return allocation_.memory.get(); }
  int device() const { return allocation_.device; }
  bool freed() const { return freed_; }
  InFlight& inFlight() { return inFlight_; }

 private:
  struct Allocation {
    UniqueDeviceMemory memory;
    uint64_t bytes = 0;
    int device = 0;
  };

  Napi::Value upload(const Napi::CallbackInfo& info);
  Napi::Value download(const Napi::CallbackInfo& info);
  Napi::Value fillFloat32(const Napi::CallbackInfo& info);
  Napi::Value free(const Napi::CallbackInfo& info);
  Napi::Value getBytes(const Napi::CallbackInfo& info);
  Napi::Value getDevice(const Napi::CallbackInfo& info);
  Napi::Value getFreed(const Napi::CallbackInfo& info);

  void requireLive(const Args& args) const;
  // Checks that [byteOffset, byteOffset + bytes) lies inside the buffer.
  void checkRange(const Args& args, uint64_t byteOffset, uint64_t bytes) const;
  char* at(uint64_t byteOffset) const { return static_cast<char*>(allocation_.memory.get()) + byteOffset; }

  Allocation allocation_;
  bool freed_ = false;
  InFlight inFlight_;
};

}  // namespace kiln::cuda
