#include "program_executor.h"

#include <cuda_fp16.h>

#include <algorithm>
#include <cstring>

#include "../cuda_check.h"
#include "kernels.h"
#include "kiln/failure.h"
#include "residual_fusion.h"
#include "vendor_handles.h"

namespace kiln::cuda {
namespace {

bool isDenseRowMajor(const TensorDesc& d) {
  int64_t s = 1;
  for (int i = d.rank - 1; i >= 0; --i) {
    if (d.shape[i] != 1 && d.stride[i] != s) return false;
    s *= d.shape[i];
  }
  return d.offset == 0;
}

// An input or output can skip the conversion kernel when it is stored as on the host: float32 or
// an exact (integer, bool) type, row-major.
bool needsConversion(const ValuePlacement& p) { return p.type == DType::F16 || !isDenseRowMajor(p.desc); }

// Bytes of a value on the host side of run(): float values cross as float32 whatever the storage.
int64_t hostBytes(const ValueSpec& v) { return v.bytes(); }

GatherMap identityMap(const TensorDesc& d) {
  GatherMap m;
  for (int i = 0; i < d.rank; ++i) {
    m.step[i] = 1;
    m.bound[i] = d.shape[i];
  }
  return m;
}

}  // namespace

const float* ProgramModel::hostWeight(int id) const {
  const ValueSpec& v = spec.values[id];
  if (v.storage != StorageKind::Weight || spec.weights.empty()) {
    throw Failure("INTERNAL", "value '" + v.name + "' is not a weight available on the host");
  }
  return static_cast<const float*>(spec.weights[v.index]);  // float values read Float32Arrays (validated)
}

void* ProgramModel::weight(int id) {
  if (weights.size() < spec.values.size()) weights.resize(spec.values.size());
  if (weights[id]) return weights[id]->get();
  const ValueSpec& v = spec.values[id];
  const int64_t count = v.elements();
  if (!v.isFloat()) {
    // Integer and bool weights keep their exact bytes.
    if (v.storage != StorageKind::Weight || spec.weights.empty()) throw Failure("INTERNAL", "value '" + v.name + "' is not a weight available on the host");
    weights[id] = DeviceAllocation::make(v.bytes(), options.device, "a weight");
    checkCuda(cudaMemcpy(weights[id]->get(), spec.weights[v.index], v.bytes(), cudaMemcpyHostToDevice), "cudaMemcpy (weight upload)");
    return weights[id]->get();
  }
  const float* host = hostWeight(id);
  weights[id] = DeviceAllocation::make(count * dtypeBytes(storage), options.device, "a weight");
  if (storage == DType::F32) {
    checkCuda(cudaMemcpy(weights[id]->get(), host, count * 4, cudaMemcpyHostToDevice), "cudaMemcpy (weight upload)");
  } else {
    std::vector<__half> half(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) half[i] = __float2half_rn(host[i]);
    checkCuda(cudaMemcpy(weights[id]->get(), half.data(), count * 2, cudaMemcpyHostToDevice), "cudaMemcpy (weight upload)");
  }
  return weights[id]->get();
}

const void* ProgramModel::weightIfUploaded(int id) const {
  return id < static_cast<int>(weights.size()) && weights[id] ? weights[id]->get() : nullptr;
}

ProgramContext::ProgramContext(std::shared_ptr<ProgramModel> model, int64_t workspaceBytes)
    : model_(std::move(model)), device_(model_->options.device) {
  useDevice(device_);
  cudaStream_t stream = nullptr;
  checkCuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  stream_ = UniqueStream(stream, device_);
  const ProgramSpec& spec = model_->spec;
  const int64_t elt = dtypeBytes(model_->storage);
  arena_ = DeviceAllocation::make(model_->plan.arenaElements * elt, device_, "the activation arena");
  if (model_->plan.exactBytes > 0) exact_ = DeviceAllocation::make(model_->plan.exactBytes, device_, "the integer value region");
  for (int id : spec.inputs) {
    const ValueSpec& v = spec.values[id];
    inputs_.push_back(DeviceAllocation::make(v.elements() * dtypeBytes(placement(id).type), device_, ("input '" + v.name + "'").c_str()));
    inputStaging_.push_back(needsConversion(placement(id)) ? DeviceAllocation::make(hostBytes(v), device_, "input staging") : nullptr);
    pinnedIn_.emplace_back(hostBytes(v));
  }
  for (int id : spec.outputs) {
    const ValueSpec& v = spec.values[id];
    outputStaging_.push_back(needsConversion(placement(id)) ? DeviceAllocation::make(hostBytes(v), device_, "output staging") : nullptr);
    pinnedOut_.emplace_back(hostBytes(v));
  }
  if (workspaceBytes > 0) workspace_ = DeviceAllocation::make(workspaceBytes, device_, "the library workspace");
  vendor_ = std::make_unique<VendorHandles>(stream_.get());
}

ProgramContext::~ProgramContext() {
  cudaSetDevice(device_);
  if (stream_) cudaStreamSynchronize(stream_.get());
  if (graphExec_ != nullptr) cudaGraphExecDestroy(graphExec_);
  if (opsGraphExec_ != nullptr) cudaGraphExecDestroy(opsGraphExec_);
  vendor_.reset();
}

void ProgramContext::resizeWorkspace(int64_t bytes) {
  useDevice(device_);
  checkCuda(cudaStreamSynchronize(stream()), "cudaStreamSynchronize");
  workspace_.reset();
  if (bytes > 0) workspace_ = DeviceAllocation::make(bytes, device_, "the library workspace");
}

void ProgramContext::fillPattern() {
  useDevice(device_);
  // 0x3c bytes: 1.06 as half, 0.0115 as float — small, non-zero, finite.
  checkCuda(cudaMemsetAsync(arena_->get(), 0x3c, arena_->bytes(), stream()), "cudaMemsetAsync");
  if (exact_) checkCuda(cudaMemsetAsync(exact_->get(), 0x3c, exact_->bytes(), stream()), "cudaMemsetAsync");
  for (auto& in : inputs_) checkCuda(cudaMemsetAsync(in->get(), 0x3c, in->bytes(), stream()), "cudaMemsetAsync");
  checkCuda(cudaStreamSynchronize(stream()), "cudaStreamSynchronize");
}

void* ProgramContext::ptr(int id) const {
  const ValueSpec& v = model_->spec.values[id];
  switch (v.storage) {
    case StorageKind::Input: return inputs_[v.index]->get();
    case StorageKind::Weight: {
      const void* w = model_->weightIfUploaded(id);
      if (w == nullptr) throw Failure("INTERNAL", "weight '" + v.name + "' was not uploaded");
      return const_cast<void*>(w);
    }
    case StorageKind::Arena:
      if (!v.isFloat()) return exact_ ? static_cast<char*>(exact_->get()) + placement(id).exactByte : nullptr;  // none: empty values only
      return static_cast<char*>(arena_->get()) + placement(id).arenaElement * dtypeBytes(model_->storage);
  }
  return nullptr;
}

void ProgramContext::enqueueOps() {
  for (const CompiledOp& op : model_->ops) op.enqueue(*this);
}

void ProgramContext::enqueueRun() {
  const ProgramSpec& spec = model_->spec;
  const cudaStream_t s = stream();
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const int id = spec.inputs[i];
    const ValuePlacement& p = placement(id);
    const int64_t bytes = hostBytes(spec.values[id]);
    void* landing = inputStaging_[i] ? inputStaging_[i]->get() : inputs_[i]->get();
    checkCuda(cudaMemcpyAsync(landing, pinnedIn_[i].get(), bytes, cudaMemcpyHostToDevice, s), "cudaMemcpyAsync (input)");
    if (inputStaging_[i]) {
      const TensorDesc src = rowMajorDesc(spec.values[id].shape);
      checkCuda(launchGather(inputs_[i]->get(), p.desc, p.type, landing, src, DType::F32, identityMap(p.desc), 0.0f, s),
                "input conversion kernel");
    }
  }
  enqueueOps();
  for (size_t i = 0; i < spec.outputs.size(); ++i) {
    const int id = spec.outputs[i];
    const ValuePlacement& p = placement(id);
    const int64_t bytes = hostBytes(spec.values[id]);
    const void* from = ptr(id);
    if (outputStaging_[i]) {
      const TensorDesc dst = rowMajorDesc(spec.values[id].shape);
      checkCuda(launchGather(outputStaging_[i]->get(), dst, DType::F32, from, p.desc, p.type, identityMap(dst), 0.0f, s),
                "output conversion kernel");
      from = outputStaging_[i]->get();
    }
    checkCuda(cudaMemcpyAsync(pinnedOut_[i].get(), from, bytes, cudaMemcpyDeviceToHost, s), "cudaMemcpyAsync (output)");
  }
}

