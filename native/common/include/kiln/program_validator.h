// The checks every native executor relies on, over a ProgramDesc (program_desc.h): the
// TypeScript validator's (packages/core/src/program-ops/validate-program.ts), restated in
// overflow-safe int64 so a caller that skips TypeScript (a direct addon call, a fuzzer) cannot
// reach a kernel with a shape, index or window that reads or writes out of bounds. Pure C++:
// no N-API, so it runs the same for the CPU and CUDA addons.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kiln/program_desc.h"

namespace kiln {

// Throws kiln::Failure on the first problem: RESOURCE_LIMIT for a value, the arena or the
// weights over `limits`; INVALID_ARGUMENT otherwise, naming the op (index, kind, layer) and the
// value involved. `caller` prefixes every message ("NativeProgram", "CudaProgram.create").
void validateProgramDesc(const ProgramDesc& program, const ProgramLimits& limits, const std::string& caller);
// Its two halves: values (shapes, limits, arena and weight totals, feeds, outputs), then each
// value's storage and every op (the values must have passed; storage failures name an op).
void validateProgramValues(const ProgramDesc& program, const ProgramLimits& limits, const std::string& caller);
void validateProgramOps(const ProgramDesc& program, const std::string& caller);

// floor((size + padBegin + padEnd − span) / stride) + 1 (ceil instead when `ceil`) with span =
// dilation·(kernel − 1) + 1; −1 when the window does not fit or the arithmetic leaves int64.
int64_t windowOutput(int64_t size, int64_t kernel, int64_t stride, int64_t padBegin, int64_t padEnd, int64_t dilation, bool ceil);

// Product of `shape`, saturating at INT64_MAX instead of overflowing; any dim < 0 gives −1.
int64_t saturatingElements(const std::vector<int64_t>& shape);

// The PROGRAM_BINARY_OPS / PROGRAM_UNARY_OPS / ActivationType names of @kiln-inference/core.
bool isProgramBinaryType(const std::string& type);
bool isProgramUnaryType(const std::string& type);
bool isActivationType(const std::string& type);  // "none" included

}  // namespace kiln
