#include "kiln/program_reader.h"

#include <cmath>
#include <limits>

#include "kiln/failure.h"
#include "kiln/program_op_table.h"
#include "kiln/program_validator.h"

namespace kiln {
namespace {

constexpr int64_t kMaxSafe = (int64_t{1} << 53) - 1;  // Number.MAX_SAFE_INTEGER

// The Program's typed-array classes by N-API type; false for any other (Float64Array, Uint8ClampedArray …).
bool arrayClassOf(napi_typedarray_type type, ArrayClass* array) {
  switch (type) {
    case napi_float32_array: *array = ArrayClass::Float32Array; return true;
    case napi_int32_array: *array = ArrayClass::Int32Array; return true;
    case napi_bigint64_array: *array = ArrayClass::BigInt64Array; return true;
    case napi_int8_array: *array = ArrayClass::Int8Array; return true;
    case napi_uint8_array: *array = ArrayClass::Uint8Array; return true;
    default: return false;
  }
}

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) return v.ToString().Utf8Value();
  if (v.IsString()) return "the string '" + v.As<Napi::String>().Utf8Value().substr(0, 40) + "'";
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  ArrayClass array = ArrayClass::Float32Array;
  if (v.IsTypedArray()) return arrayClassOf(v.As<Napi::TypedArray>().TypedArrayType(), &array) ? std::string("a ") + arrayClassName(array) : "a typed array";
  if (v.IsArray()) return "an array";
  if (v.IsObject()) return "an object";
  return "a value of another type";
}

bool absent(const Napi::Value& v) { return v.IsUndefined() || v.IsNull(); }

// Reads the fields of one object; every error names `where` (and, for ops, the op's layer).
class FieldReader {
 public:
  FieldReader(Napi::Object o, std::string where, FailureLayer layer = {}) : o_(o), where_(std::move(where)), layer_(std::move(layer)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& message) const {
    throw Failure("INVALID_ARGUMENT", where_ + (field.empty() ? "" : "." + field) + " " + message,
                  "the Program does not follow @kiln-inference/core program.ts; lower it with lowerNetwork()", layer_);
  }

  bool has(const char* key) const { return !absent(o_.Get(key)); }

  int64_t exact(const Napi::Value& v, const std::string& field, int64_t min, int64_t max) const {
    if (!v.IsNumber()) fail(field, "must be an integer, got " + describe(v));
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::floor(d) != d) fail(field, "must be an integer, got " + describe(v));
    if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
      fail(field, "= " + describe(v) + " is outside [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    return static_cast<int64_t>(d);
  }

  int64_t integer(const char* key, int64_t min, int64_t max) const { return exact(o_.Get(key), key, min, max); }

  // An integer >= 0 of any size, saturating at INT64_MAX: past 2^53 it is over every limit,
  // which the validator reports as a RESOURCE_LIMIT (TypeScript does the same).
  int64_t count(const char* key) const {
    Napi::Value v = o_.Get(key);
    const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!v.IsNumber() || !std::isfinite(d) || std::floor(d) != d || d < 0) fail(key, "must be an integer >= 0, got " + describe(v));
    return d >= 9.2e18 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(d);
  }
  int64_t integer(const char* key, int64_t min, int64_t max, int64_t fallback) const {
    return has(key) ? integer(key, min, max) : fallback;
  }

  std::vector<int64_t> integers(const char* key, int64_t min, int64_t max) const {
    Napi::Value v = o_.Get(key);
    if (!v.IsArray()) fail(key, "must be an array of integers, got " + describe(v));
    Napi::Array a = v.As<Napi::Array>();
    std::vector<int64_t> out(a.Length());
    for (uint32_t i = 0; i < a.Length(); ++i) out[i] = exact(a.Get(i), std::string(key) + "[" + std::to_string(i) + "]", min, max);
    return out;
  }

  double number(const char* key) const {
    Napi::Value v = o_.Get(key);
    if (!v.IsNumber()) fail(key, "must be a number, got " + describe(v));
    return v.As<Napi::Number>().DoubleValue();
  }
  double number(const char* key, double fallback) const { return has(key) ? number(key) : fallback; }

  bool flag(const char* key) const {
    Napi::Value v = o_.Get(key);
    if (!v.IsBoolean()) fail(key, "must be a boolean, got " + describe(v));
    return v.As<Napi::Boolean>().Value();
  }

  std::string string(const char* key) const {
    Napi::Value v = o_.Get(key);
    if (!v.IsString()) fail(key, "must be a string, got " + describe(v));
    return v.As<Napi::String>().Utf8Value();
  }
  std::string string(const char* key, const std::string& fallback) const { return has(key) ? string(key) : fallback; }

  Napi::Value get(const char* key) const { return o_.Get(key); }

 private:
  Napi::Object o_;
  std::string where_;
  FailureLayer layer_;
};

