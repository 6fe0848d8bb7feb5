// Reads a Program object (packages/core/src/program.ts) from JavaScript into a ProgramSpec,
// validating operand ids and op fields; bad input is an INVALID_ARGUMENT naming the op.
#pragma once

#include <napi.h>

#include "program_spec.h"

namespace kiln::cuda {

// Weight pointers in the result stay valid while `program`'s Float32Arrays are alive.
ProgramSpec parseProgram(Napi::Object program);

}  // namespace kiln::cuda
