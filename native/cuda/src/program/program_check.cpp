#include "program_check.h"

#include <climits>
#include <string>

#include "kiln/failure.h"
#include "tensor_desc.h"

namespace kiln::cuda {

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
}

}  // namespace kiln::cuda