// `activation`: an ActivationSpec { type, alpha?, beta? } or (as the CPU binding always took) a bare name.
ActivationDesc readActivation(const FieldReader& r) {
  ActivationDesc a;
  Napi::Value v = r.get("activation");
  if (v.IsString()) {
    a.type = v.As<Napi::String>().Utf8Value();
    return a;
  }
  if (!v.IsObject() || v.IsArray()) r.fail("activation", "must be { type, alpha?, beta? }, got " + describe(v));
  FieldReader f(v.As<Napi::Object>(), "", {});
  Napi::Value type = f.get("type");
  if (!type.IsString()) r.fail("activation.type", "must be an activation name such as 'relu', got " + describe(type));
  a.type = type.As<Napi::String>().Utf8Value();
  for (auto [key, field] : {std::pair{"alpha", &a.alpha}, {"beta", &a.beta}}) {
    if (!f.has(key)) continue;
    Napi::Value n = f.get(key);
    if (!n.IsNumber() || std::isnan(n.As<Napi::Number>().DoubleValue())) {
      r.fail(std::string("activation.") + key, "must be a number (±Infinity allowed, not NaN), got " + describe(n));
    }
    *field = n.As<Napi::Number>().DoubleValue();
  }
  return a;
}

OpDesc readOp(const Napi::Value& v, uint32_t index, const std::vector<ValueDesc>& values, const std::string& caller) {
  const std::string at = caller + ": program.ops[" + std::to_string(index) + "]";
  if (!v.IsObject() || v.IsArray()) throw Failure("INVALID_ARGUMENT", at + " must be an op object, got " + describe(v));
  Napi::Object o = v.As<Napi::Object>();
  OpDesc op;
  op.index = index;
  Napi::Value kind = o.Get("op");
  const std::string kindName = kind.IsString() ? kind.As<Napi::String>().Utf8Value() : "";
  Napi::Value label = o.Get("label");
  if (label.IsString()) op.label = label.As<Napi::String>().Utf8Value();
  FailureLayer layer{op.label.empty() ? "op " + std::to_string(index) : op.label, kindName, index};
  if (!opKindFromName(kindName, &op.kind)) {
    throw Failure("INVALID_ARGUMENT", at + ": unknown op kind '" + (kind.IsString() ? kindName : describe(kind)) + "'",
                  "see PROGRAM_OP_KINDS in @kiln-inference/core (rebuild the addon if the Program is newer than it)", layer);
  }
  FieldReader r(o, caller + ": " + describeOp(op), layer);
  if (!absent(label) && !label.IsString()) r.fail("label", "must be a string (the layer name), got " + describe(label));
  const int64_t lastId = static_cast<int64_t>(values.size()) - 1;
  if (r.has("tactic")) op.tactic = r.string("tactic");
  // The fields the op's descriptor names, as the generated op table types them.
  const OpInfo& info = opInfo(op.kind);
  for (size_t i = 0; i < info.operandCount; ++i) {
    const OperandInfo& operand = info.operands[i];
    if (operand.list != nullptr) {
      op.*operand.list = r.integers(operand.field, 0, lastId);
    } else if (!operand.optional || r.has(operand.field)) {
      op.*operand.id = r.integer(operand.field, 0, lastId);
    }
  }
  for (size_t i = 0; i < info.attributeCount; ++i) {
    const AttributeInfo& a = info.attributes[i];
    if (a.optional && !r.has(a.field)) continue;
    switch (a.type) {
      case AttributeType::Int: op.*a.integer = r.integer(a.field, a.min, a.max); break;
      case AttributeType::Ints: op.*a.integers = r.integers(a.field, a.min, a.max); break;
      case AttributeType::Number: op.*a.number = r.number(a.field); break;
      case AttributeType::Bool: op.*a.flag = r.flag(a.field); break;
      case AttributeType::String: {
        const std::string text = r.string(a.field);
        bool known = false;
        std::string allowed;
        for (size_t k = 0; k < a.valueCount; ++k) {
          known = known || text == a.values[k];
          allowed += (k == 0 ? "'" : k + 1 == a.valueCount ? " or '" : ", '") + std::string(a.values[k]) + "'";
        }
        if (!known) r.fail(a.field, "'" + text.substr(0, 40) + "' must be " + allowed);
        op.*a.text = text;
        break;
      }
      case AttributeType::Activation:
        op.hasActivation = true;
        op.activation = readActivation(r);
        break;
    }
  }
  return op;
}

