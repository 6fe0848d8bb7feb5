// Reads a Program object handed over from JavaScript (packages/core/src/program.ts) into a
// ProgramDesc and validates it (program_validator.h): the one native parser both executors use.
// Fields are read as program.ts types them: ids and integer attributes exact (2.5, NaN, 2^60 and
// '3' are errors naming the field, never truncated), required fields required, strings and
// booleans typed. Nothing is copied or allocated per element beyond the description itself:
// weights stay in the caller's Float32Arrays (WeightDesc points into them).
#pragma once

#include <napi.h>

#include <string>

#include "kiln/program_desc.h"

namespace kiln {

// Throws kiln::Failure (INVALID_ARGUMENT naming the field or the op and its layer,
// RESOURCE_LIMIT for sizes over `limits`). `caller` starts every message.
ProgramDesc readProgramDesc(const Napi::Value& program, const ProgramLimits& limits, const std::string& caller);

// The { maxTensorElements, maxTensorBytes, maxModelBytes } fields of `options` (each optional,
// an integer in [1, 2^52]); absent or undefined `options` gives the defaults.
ProgramLimits readProgramLimits(const Napi::Value& options, const std::string& where);

}  // namespace kiln
