// Reads a Program object (packages/core/src/program.ts) from JavaScript into the CUDA
// executor's ProgramSpec. The reading and every check memory safety depends on are the shared
// native parser's (kiln/program_reader.h, the one kiln_cpu.node uses too); what is left here is
// the mapping to the CUDA OpSpec and what only this executor cannot run (program_check.h).
// Bad input is an INVALID_ARGUMENT naming the op and its layer, a size over a limit
// RESOURCE_LIMIT, an op the CUDA executor lacks UNSUPPORTED_LAYER.
#pragma once

#include <napi.h>

#include "program_check.h"
#include "program_spec.h"

namespace kiln::cuda {

// Weight pointers in the result stay valid while `program`'s Float32Arrays are alive.
ProgramSpec parseProgram(Napi::Object program, const ProgramLimits& limits);

}  // namespace kiln::cuda
