// Reads a Program object (packages/core/src/program.ts) from JavaScript into a ProgramSpec,
// validating operand ids, op fields, every op's shapes and the sizes against `limits`; bad
// input is an INVALID_ARGUMENT naming the op, a size over a limit RESOURCE_LIMIT.
#pragma once

#include <napi.h>

#include "program_check.h"
#include "program_spec.h"

namespace kiln::cuda {

// Weight pointers in the result stay valid while `program`'s Float32Arrays are alive.
ProgramSpec parseProgram(Napi::Object program, const ProgramLimits& limits);

}  // namespace kiln::cuda
