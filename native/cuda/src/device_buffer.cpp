#include "device_buffer.h"

#include <memory>

#include "cuda_check.h"
#include "fill_kernel.h"
#include "kiln/js_errors.h"
#include "kiln/promise_worker.h"
#include "memory_accounting.h"
#include "stream.h"

namespace kiln::cuda {
namespace {

constexpr int64_t kMaxBytes = int64_t{1} << 50;  // above any GPU's memory, below 2^53 (exact in JS)

// Copies on `stream` and waits for it, or on the legacy default stream when there is none.
void copyAndWait(void* dst, const void* src, uint64_t bytes, cudaMemcpyKind kind, cudaStream_t stream, bool hasStream) {
  if (bytes == 0) return;
  if (!hasStream) return checkCuda(cudaMemcpy(dst, src, bytes, kind), "cudaMemcpy");
  checkCuda(cudaMemcpyAsync(dst, src, bytes, kind, stream), "cudaMemcpyAsync");
  checkCuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
}

}  // namespace

Napi::Function DeviceBuffer::define(Napi::Env env) {
  return DefineClass(env, "DeviceBuffer",
                     {InstanceMethod<&DeviceBuffer::upload>("upload"), InstanceMethod<&DeviceBuffer::download>("download"),
                      InstanceMethod<&DeviceBuffer::fillFloat32>("fillFloat32"), InstanceMethod<&DeviceBuffer::free>("free"),
                      InstanceAccessor<&DeviceBuffer::getBytes>("bytes"), InstanceAccessor<&DeviceBuffer::getDevice>("device"),
                      InstanceAccessor<&DeviceBuffer::getFreed>("freed")});
}

DeviceBuffer::DeviceBuffer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeviceBuffer>(info) {
  allocation_ = takeAdopted<Allocation>(info, "DeviceBuffer", "allocate(bytes, device)");
}

DeviceBuffer* DeviceBuffer::fromValue(Napi::Value value) {
  if (!value.IsObject()) return nullptr;
  Napi::Object object = value.As<Napi::Object>();
  if (!object.InstanceOf(addonData(value.Env()).deviceBuffer.Value())) return nullptr;
  return Unwrap(object);
}

DeviceBuffer::~DeviceBuffer() {
  if (!freed_) recordFree(allocation_.bytes);  // the UniqueDeviceMemory member frees the memory
}

Napi::Value DeviceBuffer::allocate(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Args args(info, "allocate");
    const uint64_t bytes = static_cast<uint64_t>(args.integer(0, "bytes", 0, kMaxBytes));
    const int device = static_cast<int>(args.integer(1, "device", 0, 1023));
    auto created = std::make_shared<Allocation>();
    PromiseWorker* worker = makeWorker(
        info.Env(), "kiln.cudaMalloc",
        [bytes, device, created] {
          useDevice(device);
          void* pointer = nullptr;
          if (bytes > 0) {
            const cudaError_t status = cudaMalloc(&pointer, bytes);
            if (status != cudaSuccess) {
              Failure failure = cudaFailure(status, ("cudaMalloc of " + std::to_string(bytes) + " bytes").c_str());
              throw failure;
            }
          }
          created->memory = UniqueDeviceMemory(pointer, device);
          created->bytes = bytes;
          created->device = device;
          recordAllocation(bytes);
        },
        [created](Napi::Env env) -> Napi::Value {
          return adopt(addonData(env).deviceBuffer, env, new Allocation(std::move(*created)));
        });
    return worker->start();
  });
}

void DeviceBuffer::requireLive(const Args& args) const {
  if (freed_) args.fail("the buffer was freed", "allocate a new DeviceBuffer");
}

void DeviceBuffer::checkRange(const Args& args, uint64_t byteOffset, uint64_t bytes) const {
  if (byteOffset > allocation_.bytes || bytes > allocation_.bytes - byteOffset) {
    args.fail(std::to_string(bytes) + " bytes at byte offset " + std::to_string(byteOffset) + " overrun the " +
                  std::to_string(allocation_.bytes) + "-byte buffer",
              "check the offset and the typed array's length against the buffer size");
  }
}

