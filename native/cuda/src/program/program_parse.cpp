#include "program_parse.h"

#include "program_check.h"
#include "tensor_desc.h"

#include <cmath>
#include <limits>

#include "kiln/args.h"
#include "kiln/failure.h"

namespace kiln::cuda {
namespace {

constexpr int64_t kMaxDim = int64_t{1} << 40;

std::string str(Napi::Object o, const char* key, const std::string& where) {
  Napi::Value v = o.Get(key);
  if (!v.IsString()) failArgument(where, std::string(key) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

bool flag(Napi::Object o, const char* key, const std::string& where) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return false;
  if (!v.IsBoolean()) failArgument(where, std::string(key) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::vector<int64_t> intList(Napi::Object o, const char* key, const std::string& where, int64_t min, int64_t max) {
  Napi::Value v = o.Get(key);
  if (!v.IsArray()) failArgument(where, std::string(key) + " must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : std::nan("");
    if (!std::isfinite(d) || std::floor(d) != d || d < static_cast<double>(min) || d > static_cast<double>(max)) {
      failArgument(where, std::string(key) + "[" + std::to_string(i) + "] must be an integer in [" + std::to_string(min) + ", " +
                              std::to_string(max) + "]");
    }
    out[i] = static_cast<int64_t>(d);
  }
  return out;
}

template <size_t N>
void fixed(Napi::Object o, const char* key, const std::string& where, int (&dst)[N], int64_t min) {
  std::vector<int64_t> v = intList(o, key, where, min, std::numeric_limits<int>::max());
  if (v.size() != N) failArgument(where, std::string(key) + " must have " + std::to_string(N) + " entries");
  for (size_t i = 0; i < N; ++i) dst[i] = static_cast<int>(v[i]);
}

class OpReader {
 public:
  OpReader(Napi::Object o, std::string where, int valueCount) : o_(o), f_(o, where), where_(std::move(where)), count_(valueCount) {}

  int id(const char* key, bool required = true) const {
    if (!f_.has(key)) {
      if (required) failArgument(where_, std::string(key) + " is required");
      return -1;
    }
    return static_cast<int>(f_.integer(key, -1, 0, count_ - 1));
  }
  double number(const char* key, double fallback) const { return f_.number(key, fallback); }
  // Integer fields are exact: 2.5 or 2^40 is an error, never a truncated int.
  int integer(const char* key, int64_t fallback, int64_t min, int64_t max) const {
    return static_cast<int>(f_.integer(key, fallback, min, max));
  }
  Napi::Object obj() const { return o_; }
  const std::string& where() const { return where_; }
  bool has(const char* key) const { return f_.has(key); }

 private:
  Napi::Object o_;
  Fields f_;
  std::string where_;
  int count_;
};

ActivationSpec readActivation(Napi::Object op, const std::string& where) {
  Napi::Value v = op.Get("activation");
  if (v.IsUndefined() || v.IsNull()) return {};
  if (!v.IsObject()) failArgument(where, "activation must be an object { type, alpha?, beta? }");
  Napi::Object a = v.As<Napi::Object>();
  Fields f(a, where + ".activation");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  return parseActivationSpec(str(a, "type", where + ".activation"), f.number("alpha", nan), f.number("beta", nan), where);
}

OpSpec readOp(Napi::Object o, size_t index, int valueCount, const std::vector<ValueSpec>& values) {
  const std::string kind = str(o, "op", "program.ops[" + std::to_string(index) + "]");
  const std::string where = "program.ops[" + std::to_string(index) + "] (" + kind + ")";
  OpReader r(o, where, valueCount);
  OpSpec op;
  op.y = r.id("y");
  op.label = "op " + std::to_string(index) + " (" + kind + " → '" + values[op.y].name + "')";
  if (r.has("tactic")) op.tactic = str(o, "tactic", where);
  if (kind == "conv2d") {
    op.kind = OpKind::Conv2d;
    op.x = r.id("x");
    op.w = r.id("w");
    op.b = r.id("b", false);
    op.residual = r.id("residual", false);
    fixed(o, "strides", where, op.strides, 1);
    fixed(o, "pads", where, op.pads, 0);
    fixed(o, "dilations", where, op.dilations, 1);
    op.groups = r.integer("groups", 1, 1, std::numeric_limits<int>::max());
    op.activation = readActivation(o, where);
  } else if (kind == "gemm") {
    op.kind = OpKind::Gemm;
    op.a = r.id("a");
    op.w = r.id("b");
    op.bias = r.id("bias", false);
    op.transA = flag(o, "transA", where);
    op.transB = flag(o, "transB", where);
    op.alpha = static_cast<float>(r.number("alpha", 1));
    op.beta = static_cast<float>(r.number("beta", 1));
    op.activation = readActivation(o, where);
  } else if (kind == "batched_matmul") {
    op.kind = OpKind::BatchedMatmul;
    op.a = r.id("a");
    op.w = r.id("b");
  } else if (kind == "pool2d") {
    op.kind = OpKind::Pool2d;
    op.x = r.id("x");
    op.maxPool = str(o, "type", where) == "max";
    fixed(o, "window", where, op.window, 1);
    fixed(o, "strides", where, op.strides, 1);
    fixed(o, "pads", where, op.pads, 0);
    fixed(o, "dilations", where, op.dilations, 1);
    op.countIncludePad = flag(o, "countIncludePad", where);
  } else if (kind == "global_pool") {
    op.kind = OpKind::GlobalPool;
    op.x = r.id("x");
    op.maxPool = str(o, "type", where) == "max";
  } else if (kind == "binary") {
    op.kind = OpKind::Binary;
    op.a = r.id("a");
    op.b = r.id("b");
    const std::string t = str(o, "type", where);
    const char* names[] = {"add", "sub", "mul", "div", "max", "min", "pow"};
    bool found = false;
    for (int i = 0; i < 7; ++i) {
      if (t == names[i]) {
        op.binary = static_cast<BinaryKind>(i);
        found = true;
      }
    }
    if (!found) failArgument(where, "unknown binary type '" + t + "'", "use add, sub, mul, div, max, min or pow");
    op.activation = readActivation(o, where);
  } else if (kind == "activation") {
    op.kind = OpKind::Activation;
    op.x = r.id("x");
    op.activation = readActivation(o, where);
  } else if (kind == "channel_affine") {
    op.kind = OpKind::ChannelAffine;
    op.x = r.id("x");
    op.scale = r.id("scale", false);
    op.shift = r.id("shift", false);
    op.axis = r.integer("channelAxis", 1, 0, kMaxRank - 1);
    op.activation = readActivation(o, where);
  } else if (kind == "softmax") {
    op.kind = OpKind::Softmax;
    op.x = r.id("x");
    op.axis = r.integer("axis", -1, -kMaxRank, kMaxRank - 1);
    op.logSoftmax = flag(o, "log", where);
  } else if (kind == "concat") {
    op.kind = OpKind::Concat;
    for (int64_t v : intList(o, "inputs", where, 0, valueCount - 1)) op.inputs.push_back(static_cast<int>(v));
    op.axis = r.integer("axis", 0, -kMaxRank, kMaxRank - 1);
  } else if (kind == "copy") {
    op.kind = OpKind::Copy;
    op.x = r.id("x");
  } else if (kind == "transpose") {
    op.kind = OpKind::Transpose;
    op.x = r.id("x");
    op.perm = intList(o, "perm", where, 0, kMaxRank - 1);
  } else if (kind == "lrn") {
    op.kind = OpKind::Lrn;
    op.x = r.id("x");
    op.lrnSize = r.integer("size", 1, 1, std::numeric_limits<int>::max());
    op.lrnAlpha = static_cast<float>(r.number("alpha", 1e-4));
    op.lrnBeta = static_cast<float>(r.number("beta", 0.75));
    op.lrnBias = static_cast<float>(r.number("bias", 1));
  } else if (kind == "pad") {
    op.kind = OpKind::Pad;
    op.x = r.id("x");
    op.padsNd = intList(o, "pads", where, -kMaxDim, kMaxDim);
    op.padValue = static_cast<float>(r.number("value", 0));
  } else if (kind == "slice") {
    op.kind = OpKind::Slice;
    op.x = r.id("x");
    op.starts = intList(o, "starts", where, -kMaxDim, kMaxDim);
    op.steps = intList(o, "steps", where, -kMaxDim, kMaxDim);
  } else if (kind == "resize2d") {
    op.kind = OpKind::Resize2d;
    op.x = r.id("x");
    op.resizeMode = str(o, "mode", where) == "linear" ? 1 : 0;
    const std::string ct = str(o, "coordinateTransform", where);
    const char* transforms[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"};
    op.coordTransform = -1;
    for (int i = 0; i < 4; ++i)
      if (ct == transforms[i]) op.coordTransform = i;
    if (op.coordTransform < 0) failArgument(where, "unknown coordinateTransform '" + ct + "'");
    const std::string nm = str(o, "nearestMode", where);
    const char* modes[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    op.nearestMode = -1;
    for (int i = 0; i < 4; ++i)
      if (nm == modes[i]) op.nearestMode = i;
    if (op.nearestMode < 0) failArgument(where, "unknown nearestMode '" + nm + "'");
  } else {
    failArgument(where, "unknown op '" + kind + "'", "rebuild kiln_cuda.node: this Program uses an op it does not know");
  }
  return op;
}

}  // namespace

ProgramSpec parseProgram(Napi::Object program, const ProgramLimits& limits) {
  ProgramSpec spec;
  const std::string where = "CudaProgram.create";
  // Feeds are counted first: an 'input' value's index must name one of them (the executor
  // reads inputs_[index]).
  Napi::Value inputsValue = program.Get("inputs");
  if (!inputsValue.IsArray()) failArgument(where, "program.inputs must be an array of value ids");
  const int64_t feedCount = static_cast<int64_t>(inputsValue.As<Napi::Array>().Length());
  Napi::Value valuesValue = program.Get("values");
  Napi::Value opsValue = program.Get("ops");
  Napi::Value weightsValue = program.Get("weights");
  if (!valuesValue.IsArray() || !opsValue.IsArray() || !weightsValue.IsArray()) {
    failArgument(where, "program must have values, ops and weights arrays", "pass a Program from lowerNetwork()");
  }
  Napi::Array weights = weightsValue.As<Napi::Array>();
  for (uint32_t i = 0; i < weights.Length(); ++i) {
    Napi::Value w = weights.Get(i);
    if (!w.IsTypedArray() || w.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      failArgument(where, "program.weights[" + std::to_string(i) + "] must be a Float32Array");
    }
    Napi::Float32Array array = w.As<Napi::Float32Array>();
    spec.weights.push_back(array.Data());
    spec.weightLengths.push_back(static_cast<int64_t>(array.ElementLength()));
  }
  Napi::Array values = valuesValue.As<Napi::Array>();
  for (uint32_t i = 0; i < values.Length(); ++i) {
    const std::string vw = "program.values[" + std::to_string(i) + "]";
    if (!values.Get(i).IsObject()) failArgument(where, vw + " must be an object");
    Napi::Object v = values.Get(i).As<Napi::Object>();
    ValueSpec value;
    value.name = str(v, "name", vw);
    value.shape = intList(v, "shape", vw, 0, kMaxDim);
    checkedProduct(value.shape, vw, "shape");
    if (value.shape.size() > static_cast<size_t>(kMaxRank)) {
      throw Failure("UNSUPPORTED_LAYER", vw + " ('" + value.name + "') has rank " + std::to_string(value.shape.size()) + "; the CUDA executor handles rank ≤ 8",
                    "run this part of the model on the CPU backend");
    }
    if (!v.Get("storage").IsObject()) failArgument(where, vw + ".storage must be an object");
    Napi::Object storage = v.Get("storage").As<Napi::Object>();
    const std::string kind = str(storage, "kind", vw + ".storage");
    Fields sf(storage, vw + ".storage");
    if (kind == "input") {
      value.storage = StorageKind::Input;
      if (feedCount == 0) failArgument(where, vw + " ('" + value.name + "') reads a feed but the program has no inputs");
      value.index = sf.integer("index", -1, 0, feedCount - 1);
    } else if (kind == "weight") {
      value.storage = StorageKind::Weight;
      value.index = sf.integer("index", -1, 0, static_cast<int64_t>(spec.weights.size()) - 1);
      if (spec.weightLengths[value.index] != value.elements()) {
        failArgument(where, vw + " ('" + value.name + "') has " + std::to_string(value.elements()) + " elements but weight " +
                                std::to_string(value.index) + " has " + std::to_string(spec.weightLengths[value.index]));
      }
    } else if (kind == "arena") {
      value.storage = StorageKind::Arena;
      value.byteOffset = sf.integer("offset", -1, 0, kMaxDim * 4);
      if (value.byteOffset % 4 != 0) failArgument(where, vw + ".storage.offset must be a multiple of 4");
    } else {
      failArgument(where, vw + ".storage.kind must be 'input', 'weight' or 'arena'");
    }
    spec.values.push_back(std::move(value));
  }
  Fields pf(program, "program");
  spec.arenaBytes = pf.integer("arenaBytes", 0, 0, kMaxDim * 4);
  for (const ValueSpec& v : spec.values) {
    if (v.storage == StorageKind::Arena && v.byteOffset + v.elements() * 4 > spec.arenaBytes) {
      failArgument(where, "value '" + v.name + "' ends past arenaBytes (" + std::to_string(spec.arenaBytes) + ")");
    }
  }
  const int count = static_cast<int>(spec.values.size());
  for (int64_t id : intList(program, "inputs", where, 0, count - 1)) spec.inputs.push_back(static_cast<int>(id));
  for (int64_t id : intList(program, "outputs", where, 0, count - 1)) spec.outputs.push_back(static_cast<int>(id));
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const ValueSpec& v = spec.values[spec.inputs[i]];
    if (v.storage != StorageKind::Input || v.index != static_cast<int64_t>(i)) {
      failArgument(where, "program.inputs[" + std::to_string(i) + "] ('" + v.name + "') must have storage { kind: 'input', index: " +
                              std::to_string(i) + " }");
    }
  }
  Napi::Array ops = opsValue.As<Napi::Array>();
  for (uint32_t i = 0; i < ops.Length(); ++i) {
    if (!ops.Get(i).IsObject()) failArgument(where, "program.ops[" + std::to_string(i) + "] must be an object");
    spec.ops.push_back(readOp(ops.Get(i).As<Napi::Object>(), i, count, spec.values));
  }
  checkProgram(spec, limits);
  return spec;
}

}  // namespace kiln::cuda
