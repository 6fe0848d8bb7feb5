#include "program_check.h"

#include <climits>
#include <string>

#include "kiln/failure.h"
#include "kiln/program_op_table.h"
#include "tensor_desc.h"

namespace kiln::cuda {
namespace {

[[noreturn]] void unsupported(const OpDesc& op, const std::string& message) {
  throw Failure("UNSUPPORTED_LAYER", "CudaProgram.create: " + describeOp(op) + ": " + message, "run this part of the model on the CPU backend",
                FailureLayer{op.label.empty() ? "op " + std::to_string(op.index) : op.label, opKindName(op.kind), op.index});
}

// The kinds op_compiler.cpp has kernels for (every dtype their descriptors allow); any other
// kind (a new op) is refused by name.
bool hasCudaKernel(OpKind kind) {
  switch (kind) {
    case OpKind::Conv2d:
    case OpKind::Deconv2d:
    case OpKind::Gemm:
    case OpKind::BatchedMatmul:
    case OpKind::Pool2d:
    case OpKind::GlobalPool:
    case OpKind::Binary:
    case OpKind::Compare:
    case OpKind::Where:
    case OpKind::Cast:
    case OpKind::Gather:
    case OpKind::GatherNd:
    case OpKind::ArgReduce:
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
  for (const OpDesc& op : program.ops) {
    if (!hasCudaKernel(op.kind)) unsupported(op, std::string(opKindName(op.kind)) + " has no CUDA kernel yet");
  }
}

}  // namespace kiln::cuda