// upload(src: TypedArray, byteOffset = 0, stream?) → Promise<void>
Napi::Value DeviceBuffer::upload(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Args args(info, "DeviceBuffer.upload");
    requireLive(args);
    const BytesView src = args.typedArrayBytes(0, "src");
    const uint64_t offset = args.isAbsent(1) ? 0 : static_cast<uint64_t>(args.integer(1, "byteOffset", 0, kMaxBytes));
    checkRange(args, offset, src.bytes);
    Stream* stream = Stream::optionalArg(args, 2, allocation_.device);
    const cudaStream_t handle = stream != nullptr ? stream->handle() : nullptr;
    const bool hasStream = stream != nullptr;
    const int device = allocation_.device;
    void* dst = at(offset);
    PromiseWorker* worker = makeWorker(info.Env(), "kiln.upload", [=] {
      useDevice(device);
      copyAndWait(dst, src.data, src.bytes, cudaMemcpyHostToDevice, handle, hasStream);
    });
    worker->keepAlive(src.value);
    worker->keepAlive(Value());
    inFlight_.track(worker);
    if (stream != nullptr) {
      worker->keepAlive(info[2]);
      stream->inFlight().track(worker);
    }
    return worker->start();
  });
}

// download(dst: TypedArray, byteOffset = 0, stream?) → Promise<dst>
Napi::Value DeviceBuffer::download(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Args args(info, "DeviceBuffer.download");
    requireLive(args);
    const BytesView dst = args.typedArrayBytes(0, "dst");
    const uint64_t offset = args.isAbsent(1) ? 0 : static_cast<uint64_t>(args.integer(1, "byteOffset", 0, kMaxBytes));
    checkRange(args, offset, dst.bytes);
    Stream* stream = Stream::optionalArg(args, 2, allocation_.device);
    const cudaStream_t handle = stream != nullptr ? stream->handle() : nullptr;
    const bool hasStream = stream != nullptr;
    const int device = allocation_.device;
    const void* src = at(offset);
    PromiseWorker* worker = makeWorker(info.Env(), "kiln.download", [=] {
      useDevice(device);
      copyAndWait(dst.data, src, dst.bytes, cudaMemcpyDeviceToHost, handle, hasStream);
    });
    worker->keepAlive(Value());
    worker->resolveWith(dst.value);
    inFlight_.track(worker);
    if (stream != nullptr) {
      worker->keepAlive(info[2]);
      stream->inFlight().track(worker);
    }
    return worker->start();
  });
}

// fillFloat32(value, byteOffset = 0, count = rest of the buffer, stream?) → Promise<void>
Napi::Value DeviceBuffer::fillFloat32(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Args args(info, "DeviceBuffer.fillFloat32");
    requireLive(args);
    if (args.isAbsent(0) || !info[0].IsNumber()) args.fail("value must be a number");
    const float value = info[0].As<Napi::Number>().FloatValue();
    const uint64_t offset = args.isAbsent(1) ? 0 : static_cast<uint64_t>(args.integer(1, "byteOffset", 0, kMaxBytes));
    if (offset % 4 != 0) args.fail("byteOffset must be a multiple of 4 for float32 data");
    if (offset > allocation_.bytes) checkRange(args, offset, 0);
    const uint64_t count = args.isAbsent(2) ? (allocation_.bytes - offset) / 4
                                            : static_cast<uint64_t>(args.integer(2, "count", 0, kMaxBytes / 4));
    checkRange(args, offset, count * 4);
    Stream* stream = Stream::optionalArg(args, 3, allocation_.device);
    const cudaStream_t handle = stream != nullptr ? stream->handle() : nullptr;
    const int device = allocation_.device;
    float* data = reinterpret_cast<float*>(at(offset));
    PromiseWorker* worker = makeWorker(info.Env(), "kiln.fillFloat32", [=] {
      useDevice(device);
      checkCuda(launchFillFloat32(data, count, value, handle), "fillFloat32 kernel launch");
      checkCuda(handle != nullptr ? cudaStreamSynchronize(handle) : cudaDeviceSynchronize(), "synchronize after fillFloat32");
    });
    worker->keepAlive(Value());
    inFlight_.track(worker);
    if (stream != nullptr) {
      worker->keepAlive(info[3]);
      stream->inFlight().track(worker);
    }
    return worker->start();
  });
}

// free() → Promise<void>; the buffer is unusable from the call on.
Napi::Value DeviceBuffer::free(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Args args(info, "DeviceBuffer.free");
    requireLive(args);
    if (inFlight_.count() > 0) {
      args.fail(std::to_string(inFlight_.count()) + " copy or fill operation(s) on this buffer are still in flight",
                "await them before freeing the buffer");
    }
    auto released = std::make_shared<UniqueDeviceMemory>(std::move(allocation_.memory));
    const uint64_t bytes = allocation_.bytes;
    freed_ = true;
    PromiseWorker* worker = makeWorker(info.Env(), "kiln.cudaFree", [released, bytes] {
      released->reset();
      recordFree(bytes);
    });
    return worker->start();
  });
}

Napi::Value DeviceBuffer::getBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(allocation_.bytes));
}

Napi::Value DeviceBuffer::getDevice(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), allocation_.device);
}

Napi::Value DeviceBuffer::getFreed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), freed_); }

}  // namespace kiln::cuda