void ProgramContext::captureGraph() {
  const cudaStream_t s = stream();
  cudaGraph_t graph = nullptr;
  checkCuda(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
  try {
    enqueueRun();
  } catch (const std::exception& e) {
    cudaStreamEndCapture(s, &graph);
    if (graph != nullptr) cudaGraphDestroy(graph);
    cudaGetLastError();
    graphFailure_ = e.what();
    return;
  }
  const cudaError_t end = cudaStreamEndCapture(s, &graph);
  if (end != cudaSuccess || graph == nullptr) {
    graphFailure_ = std::string("cudaStreamEndCapture: ") + cudaGetErrorString(end);
    cudaGetLastError();
    return;
  }
  const cudaError_t inst = cudaGraphInstantiate(&graphExec_, graph, 0);
  cudaGraphDestroy(graph);
  if (inst != cudaSuccess) {
    graphExec_ = nullptr;
    graphFailure_ = std::string("cudaGraphInstantiate: ") + cudaGetErrorString(inst);
    cudaGetLastError();
  }
}

void ProgramContext::run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs) {
  useDevice(device_);
  cudaGetLastError();  // a failed call of an earlier job on this worker thread must not be blamed on this run
  for (size_t i = 0; i < inputs.size(); ++i) std::memcpy(pinnedIn_[i].get(), inputs[i], pinnedIn_[i].bytes());
  if (graphExec_ != nullptr) {
    checkCuda(cudaGraphLaunch(graphExec_, stream()), "cudaGraphLaunch");
  } else {
    enqueueRun();
  }
  checkCuda(cudaStreamSynchronize(stream()), "cudaStreamSynchronize (program run)");
  for (size_t i = 0; i < outputs.size(); ++i) std::memcpy(outputs[i], pinnedOut_[i].get(), pinnedOut_[i].bytes());
  // The first run proves every step works eagerly; then the whole run becomes one graph.
  if (++runs_ == 1 && model_->options.useGraph && graphExec_ == nullptr && graphFailure_.empty()) captureGraph();
}

