// Where each Program value lives on the GPU and how its elements are laid out.
//
// Activations are stored in the precision's storage type (half for fp16) at the element
// offsets the engine's memory planner chose (byte offset / 4), so the planner's views and
// in-place ops keep their meaning. 4-D values are stored channels-last (NHWC) — what tensor
// cores want — unless they share memory with a differently shaped value at the same time (a
// reshape or concat view) or feed a GEMM, which read row-major.
//
// Integer and bool values keep their exact bytes, row-major, in a region of their own (the
// "exact" region) that mirrors the arena's byte offsets: the planner's views and in-place ops
// keep their meaning there too, and half storage never narrows an index.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels.h"
#include "program_spec.h"
#include "tensor_desc.h"

namespace kiln::cuda {

struct ValuePlacement {
  DType type = DType::F32;      // how the elements are stored (the precision's type for float values)
  TensorDesc desc;              // logical shape → element offsets from the value's base pointer
  int64_t arenaElement = 0;     // float arena values: first element in the arena
  int64_t exactByte = 0;        // integer and bool arena values: byte offset in the exact region
};

// The storage type of a value of Program dtype `dtype` when float values are stored as `storage`.
DType storageTypeOf(::kiln::DType dtype, DType storage);

struct LayoutPlan {
  std::vector<ValuePlacement> values;
  int64_t arenaElements = 0;
  int64_t exactBytes = 0;  // size of the exact region
  // Op index of each value's first write (-1: written before the first op, or never) and last use.
  std::vector<int> firstWrite, lastUse;
};

LayoutPlan planLayout(const ProgramSpec& spec, DType storage, bool channelsLast);

// Value ids an op reads and writes (for lifetimes and validation).
std::vector<int> opReads(const OpSpec& op);

}  // namespace kiln::cuda
