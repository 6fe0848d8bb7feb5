#include "kiln/program_reader.h"

#include <cmath>
#include <limits>

#include "kiln/failure.h"
#include "kiln/program_validator.h"

namespace kiln {
namespace {

constexpr int64_t kMaxSafe = (int64_t{1} << 53) - 1;  // Number.MAX_SAFE_INTEGER
constexpr int64_t kMaxAttr = 2147483647;              // window attributes fit int32 (the CUDA kernels' type)
constexpr int64_t kMaxOffset = int64_t{1} << 40;      // pad/slice offsets: far past any real tensor

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
  auto id = [&](const char* key) { return r.integer(key, 0, lastId); };
  auto optionalId = [&](const char* key) { return r.has(key) ? r.integer(key, 0, lastId) : int64_t{-1}; };
  op.y = id("y");
  if (r.has("tactic")) op.tactic = r.string("tactic");
  if (r.has("activation")) {
    op.hasActivation = true;
    op.activation = readActivation(r);
  }
  auto window = [&](bool withWindow) {
    if (withWindow) op.window = r.integers("window", 1, kMaxAttr);
    op.strides = r.integers("strides", 1, kMaxAttr);
    op.pads = r.integers("pads", 0, kMaxAttr);
    op.dilations = r.integers("dilations", 1, kMaxAttr);
  };
  switch (op.kind) {
    case OpKind::Conv2d:
    case OpKind::Deconv2d:
      op.x = id("x");
      op.w = id("w");
      op.b = optionalId("b");
      if (op.kind == OpKind::Conv2d) op.residual = optionalId("residual");
      window(false);
      op.groups = r.integer("groups", 1, kMaxAttr);
      break;
    case OpKind::Gemm:
      op.a = id("a");
      op.b = id("b");
      op.bias = optionalId("bias");
      op.transA = r.flag("transA");
      op.transB = r.flag("transB");
      op.alpha = r.number("alpha");
      op.beta = r.number("beta");
      break;
    case OpKind::BatchedMatmul:
      op.a = id("a");
      op.b = id("b");
      break;
    case OpKind::Pool2d:
      op.x = id("x");
      op.type = r.string("type");
      window(true);
      op.countIncludePad = r.flag("countIncludePad");
      break;
    case OpKind::GlobalPool:
      op.x = id("x");
      op.type = r.string("type");
      break;
    case OpKind::Binary:
      op.a = id("a");
      op.b = id("b");
      op.type = r.string("type");
      break;
    case OpKind::Compare:
      op.a = id("a");
      op.b = id("b");
      op.type = r.string("type");
      break;
    case OpKind::Where:
      op.condition = id("condition");
      op.a = id("a");
      op.b = id("b");
      break;
    case OpKind::Gather:
      op.x = id("x");
      op.indices = id("indices");
      op.axis = r.integer("axis", -kMaxAttr, kMaxAttr);
      break;
    case OpKind::GatherNd:
      op.x = id("x");
      op.indices = id("indices");
      break;
    case OpKind::ArgReduce:
      op.x = id("x");
      op.type = r.string("type");
      op.axis = r.integer("axis", -kMaxAttr, kMaxAttr);
      op.selectLastIndex = r.flag("selectLastIndex");
      break;
    case OpKind::Activation:
    case OpKind::Cast:
    case OpKind::Copy:
      op.x = id("x");
      break;
    case OpKind::Unary:
      op.x = id("x");
      op.type = r.string("type");
      break;
    case OpKind::ChannelAffine:
      op.x = id("x");
      op.scale = optionalId("scale");
      op.shift = optionalId("shift");
      op.channelAxis = r.integer("channelAxis", 0, kMaxAttr);
      break;
    case OpKind::Softmax:
      op.x = id("x");
      // A scalar softmax has no axis to name (TypeScript checks it only for rank > 0).
      op.axis = r.integer("axis", -kMaxAttr, kMaxAttr);
      op.log = r.flag("log");
      break;
    case OpKind::Concat:
      op.inputs = r.integers("inputs", 0, lastId);
      op.axis = r.integer("axis", -kMaxAttr, kMaxAttr);
      break;
    case OpKind::Transpose:
      op.x = id("x");
      op.perm = r.integers("perm", 0, kMaxAttr);
      break;
    case OpKind::Lrn:
      op.x = id("x");
      op.size = r.integer("size", 1, kMaxAttr);
      op.alpha = r.number("alpha");
      op.beta = r.number("beta");
      op.lrnBias = r.number("bias");
      break;
    case OpKind::Pad:
      op.x = id("x");
      op.pads = r.integers("pads", -kMaxOffset, kMaxOffset);
      op.padValue = r.number("value");
      break;
    case OpKind::Slice:
      op.x = id("x");
      op.starts = r.integers("starts", -kMaxOffset, kMaxOffset);
      op.steps = r.integers("steps", -kMaxOffset, kMaxOffset);
      break;
    case OpKind::Resize2d:
      op.x = id("x");
      op.mode = r.string("mode");
      op.coordinateTransform = r.string("coordinateTransform");
      op.nearestMode = r.string("nearestMode");
      break;
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