std::vector<double> ProgramContext::profile(int iterations) {
  useDevice(device_);
  const auto& ops = model_->ops;
  std::vector<cudaEvent_t> events(ops.size() + 1);
  for (auto& e : events) checkCuda(cudaEventCreate(&e), "cudaEventCreate");
  std::vector<double> total(ops.size(), 0.0);
  try {
    for (int it = 0; it <= iterations; ++it) {
      for (size_t i = 0; i < ops.size(); ++i) {
        checkCuda(cudaEventRecord(events[i], stream()), "cudaEventRecord");
        ops[i].enqueue(*this);
      }
      checkCuda(cudaEventRecord(events[ops.size()], stream()), "cudaEventRecord");
      checkCuda(cudaStreamSynchronize(stream()), "cudaStreamSynchronize (profile)");
      if (it == 0) continue;  // warm-up
      for (size_t i = 0; i < ops.size(); ++i) {
        float ms = 0;
        checkCuda(cudaEventElapsedTime(&ms, events[i], events[i + 1]), "cudaEventElapsedTime");
        total[i] += ms;
      }
    }
  } catch (...) {
    for (auto& e : events) cudaEventDestroy(e);
    throw;
  }
  for (auto& e : events) cudaEventDestroy(e);
  for (double& t : total) t /= std::max(iterations, 1);
  return total;
}

