// What the CUDA executor cannot run, over a Program the shared validator
// (kiln/program_validator.h) has already accepted: ranks past its tensor descriptors, programs
// too large for its int value ids, and (until it has integer kernels) any value that is not
// float32, the index-math ops and binary mod/fmod. Shapes, ids, windows, broadcasts and sizes are not re-checked here:
// they were checked once, for both executors, before any of this runs.
#pragma once

#include "kiln/program_desc.h"

namespace kiln::cuda {

using ProgramLimits = ::kiln::ProgramLimits;

// Throws kiln::Failure UNSUPPORTED_LAYER naming the op (or the value) the executor cannot run.
void checkCudaSupport(const ProgramDesc& program);

}  // namespace kiln::cuda
