// createProgram(program) → ProgramHandle: the native side of NativeProgram (see @kiln/core
// program.ts for the Program shape). Creation is synchronous (it copies and prepacks weights);
// run/profile are promises that execute on the libuv pool, one at a time per handle.
//   handle.run(inputs: Float32Array[]) → Promise<Float32Array[]>
//   handle.profile(inputs, repeats) → Promise<number[]> (median ms per op)
//   handle.clone() → ProgramHandle (shared prepacked weights, own arena)
//   handle.tactics() → string[] (the implementation each op uses)
//   handle.dispose()
// createProgram(program, limits?) checks every value's size, the arena and the weights against
// limits ({ maxTensorElements, maxTensorBytes, maxModelBytes }, from @kiln/core's resource
// limits) before it copies or allocates anything: a Program may come from a hostile plan.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../program/program.h"
#include "activation_arg.h"
#include "bindings.h"
#include "kiln/args.h"
#include "kiln/js_errors.h"
#include "kiln/promise_worker.h"

namespace kiln::cpu {
namespace {

using program::OpSpec;
using program::ProgramDefinition;
using program::ProgramInstance;
using program::ProgramSpec;
using program::StorageKind;
using program::ValueInfo;

constexpr int64_t kMaxId = int64_t{1} << 40;

// What a Program may ask for. The defaults (used when JavaScript passes none) are @kiln/core's
// defaults for an 8 GiB machine.
struct ProgramLimits {
  int64_t maxTensorElements = int64_t{1} << 31;
  int64_t maxTensorBytes = int64_t{1} << 31;
  int64_t maxModelBytes = int64_t{1} << 32;
};

[[noreturn]] void failLimit(const std::string& what, const std::string& limit, int64_t value, int64_t max) {
  throw Failure("RESOURCE_LIMIT",
                "NativeProgram: " + what + " needs " + std::to_string(value) + ", over the limit " + limit + " = " + std::to_string(max),
                "the limit " + limit + " guards against hostile or corrupted models; if this model really needs more, raise it in "
                "the options' limits");
}

[[noreturn]] void failAt(const std::string& where, const std::string& message) {
  failArgument("NativeProgram: " + where, message);
}

int64_t readInt(const Napi::Value& v, const std::string& where, int64_t min = -kMaxId, int64_t max = kMaxId) {
  if (!v.IsNumber()) failAt(where, "must be an integer");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || d < static_cast<double>(min) || d > static_cast<double>(max)) {
    failAt(where, "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " + v.ToString().Utf8Value());
  }
  return static_cast<int64_t>(d);
}

std::vector<int64_t> readInts(const Napi::Value& v, const std::string& where, int64_t min = -kMaxId) {
  if (!v.IsArray()) failAt(where, "must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out[i] = readInt(a.Get(i), where + "[" + std::to_string(i) + "]", min);
  return out;
}

class OpReader {
 public:
  OpReader(Napi::Object o, std::string where) : o_(o), where_(std::move(where)) {}
  bool has(const char* key) const { return o_.Has(key) && !o_.Get(key).IsUndefined() && !o_.Get(key).IsNull(); }
  std::string path(const char* key) const { return where_ + "." + key; }
  void id(const char* key, int64_t& out) const {
    if (has(key)) out = readInt(o_.Get(key), path(key), 0);
  }
  void ints(const char* key, std::vector<int64_t>& out) const {
    if (has(key)) out = readInts(o_.Get(key), path(key));
  }
  void integer(const char* key, int64_t& out) const {
    if (has(key)) out = readInt(o_.Get(key), path(key));
  }
  void number(const char* key, double& out) const {
    if (!has(key)) return;
    Napi::Value v = o_.Get(key);
    if (!v.IsNumber()) failAt(path(key), "must be a number");
    out = v.As<Napi::Number>().DoubleValue();
  }
  void boolean(const char* key, bool& out) const {
    if (!has(key)) return;
    Napi::Value v = o_.Get(key);
    if (!v.IsBoolean()) failAt(path(key), "must be a boolean");
    out = v.As<Napi::Boolean>().Value();
  }
  void string(const char* key, std::string& out) const {
    if (!has(key)) return;
    Napi::Value v = o_.Get(key);
    if (!v.IsString()) failAt(path(key), "must be a string");
    out = v.As<Napi::String>().Utf8Value();
  }

 private:
  Napi::Object o_;
  std::string where_;
};

OpSpec readOp(const Napi::Value& v, int64_t index) {
  const std::string where = "program.ops[" + std::to_string(index) + "]";
  if (!v.IsObject()) failAt(where, "must be an object");
  Napi::Object o = v.As<Napi::Object>();
  OpReader r(o, where);
  OpSpec op;
  op.index = index;
  r.string("op", op.kind);
  if (op.kind.empty()) failAt(where + ".op", "must name the op kind");
  for (auto [key, field] : {std::pair{"x", &op.x}, {"w", &op.w}, {"b", &op.b}, {"residual", &op.residual}, {"y", &op.y},
                            {"a", &op.a}, {"scale", &op.scale}, {"shift", &op.shift}}) {
    r.id(key, *field);
  }
  if (r.has("inputs")) op.inputs = readInts(o.Get("inputs"), r.path("inputs"), 0);
  r.ints("strides", op.strides);
  r.ints("pads", op.pads);
  r.ints("dilations", op.dilations);
  r.ints("window", op.window);
  r.ints("perm", op.perm);
  r.ints("starts", op.starts);
  r.ints("steps", op.steps);
  r.integer("groups", op.groups);
  r.integer("axis", op.axis);
  r.integer("channelAxis", op.channelAxis);
  r.integer("size", op.size);
  r.boolean("transA", op.transA);
  r.boolean("transB", op.transB);
  r.boolean("log", op.log);
  r.boolean("countIncludePad", op.countIncludePad);
  if (op.kind == "gemm") {
    op.alpha = 1.0, op.beta = 1.0;
  }
  r.number("alpha", op.alpha);
  r.number("beta", op.beta);
  // gemm's bias is a value id, lrn's a number.
  if (op.kind == "gemm") r.id("bias", op.bias);
  else if (op.kind == "lrn") r.number("bias", op.biasValue);
  r.number("value", op.value);
  r.string("type", op.type);
  r.string("mode", op.mode);
  r.string("coordinateTransform", op.coordinateTransform);
  r.string("nearestMode", op.nearestMode);
  r.string("tactic", op.tactic);
  op.activation = readActivation(Fields(o, where), "activation");
  return op;
}

ProgramLimits readLimits(const Napi::Value& v) {
  ProgramLimits limits;
  if (v.IsUndefined() || v.IsNull()) return limits;
  if (!v.IsObject()) failAt("limits", "must be { maxTensorElements, maxTensorBytes, maxModelBytes }");
  Napi::Object o = v.As<Napi::Object>();
  constexpr int64_t kMaxLimit = int64_t{1} << 52;
  for (auto [key, field] : {std::pair{"maxTensorElements", &limits.maxTensorElements}, {"maxTensorBytes", &limits.maxTensorBytes},
                            {"maxModelBytes", &limits.maxModelBytes}}) {
    if (o.Has(key) && !o.Get(key).IsUndefined()) *field = readInt(o.Get(key), std::string("limits.") + key, 1, kMaxLimit);
  }
  return limits;
}

ProgramSpec readProgram(const Napi::Value& v, const ProgramLimits& limits) {
  if (!v.IsObject()) failAt("program", "must be a Program object");
  Napi::Object p = v.As<Napi::Object>();
  ProgramSpec spec;
  Napi::Value values = p.Get("values"), weights = p.Get("weights"), ops = p.Get("ops");
  if (!values.IsArray() || !weights.IsArray() || !ops.IsArray()) failAt("program", "needs values, weights and ops arrays");
  Napi::Array va = values.As<Napi::Array>();
  for (uint32_t i = 0; i < va.Length(); ++i) {
    const std::string where = "program.values[" + std::to_string(i) + "]";
    Napi::Value e = va.Get(i);
    if (!e.IsObject()) failAt(where, "must be an object");
    Napi::Object o = e.As<Napi::Object>();
    ValueInfo info;
    info.name = o.Get("name").IsString() ? o.Get("name").As<Napi::String>().Utf8Value() : "";
    info.shape = readInts(o.Get("shape"), where + ".shape", 0);
    // Overflow-checked: any factor past kMaxId already breaks every limit.
    info.size = 1;
    for (int64_t d : info.shape) info.size = d == 0 ? 0 : (info.size > kMaxId / d ? kMaxId + 1 : info.size * d);
    const std::string what = where + " ('" + info.name + "')";
    if (info.size > limits.maxTensorElements) failLimit(what, "maxTensorElements", info.size, limits.maxTensorElements);
    if (info.size * 4 > limits.maxTensorBytes) failLimit(what + " in bytes", "maxTensorBytes", info.size * 4, limits.maxTensorBytes);
    Napi::Value s = o.Get("storage");
    if (!s.IsObject()) failAt(where + ".storage", "must be { kind, index | offset }");
    Napi::Object so = s.As<Napi::Object>();
    const std::string kind = so.Get("kind").IsString() ? so.Get("kind").As<Napi::String>().Utf8Value() : "";
    if (kind == "input") info.kind = StorageKind::Input, info.index = readInt(so.Get("index"), where + ".storage.index", 0);
    else if (kind == "weight") info.kind = StorageKind::Weight, info.index = readInt(so.Get("index"), where + ".storage.index", 0);
    else if (kind == "arena") info.kind = StorageKind::Arena, info.offset = readInt(so.Get("offset"), where + ".storage.offset", 0);
    else failAt(where + ".storage.kind", "must be 'input', 'weight' or 'arena'");
    spec.values.push_back(std::move(info));
  }
  spec.arenaBytes = readInt(p.Get("arenaBytes"), "program.arenaBytes", 0);
  Napi::Array wa = weights.As<Napi::Array>();
  // Sizes first: nothing is copied for a program over the limits.
  int64_t modelBytes = spec.arenaBytes;
  if (modelBytes > limits.maxModelBytes) failLimit("the program's arena", "maxModelBytes", modelBytes, limits.maxModelBytes);
  for (uint32_t i = 0; i < wa.Length(); ++i) {
    Napi::Value e = wa.Get(i);
    if (!e.IsTypedArray() || e.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      failAt("program.weights[" + std::to_string(i) + "]", "must be a Float32Array");
    }
    modelBytes += static_cast<int64_t>(e.As<Napi::TypedArray>().ByteLength());
    if (modelBytes > limits.maxModelBytes) failLimit("the program's arena and weights", "maxModelBytes", modelBytes, limits.maxModelBytes);
  }
  for (uint32_t i = 0; i < wa.Length(); ++i) {
    Napi::Float32Array f = wa.Get(i).As<Napi::Float32Array>();
    spec.weights.emplace_back(f.Data(), f.Data() + f.ElementLength());  // copied: the caller's array is never read again
  }
  Napi::Array oa = ops.As<Napi::Array>();
  for (uint32_t i = 0; i < oa.Length(); ++i) spec.ops.push_back(readOp(oa.Get(i), i));
  spec.inputs = readInts(p.Get("inputs"), "program.inputs");
  spec.outputs = readInts(p.Get("outputs"), "program.outputs");
  return spec;
}

class ProgramHandle : public Napi::ObjectWrap<ProgramHandle> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "ProgramHandle",
                       {InstanceMethod("run", &ProgramHandle::Run), InstanceMethod("profile", &ProgramHandle::Profile),
                        InstanceMethod("clone", &ProgramHandle::Clone), InstanceMethod("tactics", &ProgramHandle::Tactics),
                        InstanceMethod("dispose", &ProgramHandle::Dispose)});
  }

  static Napi::Object wrap(Napi::Env env, std::shared_ptr<ProgramInstance> instance) {
    Napi::Object obj = env.GetInstanceData<Napi::FunctionReference>()->New({});
    Unwrap(obj)->instance_ = std::move(instance);
    return obj;
  }

  explicit ProgramHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProgramHandle>(info) {}

 private:
  std::shared_ptr<ProgramInstance> live(const char* fn) const {
    if (!instance_) {
      throw Failure("RUNTIME_ERROR", std::string("NativeProgram.") + fn + ": the program was disposed",
                    "create a new NativeProgram (or clone one before disposing it)");
    }
    return instance_;
  }

  // Checks the feeds and pins them; returns their data pointers.
  static std::vector<const float*> readInputs(const Napi::CallbackInfo& info, const ProgramInstance& inst, const char* fn,
                                              PromiseWorker* worker) {
    const auto& def = inst.definition();
    if (info.Length() < 1 || !info[0].IsArray()) failArgument(std::string("NativeProgram.") + fn, "expects an array of Float32Array inputs");
    Napi::Array arr = info[0].As<Napi::Array>();
    if (arr.Length() != def.inputs().size()) {
      failArgument(std::string("NativeProgram.") + fn, "got " + std::to_string(arr.Length()) + " inputs but the program has " +
                                                          std::to_string(def.inputs().size()),
                   "pass one Float32Array per program input, in program.inputs order");
    }
    std::vector<const float*> ptrs;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      const ValueInfo& v = def.values()[static_cast<size_t>(def.inputs()[i])];
      Napi::Value e = arr.Get(i);
      if (!e.IsTypedArray() || e.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        failArgument(std::string("NativeProgram.") + fn, "input " + std::to_string(i) + " ('" + v.name + "') must be a Float32Array");
      }
      Napi::Float32Array f = e.As<Napi::Float32Array>();
      if (static_cast<int64_t>(f.ElementLength()) != v.size) {
        failArgument(std::string("NativeProgram.") + fn, "input " + std::to_string(i) + " ('" + v.name + "') has " +
                                                            std::to_string(f.ElementLength()) + " elements but needs " +
                                                            std::to_string(v.size),
                     "feed a tensor of the shape the program was built for");
      }
      ptrs.push_back(f.Data());
      if (worker != nullptr) worker->keepAlive(e);
    }
    return ptrs;
  }

  Napi::Value Run(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      std::shared_ptr<ProgramInstance> inst = live("run");
      readInputs(info, *inst, "run", nullptr);  // validate before allocating anything
      const auto& def = inst->definition();
      Napi::Array outs = Napi::Array::New(env, def.outputs().size());
      std::vector<float*> outPtrs;
      for (size_t i = 0; i < def.outputs().size(); ++i) {
        const ValueInfo& v = def.values()[static_cast<size_t>(def.outputs()[i])];
        Napi::Float32Array a = Napi::Float32Array::New(env, static_cast<size_t>(v.size));
        outPtrs.push_back(a.Data());
        outs.Set(static_cast<uint32_t>(i), a);
      }
      auto inputs = std::make_shared<std::vector<const float*>>();
      PromiseWorker* worker = makeWorker(env, "kiln.program.run", [inst, inputs, outPtrs] { inst->run(*inputs, outPtrs, nullptr); });
      *inputs = readInputs(info, *inst, "run", worker);
      worker->resolveWith(outs);
      return worker->start();
    });
  }

  Napi::Value Profile(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      std::shared_ptr<ProgramInstance> inst = live("profile");
      readInputs(info, *inst, "profile", nullptr);
      const int64_t repeats = info.Length() > 1 ? readInt(info[1], "profile: repeats", 1, 100000) : 1;
      const auto& def = inst->definition();
      auto scratch = std::make_shared<std::vector<std::vector<float>>>();
      for (int64_t id : def.outputs()) scratch->emplace_back(static_cast<size_t>(def.values()[static_cast<size_t>(id)].size));
      auto inputs = std::make_shared<std::vector<const float*>>();
      auto medians = std::make_shared<std::vector<double>>();
      PromiseWorker* worker = makeWorker(
          env, "kiln.program.profile",
          [inst, inputs, scratch, medians, repeats] {
            std::vector<float*> outs;
            for (auto& s : *scratch) outs.push_back(s.data());
            std::vector<std::vector<double>> samples;
            std::vector<double> times;
            for (int64_t r = 0; r < repeats; ++r) {
              inst->run(*inputs, outs, &times);
              samples.push_back(times);
            }
            const size_t ops = inst->definition().opCount();
            medians->assign(ops, 0.0);
            std::vector<double> column(static_cast<size_t>(repeats));
            for (size_t i = 0; i < ops; ++i) {
              for (size_t r = 0; r < samples.size(); ++r) column[r] = samples[r][i];
              std::sort(column.begin(), column.end());
              const size_t n = column.size();
              (*medians)[i] = n % 2 == 1 ? column[n / 2] : 0.5 * (column[n / 2 - 1] + column[n / 2]);
            }
          },
          [medians](Napi::Env e) -> Napi::Value {
            Napi::Array a = Napi::Array::New(e, medians->size());
            for (size_t i = 0; i < medians->size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(e, (*medians)[i]));
            return a;
          });
      *inputs = readInputs(info, *inst, "profile", worker);
      return worker->start();
    });
  }

  Napi::Value Clone(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      std::shared_ptr<ProgramInstance> inst = live("clone");
      return wrap(info.Env(), std::make_shared<ProgramInstance>(inst->shared()));
    });
  }

  Napi::Value Tactics(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      const auto& def = live("tactics")->definition();
      Napi::Array a = Napi::Array::New(info.Env(), def.opCount());
      for (size_t i = 0; i < def.opCount(); ++i) a.Set(static_cast<uint32_t>(i), Napi::String::New(info.Env(), def.kernel(i).tactic()));
      return a;
    });
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    instance_.reset();  // an in-flight run keeps its own reference until it settles
    return info.Env().Undefined();
  }

  std::shared_ptr<ProgramInstance> instance_;
};

}  // namespace

void RegisterProgramHandle(Napi::Env env) {
  auto* ctor = new Napi::FunctionReference(Napi::Persistent(ProgramHandle::define(env)));
  env.SetInstanceData<Napi::FunctionReference>(ctor);
}

Napi::Value CreateProgram(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (info.Length() < 1) failArgument("createProgram", "expects a Program");
    const ProgramLimits limits = readLimits(info.Length() > 1 ? info[1] : info.Env().Undefined());
    ProgramSpec spec = readProgram(info[0], limits);
    auto def = std::make_shared<const ProgramDefinition>(std::move(spec));
    return ProgramHandle::wrap(info.Env(), std::make_shared<ProgramInstance>(def));
  });
}

}  // namespace kiln::cpu
