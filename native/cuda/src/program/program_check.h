// What the CUDA executor cannot run, over a Program the shared validator
// (kiln/program_validator.h) has already accepted: ranks past its tensor descriptors, programs
// too large for its int value ids. Every op and dtype the validator accepts has a CUDA kernel.
// Shapes, ids, windows, broadcasts, dtypes and sizes are not re-checked here: they were checked
// once, for both executors, before any of this runs.
#pragma once

#include "kiln/program_desc.h"

namespace kiln::cuda {

using ProgramLimits = ::kiln::ProgramLimits;

// Throws kiln::Failure UNSUPPORTED_LAYER naming the value the executor cannot hold.
void checkCudaSupport(const ProgramDesc& program);

}  // namespace kiln::cuda
