// The op table: each op kind's operands and attributes as its program-ops descriptor states
// them (generated into src/program_op_table.generated.inc from PROGRAM_OP_DESCRIPTORS). The
// reader reads fields by it, the validator checks operand ids, dtypes and in-place sharing by it,
// and executors walk an op's operands by it, so no native file lists an op's fields by hand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kiln/program_desc.h"

namespace kiln {

// descriptor.ts ProgramOperandRole.
enum class OperandRole { Input, Weight, Output };

// Whether an operand may share the output's arena bytes (descriptor.ts `inPlace`): elementwise
// reads may be exactly y's bytes, a concat input its own contiguous slice of y.
enum class Sharing { None, Exact, Slice };

// The dtypes an operand takes, one bit per DType.
using DTypeSet = unsigned;
constexpr DTypeSet dtypeBit(DType d) { return 1u << static_cast<unsigned>(d); }

struct OperandInfo {
  const char* field;
  int64_t OpDesc::*id;                 // the member holding the value id; null for a list operand
  std::vector<int64_t> OpDesc::*list;  // a list operand's ids (concat's inputs); else null
  OperandRole role;
  bool optional;
  Sharing sharing;
  DTypeSet dtypes;   // 0 when `same` applies
  const char* same;  // the operand whose dtype this one must have (descriptor.ts `{ same }`), else null
};

enum class AttributeType { Int, Ints, Number, Bool, String, Activation };

struct AttributeInfo {
  const char* field;
  AttributeType type;
  bool optional;
  int64_t min, max;            // Int and Ints: each integer's range
  const char* const* values;   // String: the allowed names
  size_t valueCount;
  // The OpDesc member of the attribute's type (the others are null; Activation is OpDesc::activation).
  int64_t OpDesc::*integer;
  std::vector<int64_t> OpDesc::*integers;
  double OpDesc::*number;
  bool OpDesc::*flag;
  std::string OpDesc::*text;
};

struct OpInfo {
  const char* name;
  const OperandInfo* operands;  // the output last
  size_t operandCount;
  const AttributeInfo* attributes;
  size_t attributeCount;
};

const OpInfo& opInfo(OpKind kind);

// One operand value of an op: its spec and id (each id of a list operand in turn).
struct OperandRef {
  const OperandInfo* info;
  int64_t id;
};

// Every operand of `op` in descriptor order, the output last; absent optional operands have id −1.
std::vector<OperandRef> operandsOf(const OpDesc& op);

}  // namespace kiln