std::vector<double> ProgramContext::benchmark(int iterations) {
  useDevice(device_);
  const cudaStream_t s = stream();
  if (opsGraphExec_ == nullptr && model_->options.useGraph) {
    cudaGraph_t graph = nullptr;
    checkCuda(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
    try {
      enqueueOps();
    } catch (...) {
      cudaStreamEndCapture(s, &graph);
      if (graph != nullptr) cudaGraphDestroy(graph);
      throw;
    }
    checkCuda(cudaStreamEndCapture(s, &graph), "cudaStreamEndCapture");
    const cudaError_t inst = cudaGraphInstantiate(&opsGraphExec_, graph, 0);
    cudaGraphDestroy(graph);
    checkCuda(inst, "cudaGraphInstantiate");
  }
  auto once = [&] {
    if (opsGraphExec_ != nullptr) checkCuda(cudaGraphLaunch(opsGraphExec_, s), "cudaGraphLaunch");
    else enqueueOps();
  };
  cudaEvent_t start = nullptr, end = nullptr;
  checkCuda(cudaEventCreate(&start), "cudaEventCreate");
  checkCuda(cudaEventCreate(&end), "cudaEventCreate");
  std::vector<double> times;
  try {
    for (int i = 0; i < 3; ++i) once();  // warm-up
    for (int i = 0; i < iterations; ++i) {
      checkCuda(cudaEventRecord(start, s), "cudaEventRecord");
      once();
      checkCuda(cudaEventRecord(end, s), "cudaEventRecord");
      checkCuda(cudaEventSynchronize(end), "cudaEventSynchronize");
      float ms = 0;
      checkCuda(cudaEventElapsedTime(&ms, start, end), "cudaEventElapsedTime");
      times.push_back(ms);
    }
  } catch (...) {
    cudaEventDestroy(start);
    cudaEventDestroy(end);
    throw;
  }
  cudaEventDestroy(start);
  cudaEventDestroy(end);
  return times;
}

int64_t ProgramContext::deviceBytes() const {
  int64_t bytes = arena_->bytes() + workspaceBytes() + (exact_ ? exact_->bytes() : 0);
  for (const auto& b : inputs_) bytes += b->bytes();
  for (const auto& b : inputStaging_)
    if (b) bytes += b->bytes();
  for (const auto& b : outputStaging_)
    if (b) bytes += b->bytes();
  return bytes;
}

std::unique_ptr<ProgramContext> createProgram(ProgramSpec spec, const ExecutorOptions& options) {
  useDevice(options.device);
  auto model = std::make_shared<ProgramModel>();
  model->options = options;
  model->storage = options.precision == Precision::FP16 ? DType::F16 : DType::F32;
  model->spec = std::move(spec);
  if (options.fuseResidual) fuseResidualAdds(model->spec);
  model->plan = planLayout(model->spec, model->storage, options.channelsLast);
  model->weights.resize(model->spec.values.size());
  auto context = std::make_unique<ProgramContext>(model, options.workspaceLimit);
  context->fillPattern();
  int64_t workspace = 0;
  for (size_t i = 0; i < model->spec.ops.size(); ++i) {
    model->ops.push_back(compileOp(*model, *context, static_cast<int>(i)));
    workspace = std::max(workspace, model->ops.back().workspaceBytes);
  }
  model->workspaceBytes = workspace;
  context->resizeWorkspace(workspace);
  // Outputs that are weights are read straight from the device copy.
  for (int id : model->spec.outputs) {
    if (model->spec.values[id].storage == StorageKind::Weight) model->weight(id);
  }
  model->spec.weights.clear();  // the host arrays belong to JavaScript and may go away now
  return context;
}

std::unique_ptr<ProgramContext> cloneProgram(const ProgramContext& context) {
  std::shared_ptr<ProgramModel> model = context.sharedModel();
  useDevice(model->options.device);
  return std::make_unique<ProgramContext>(model, model->workspaceBytes);
}

}  // namespace kiln::cuda
