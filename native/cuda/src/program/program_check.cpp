#include "program_check.h"

#include <climits>
#include <string>

#include "kiln/failure.h"
#include "tensor_desc.h"

namespace kiln::cuda {
namespace {

[[noreturn]] void unsupported(const OpDesc& op, const std::string& message) {
  throw Failure("UNSUPPORTED_LAYER", "CudaProgram.create: " + describeOp(op) + ": " + message,
                "run this part of the model on the CPU backend (the engine's staged runner does this per layer)",
                FailureLayer{op.label.empty() ? "op " + std::to_string(op.index) : op.label, opKindName(op.kind), op.index});
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
    switch (op.kind) {
      case OpKind::Unary: unsupported(op, "unary ops have no CUDA kernel yet");
      case OpKind::Deconv2d: unsupported(op, "transposed convolution has no CUDA kernel yet");
      case OpKind::Binary:
        if (op.type == "prelu") unsupported(op, "binary 'prelu' has no CUDA kernel yet");
        break;
      default: break;
    }
  }
}

}  // namespace kiln::cuda
