// Shape and storage checks of a parsed ProgramSpec, before anything reaches the device. The op
// compiler and the kernels index device memory with these shapes and never check them, so a
// crafted Program that passed only the field parser could read or write out of bounds; these
// are the CPU executor's checks (native/cpu/src/program) restated for the CUDA OpSpec.
#pragma once

#include <cstdint>

#include "program_spec.h"

namespace kiln::cuda {

// What a Program may ask for (from @kiln/core's resource limits, passed by CudaProgram.create).
struct ProgramLimits {
  int64_t maxTensorElements = int64_t{1} << 31;
  int64_t maxTensorBytes = int64_t{1} << 31;
  int64_t maxModelBytes = int64_t{1} << 32;
};

// Throws kiln::Failure (INVALID_ARGUMENT naming the op, or RESOURCE_LIMIT) on the first problem.
void checkProgram(const ProgramSpec& spec, const ProgramLimits& limits);

}  // namespace kiln::cuda
