// ProgramDesc: a Program (packages/core/src/program.ts) as native code sees it after
// readProgramDesc (program_reader.h) has read it from JavaScript and validateProgramDesc
// (program_validator.h) has checked it. Both executors (kiln_cpu.node, kiln_cuda.node) build
// their own structures from this one description, so every id, index, rank, broadcast, window,
// concat, size and byte count is checked once, in one place, before any pointer is formed.
// Integers are exact int64 (a non-integer, NaN or out-of-range field is an error, never
// truncated); every shape's non-zero dims multiply to at most kMaxElements, so size arithmetic
// over a validated description cannot overflow int64.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "kiln/program_ops.generated.h"

namespace kiln {

enum class ValueStorage { Input, Weight, Arena };

// program.ts PROGRAM_DTYPES, in its order; bool is one byte, 0 or 1.
enum class DType { Float32, Int32, Int64, Int8, Uint8, Bool };
inline constexpr const char* kDTypeNames[] = {"float32", "int32", "int64", "int8", "uint8", "bool"};
inline constexpr int kDTypeCount = 6;

inline const char* dtypeName(DType d) { return kDTypeNames[static_cast<int>(d)]; }

inline int64_t dtypeBytes(DType d) {
  switch (d) {
    case DType::Int64: return 8;
    case DType::Float32:
    case DType::Int32: return 4;
    case DType::Int8:
    case DType::Uint8:
    case DType::Bool: return 1;
  }
  return 1;
}

// false when `name` is no program.ts dtype.
inline bool dtypeFromName(const std::string& name, DType* dtype) {
  for (int i = 0; i < kDTypeCount; ++i) {
    if (name == kDTypeNames[i]) {
      *dtype = static_cast<DType>(i);
      return true;
    }
  }
  return false;
}

// The JavaScript typed-array classes a Program's data comes in (program.ts PROGRAM_DTYPE_ARRAYS:
// bool shares Uint8Array). Kept apart from N-API's enum so CUDA sources include this header bare.
enum class ArrayClass { Float32Array, Int32Array, BigInt64Array, Int8Array, Uint8Array };
inline constexpr const char* kArrayClassNames[] = {"Float32Array", "Int32Array", "BigInt64Array", "Int8Array", "Uint8Array"};

inline const char* arrayClassName(ArrayClass a) { return kArrayClassNames[static_cast<int>(a)]; }

inline ArrayClass arrayClassOf(DType d) {
  switch (d) {
    case DType::Float32: return ArrayClass::Float32Array;
    case DType::Int32: return ArrayClass::Int32Array;
    case DType::Int64: return ArrayClass::BigInt64Array;
    case DType::Int8: return ArrayClass::Int8Array;
    case DType::Uint8:
    case DType::Bool: return ArrayClass::Uint8Array;
  }
  return ArrayClass::Uint8Array;
}

inline int64_t arrayClassBytes(ArrayClass a) {
  return a == ArrayClass::BigInt64Array ? 8 : a == ArrayClass::Float32Array || a == ArrayClass::Int32Array ? 4 : 1;
}

struct ValueDesc {
  std::string name;
  DType dtype = DType::Float32;
  std::vector<int64_t> shape;
  int64_t elements = 0;  // product of shape
  ValueStorage storage = ValueStorage::Arena;
  int64_t index = 0;       // feed number ('input') or weight number ('weight')
  int64_t byteOffset = 0;  // arena byte offset ('arena'), a multiple of the dtype's size
};

// program.ts op kinds, in PROGRAM_OP_KINDS order (the generated X-macro list).
enum class OpKind {
#define KILN_OP_ENUM(Enum, name) Enum,
  KILN_PROGRAM_OPS(KILN_OP_ENUM)
#undef KILN_OP_ENUM
};

// program.ts op names, indexed by OpKind (inline: executors' pure C++ parts use them unlinked).
inline constexpr const char* kOpKindNames[] = {
#define KILN_OP_NAME(Enum, name) #name,
    KILN_PROGRAM_OPS(KILN_OP_NAME)
#undef KILN_OP_NAME
};
inline constexpr int kOpKindCount = static_cast<int>(sizeof(kOpKindNames) / sizeof(kOpKindNames[0]));

inline const char* opKindName(OpKind kind) { return kOpKindNames[static_cast<int>(kind)]; }

// false when `name` is no program.ts op name.
inline bool opKindFromName(const std::string& name, OpKind* kind) {
  for (int i = 0; i < kOpKindCount; ++i) {
    if (name == kOpKindNames[i]) {
      *kind = static_cast<OpKind>(i);
      return true;
    }
  }
  return false;
}

// Largest element count spanned by a shape's non-zero dims (the same bound as kiln/args.h's
// kMaxElements): size arithmetic over validated shapes never overflows int64.
constexpr int64_t kMaxProgramElements = int64_t{1} << 40;

// A fused epilogue (ActivationSpec of layers.ts): `type` is a known ActivationType or "none";
// alpha/beta are NaN when absent (each executor applies the documented defaults).
struct ActivationDesc {
  std::string type = "none";
  double alpha = std::numeric_limits<double>::quiet_NaN();
  double beta = std::numeric_limits<double>::quiet_NaN();
};

// One op; only the fields of its kind are meaningful, absent optional operands are -1. The
// members are the descriptors' fields under their program.ts names (program_ops.generated.h);
// an attribute named like an operand field elsewhere gets its op's prefix (lrn's `bias` number
// is lrnBias). Which fields each kind has: opInfo(kind) (program_op_table.h).
struct OpDesc {
  OpKind kind = OpKind::Copy;
  int64_t index = 0;  // position in program.ops
  std::string label;  // the op's layer name when the Program carries one (program.ts `label`), else empty
  std::string tactic;  // forced by the builder; empty = the executor's choice
#define KILN_OP_ID_MEMBER(field) int64_t field = -1;
  KILN_PROGRAM_OPERAND_FIELDS(KILN_OP_ID_MEMBER)
#undef KILN_OP_ID_MEMBER
#define KILN_OP_LIST_MEMBER(field) std::vector<int64_t> field;
  KILN_PROGRAM_LIST_FIELDS(KILN_OP_LIST_MEMBER)
#undef KILN_OP_LIST_MEMBER
#define KILN_OP_ATTRIBUTE_MEMBER(type, member) type member{};
  KILN_PROGRAM_ATTRIBUTE_FIELDS(KILN_OP_ATTRIBUTE_MEMBER)
#undef KILN_OP_ATTRIBUTE_MEMBER
  bool hasActivation = false;
  ActivationDesc activation;
};

// What a Program may ask for (@kiln-inference/core's resource limits; the defaults are its defaults for an
// 8 GiB machine).
struct ProgramLimits {
  int64_t maxTensorElements = int64_t{1} << 31;
  int64_t maxTensorBytes = int64_t{1} << 31;
  int64_t maxModelBytes = int64_t{1} << 32;
};

// Weights are read in place: the pointers stay valid while the Program's typed arrays do. The
// validator checks `array` against the dtype of every value that reads the weight.
struct WeightDesc {
  const void* data = nullptr;
  int64_t elements = 0;
  ArrayClass array = ArrayClass::Float32Array;
};

struct ProgramDesc {
  std::vector<ValueDesc> values;
  std::vector<WeightDesc> weights;
  std::vector<OpDesc> ops;
  std::vector<int64_t> inputs, outputs;
  int64_t arenaBytes = 0;
};

// "op 3 (conv2d)" or "op 3 (conv2d, layer 'stem.conv')": how errors and profiles name an op.
std::string describeOp(const OpDesc& op);
std::string shapeText(const std::vector<int64_t>& shape);

}  // namespace kiln
