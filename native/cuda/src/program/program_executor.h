// The CUDA Program executor. A ProgramModel is built once per created program: the layout
// plan, weights on the device (converted to the storage type and to each tactic's layout) and
// one compiled step per op, whose tactic was picked by timing the candidates on the device.
// A ProgramContext is one execution context: its own stream, activation arena, workspace,
// library handles, pinned staging buffers and CUDA graph. Clones share the model.
#pragma once

#include <cuda_runtime_api.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../cuda_handles.h"
#include "device_allocation.h"
#include "layout_plan.h"
#include "program_spec.h"

namespace kiln::cuda {

enum class Precision { FP32, TF32, FP16 };

struct ExecutorOptions {
  Precision precision = Precision::FP32;
  int device = 0;
  bool useGraph = true;
  bool channelsLast = true;
  // Fold add(conv, r) into the convolution's residual epilogue (see residual_fusion.h).
  bool fuseResidual = true;
  // Largest workspace a library tactic may use (bytes).
  int64_t workspaceLimit = int64_t{256} << 20;
};

class ProgramContext;
struct VendorHandles;  // cuDNN / cuBLASLt handles of one context (vendor_handles.h)

// One op, ready to enqueue on a context's stream (never synchronizes: graph-capturable).
// One candidate's timing when the executor chose among several (milliseconds per run).
struct TacticTrial {
  std::string tactic;
  double ms = 0;
  int64_t workspaceBytes = 0;
};

struct CompiledOp {
  std::string tactic;
  std::function<void(ProgramContext&)> enqueue;
  int64_t workspaceBytes = 0;
  std::vector<TacticTrial> trials;  // every candidate that ran; empty when none was timed
};

class ProgramModel {
 public:
  ProgramSpec spec;  // weight host pointers are cleared once the model is built
  LayoutPlan plan;
  ExecutorOptions options;
  DType storage = DType::F32;
  std::vector<CompiledOp> ops;
  int64_t workspaceBytes = 0;

  // The weight value `id` on the device in the storage type, row-major (uploaded on first use).
  void* weight(int id);
  const void* weightIfUploaded(int id) const;
  // Host copy of a float weight value (valid only while the model is being built).
  const float* hostWeight(int id) const;
  std::vector<std::shared_ptr<DeviceAllocation>> weights;  // by value id
};

class ProgramContext {
 public:
  // Allocates the context's memory and handles; `workspaceBytes` of library workspace.
  ProgramContext(std::shared_ptr<ProgramModel> model, int64_t workspaceBytes);
  ~ProgramContext();
  ProgramContext(const ProgramContext&) = delete;
  ProgramContext& operator=(const ProgramContext&) = delete;

  // Base pointer of value `id` (its desc.offset is added by the kernels).
  void* ptr(int id) const;
  const ValuePlacement& placement(int id) const { return model_->plan.values[id]; }
  cudaStream_t stream() const { return stream_.get(); }
  void* workspace() const { return workspace_ ? workspace_->get() : nullptr; }
  int64_t workspaceBytes() const { return workspace_ ? workspace_->bytes() : 0; }
  VendorHandles& vendor() { return *vendor_; }
  const ProgramModel& model() const { return *model_; }
  std::shared_ptr<ProgramModel> sharedModel() const { return model_; }
  void resizeWorkspace(int64_t bytes);
  // Fills the arena and inputs with a non-zero pattern so tactic timing sees real data paths.
  void fillPattern();

  // One inference: host row-major inputs in, outputs out, float values as float32 and the others
  // as their Program dtype (types and sizes checked by the caller).
  void run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs);
  // Milliseconds per op, averaged over `iterations` eager runs timed with events.
  std::vector<double> profile(int iterations);
  // Milliseconds of each of `iterations` replays of the ops alone (inputs already on the device,
  // no copies): the device-resident throughput that framework benchmarks report.
  std::vector<double> benchmark(int iterations);
  bool graphReady() const { return graphExec_ != nullptr; }
  const std::string& graphFailure() const { return graphFailure_; }
  int64_t deviceBytes() const;

 private:
  void enqueueRun();
  void enqueueOps();
  void captureGraph();

  std::shared_ptr<ProgramModel> model_;
  int device_;
  UniqueStream stream_;
  std::shared_ptr<DeviceAllocation> arena_;
  std::shared_ptr<DeviceAllocation> exact_;  // integer and bool values (layout_plan.h)
  std::vector<std::shared_ptr<DeviceAllocation>> inputs_;       // internal-layout input values
  std::vector<std::shared_ptr<DeviceAllocation>> inputStaging_;  // float32 NCHW, when a conversion is needed
  std::vector<std::shared_ptr<DeviceAllocation>> outputStaging_;
  std::vector<PinnedHostBuffer> pinnedIn_, pinnedOut_;
  std::shared_ptr<DeviceAllocation> workspace_;
  std::unique_ptr<VendorHandles> vendor_;
  cudaGraphExec_t graphExec_ = nullptr;
  cudaGraphExec_t opsGraphExec_ = nullptr;  // the ops without copies, for benchmark()
  std::string graphFailure_;
  int runs_ = 0;
};

// Builds the model (uploads, tactic timing) and its first context, on the calling thread.
std::unique_ptr<ProgramContext> createProgram(ProgramSpec spec, const ExecutorOptions& options);
// A new context over the same model (no re-tuning).
std::unique_ptr<ProgramContext> cloneProgram(const ProgramContext& context);

// Compiles op `index` of the model, timing its candidate tactics on `context`.
CompiledOp compileOp(ProgramModel& model, ProgramContext& context, int index);

}  // namespace kiln::cuda
