#include "program_check.h"

#include <climits>
#include <string>
#include <vector>

#include "kiln/failure.h"
#include "tensor_desc.h"

namespace kiln::cuda {
namespace {

[[noreturn]] void unsupported(const OpDesc& op, const std::string& message) {
  throw Failure("UNSUPPORTED_LAYER", "CudaProgram.create: " + describeOp(op) + ": " + message, "run this part of the model on the CPU backend",
                FailureLayer{op.label.empty() ? "op " + std::to_string(op.index) : op.label, opKindName(op.kind), op.index});
}

// Every value id an op reads or writes (absent optional operands are −1).
std::vector<int64_t> touched(const OpDesc& op) {
  std::vector<int64_t> ids = {op.x, op.w, op.b, op.residual, op.y, op.a, op.bias, op.scale, op.shift, op.condition, op.indices};
  ids.insert(ids.end(), op.inputs.begin(), op.inputs.end());
  return ids;
}

bool floatOnlyKind(OpKind kind) {
  switch (kind) {
    case OpKind::Compare:
    case OpKind::Where:
    case OpKind::Cast:
    case OpKind::Gather:
    case OpKind::GatherNd:
    case OpKind::ArgReduce: return false;
    default: return true;
  }
}

}  // namespace

void checkCudaSupport(const ProgramDesc& program) {
  // The executor's OpSpec holds value ids as int.
  if (program.values.size() > static_cast<size_t>(INT_MAX)) {
    throw Failure("UNSUPPORTED_LAYER", "CudaProgram.create: the program has " + std::to_string(program.values.size()) + " values");
  }
  for (size_t i = 0; i < program.values.size(); ++i) {
    const ValueDesc& v = program.values[i];
    if (v.shape.size() > static_cast<size_t>(kMaxRank)) {
      throw Failure("UNSUPPORTED_LAYER",
                    "CudaProgram.create: program.values[" + std::to_string(i) + "] ('" + v.name + "') has rank " +
                        std::to_string(v.shape.size()) + "; the CUDA executor handles rank ≤ " + std::to_string(kMaxRank),
                    "run this part of the model on the CPU backend");
    }
  }
  // Until CUDA has integer kernels: float32 values only, and none of the index-math ops.
  for (const OpDesc& op : program.ops) {
    for (int64_t id : touched(op)) {
      if (id < 0) continue;
      const ValueDesc& v = program.values[static_cast<size_t>(id)];
      if (v.dtype != ::kiln::DType::Float32) {
        unsupported(op, "value " + std::to_string(id) + " '" + v.name + "' is " + dtypeName(v.dtype) +
                            ": integer and bool values have no CUDA kernels yet");
      }
    }
    if (!floatOnlyKind(op.kind)) unsupported(op, std::string(opKindName(op.kind)) + " has no CUDA kernel yet");
    if (op.kind == OpKind::Binary && (op.type == "mod" || op.type == "fmod")) unsupported(op, "binary '" + op.type + "' has no CUDA kernel yet");
  }
  // A value no op touches (a feed returned as an output) still crosses the CUDA executor's float buffers.
  for (size_t i = 0; i < program.values.size(); ++i) {
    const ValueDesc& v = program.values[i];
    if (v.dtype != ::kiln::DType::Float32) {
      throw Failure("UNSUPPORTED_LAYER",
                    "CudaProgram.create: program.values[" + std::to_string(i) + "] ('" + v.name + "') is " + dtypeName(v.dtype) +
                        ": integer and bool values have no CUDA kernels yet",
                    "run this part of the model on the CPU backend");
    }
  }
}

}  // namespace kiln::cuda
