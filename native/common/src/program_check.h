// What a per-op check sees: the op, the program's values, and failures that name the op (index,
// kind, layer) and a value. Each op kind's check beyond the op table (ranks, shapes, attribute
// values) is defined with KILN_PROGRAM_OP_CHECK(kind) in its family's file under src/; the
// validator's check table is built from the generated op list, so a kind without one fails to link.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kiln/failure.h"
#include "kiln/program_desc.h"
#include "kiln/program_validator.h"

namespace kiln {

using Shape = std::vector<int64_t>;

inline bool addOk(int64_t a, int64_t b, int64_t* out) { return !__builtin_add_overflow(a, b, out); }
inline bool mulOk(int64_t a, int64_t b, int64_t* out) { return !__builtin_mul_overflow(a, b, out); }

// Errors that name the op (index, kind, layer) and optionally one of its values.
class OpCheck {
 public:
  OpCheck(const ProgramDesc& p, const OpDesc& op, const std::string& caller) : p_(p), op_(op), caller_(caller) {}

  const Shape& shape(int64_t id) const { return value(id).shape; }
  DType dtype(int64_t id) const { return value(id).dtype; }
  int64_t size(int64_t id) const { return value(id).elements; }
  const ValueDesc& value(int64_t id) const { return p_.values[static_cast<size_t>(id)]; }

  [[noreturn]] void fail(const std::string& message, int64_t valueId = -1, const std::string& hint = {}) const {
    std::string what;
    if (valid(valueId)) what = "value " + std::to_string(valueId) + " '" + value(valueId).name + "' " + shapeText(shape(valueId)) + ": ";
    FailureLayer layer{op_.label, opKindName(op_.kind), op_.index};
    if (layer.name.empty()) layer.name = valid(op_.y) ? value(op_.y).name : "op " + std::to_string(op_.index);
    throw Failure("INVALID_ARGUMENT", caller_ + ": " + describeOp(op_) + ": " + what + message,
                  hint.empty() ? "the Program does not follow @kiln-inference/core program.ts; lower it with lowerNetwork()" : hint, layer);
  }

  void require(bool ok, const std::string& message, int64_t valueId = -1, const std::string& hint = {}) const {
    if (!ok) fail(message, valueId, hint);
  }

  // A required operand: a value id of this program.
  int64_t id(const char* field, int64_t id) const {
    require(valid(id), std::string(field) + " = " + std::to_string(id) + " is not a value id (the program has " +
                           std::to_string(p_.values.size()) + " values)",
            -1, "operands are indices into program.values");
    return id;
  }
  // An optional operand: -1 when absent, else a value id.
  int64_t optionalId(const char* field, int64_t v) const { return v == -1 ? -1 : id(field, v); }

  void ints(const Shape& v, size_t count, int64_t min, const char* what) const {
    bool ok = v.size() == count;
    for (int64_t e : v) ok = ok && e >= min;
    require(ok, std::string(what) + " must be " + std::to_string(count) + " integers >= " + std::to_string(min) + ", got " + shapeText(v));
  }

  void activation(bool present, const ActivationDesc& a) const {
    if (!present) return;
    require(isActivationType(a.type), "unknown activation '" + a.type + "'", -1, "use an ActivationType of @kiln-inference/core layers.ts");
  }

  // Axis `axis` of a rank-`rank` tensor (negative counts from the end), normalized.
  int64_t axis(int64_t axis, size_t rank, int64_t valueId) const {
    const int64_t r = static_cast<int64_t>(rank);
    require(axis >= -r && axis < r, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(r), valueId);
    return axis < 0 ? axis + r : axis;
  }

  bool valid(int64_t id) const { return id >= 0 && id < static_cast<int64_t>(p_.values.size()); }

 private:
  const ProgramDesc& p_;
  const OpDesc& op_;
  const std::string& caller_;
};


using OpCheckFn = void (*)(const OpCheck& c, const OpDesc& op);

#define KILN_PROGRAM_OP_CHECK_NAME(name) checkProgramOp_##name
#define KILN_PROGRAM_OP_CHECK(name) void KILN_PROGRAM_OP_CHECK_NAME(name)(const OpCheck& c, const OpDesc& op)
#define KILN_DECLARE_PROGRAM_OP_CHECK(Enum, name) KILN_PROGRAM_OP_CHECK(name);
KILN_PROGRAM_OPS(KILN_DECLARE_PROGRAM_OP_CHECK)
#undef KILN_DECLARE_PROGRAM_OP_CHECK

}  // namespace kiln
