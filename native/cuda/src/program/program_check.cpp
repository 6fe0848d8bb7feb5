#include "program_check.h"

#include <climits>
#include <string>
#include <vector>

#include "kiln/failure.h"
#include "kiln/program_op_table.h"
#include "tensor_desc.h"

namespace kiln::cuda {
namespace {

[[noreturn]] void unsupported(const OpDesc& op, const std::string& message) {
  throw Failure("UNSUPPORTED_LAYER", "CudaProgram.create: " + describeOp(op) + ": " + message, "run this part of the model on the CPU backend",
                FailureLayer{op.label.empty() ? "op " + std::to_string(op.index) : op.label, opKindName(op.kind), op.index});
}

// Every value id an op reads or writes (absent optional operands are −1), from the op table.
std::vector<int64_t> touched(const OpDesc& op) {
  std::vector<int64_t> ids;
  for (const OperandRef& o : operandsOf(op)) ids.push_back(o.id);
  return ids;
}

// The kinds op_compiler.cpp has kernels for; any other kind (a new op) is refused by name.
bool floatOnlyKind(OpKind kind) {
  switch (kind) {
    case OpKind::Conv2d:
    case OpKind::Deconv2d:
    case OpKind::Gemm:
    case OpKind::BatchedMatmul:
    case OpKind::Pool2d:
    case OpKind::GlobalPool:
    case OpKind::Binary:
    case OpKind::Activation:
    case OpKind::Unary:
    case OpKind::ChannelAffine:
    case OpKind::Softmax:
    case OpKind::Concat:
    case OpKind::Copy:
    case OpKind::Transpose:
    case OpKind::Lrn:
    case OpKind::Pad:
    case OpKind::Slice:
    case OpKind::Resize2d: return true;
    default: return false;
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