ValueDesc readValue(const Napi::Value& v, uint32_t i, const std::string& caller) {
  const std::string where = caller + ": program.values[" + std::to_string(i) + "]";
  if (!v.IsObject() || v.IsArray()) throw Failure("INVALID_ARGUMENT", where + " must be { name, dtype, shape, storage }, got " + describe(v));
  FieldReader r(v.As<Napi::Object>(), where);
  ValueDesc value;
  value.name = r.string("name");
  FieldReader named(v.As<Napi::Object>(), where + " ('" + value.name + "')");
  const std::string dtype = named.string("dtype");
  if (!dtypeFromName(dtype, &value.dtype)) {
    named.fail("dtype", "'" + dtype.substr(0, 40) + "' must be one of float32, int32, int64, int8, uint8, bool");
  }
  value.shape = named.integers("shape", 0, kMaxSafe);
  value.elements = saturatingElements(value.shape);
  Napi::Value s = named.get("storage");
  if (!s.IsObject() || s.IsArray()) named.fail("storage", "must be { kind: 'input' | 'weight', index } or { kind: 'arena', offset }");
  FieldReader storage(s.As<Napi::Object>(), where + " ('" + value.name + "').storage");
  const std::string kind = storage.string("kind");
  if (kind == "input" || kind == "weight") {
    value.storage = kind == "input" ? ValueStorage::Input : ValueStorage::Weight;
    value.index = storage.integer("index", -kMaxSafe, kMaxSafe);  // the validator bounds it by the feeds/weights
  } else if (kind == "arena") {
    value.storage = ValueStorage::Arena;
    value.byteOffset = storage.integer("offset", 0, kMaxSafe);
  } else {
    storage.fail("kind", "'" + kind + "' must be 'input', 'weight' or 'arena'");
  }
  return value;
}

}  // namespace

ProgramDesc readProgramDesc(const Napi::Value& program, const ProgramLimits& limits, const std::string& caller) {
  if (!program.IsObject() || program.IsArray()) {
    throw Failure("INVALID_ARGUMENT", caller + ": program must be a Program object, got " + describe(program));
  }
  FieldReader p(program.As<Napi::Object>(), caller + ": program");
  for (const char* key : {"values", "weights", "ops", "inputs", "outputs"}) {
    if (!p.get(key).IsArray()) p.fail(key, "must be an array, got " + describe(p.get(key)));
  }
  ProgramDesc desc;
  Napi::Array values = p.get("values").As<Napi::Array>();
  desc.values.reserve(values.Length());
  for (uint32_t i = 0; i < values.Length(); ++i) desc.values.push_back(readValue(values.Get(i), i, caller));
  desc.arenaBytes = p.count("arenaBytes");
  Napi::Array weights = p.get("weights").As<Napi::Array>();
  for (uint32_t i = 0; i < weights.Length(); ++i) {
    Napi::Value w = weights.Get(i);
    ArrayClass array = ArrayClass::Float32Array;
    if (!w.IsTypedArray() || !arrayClassOf(w.As<Napi::TypedArray>().TypedArrayType(), &array)) {
      p.fail("weights[" + std::to_string(i) + "]",
             "must be a Float32Array, Int32Array, BigInt64Array, Int8Array or Uint8Array, got " + describe(w));
    }
    Napi::TypedArray t = w.As<Napi::TypedArray>();
    const uint8_t* base = static_cast<const uint8_t*>(t.ArrayBuffer().Data());
    desc.weights.push_back(WeightDesc{base == nullptr ? nullptr : base + t.ByteOffset(), static_cast<int64_t>(t.ElementLength()), array});
  }
  desc.inputs = p.integers("inputs", -kMaxSafe, kMaxSafe);
  desc.outputs = p.integers("outputs", -kMaxSafe, kMaxSafe);
  // Sizes and storage before the ops, as in TypeScript: a hostile shape is a RESOURCE_LIMIT
  // naming the value even when an op field that produced it is out of range too.
  validateProgramValues(desc, limits, caller);
  Napi::Array ops = p.get("ops").As<Napi::Array>();
  desc.ops.reserve(ops.Length());
  for (uint32_t i = 0; i < ops.Length(); ++i) desc.ops.push_back(readOp(ops.Get(i), i, desc.values, caller));
  validateProgramOps(desc, caller);
  return desc;
}

ProgramLimits readProgramLimits(const Napi::Value& options, const std::string& where) {
  ProgramLimits limits;
  if (absent(options)) return limits;
  if (!options.IsObject() || options.IsArray()) {
    throw Failure("INVALID_ARGUMENT", where + " must be { maxTensorElements?, maxTensorBytes?, maxModelBytes? }, got " + describe(options));
  }
  FieldReader r(options.As<Napi::Object>(), where);
  constexpr int64_t kMaxLimit = int64_t{1} << 52;
  limits.maxTensorElements = r.integer("maxTensorElements", 1, kMaxLimit, limits.maxTensorElements);
  limits.maxTensorBytes = r.integer("maxTensorBytes", 1, kMaxLimit, limits.maxTensorBytes);
  limits.maxModelBytes = r.integer("maxModelBytes", 1, kMaxLimit, limits.maxModelBytes);
  return limits;
}

}  // namespace kiln
