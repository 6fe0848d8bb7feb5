#include "program_binding.h"

#include "../cuda_check.h"
#include "kiln/args.h"
#include "kiln/js_errors.h"
#include "kiln/promise_worker.h"
#include "kiln/typed_array_class.h"
#include "program_parse.h"

namespace kiln::cuda {
namespace {

const char* precisionName(Precision p) {
  switch (p) {
    case Precision::FP32: return "fp32";
    case Precision::TF32: return "tf32";
    case Precision::FP16: return "fp16";
  }
  return "fp32";
}

ExecutorOptions readOptions(const Args& args, size_t index) {
  ExecutorOptions options;
  if (args.isAbsent(index)) return options;
  Napi::Object o = args.object(index, "options");
  Fields f(o, "options");
  if (f.has("precision")) {
    Napi::Value v = o.Get("precision");
    const std::string p = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
    if (p == "fp32") options.precision = Precision::FP32;
    else if (p == "tf32") options.precision = Precision::TF32;
    else if (p == "fp16") options.precision = Precision::FP16;
    else args.fail("options.precision must be 'fp32', 'tf32' or 'fp16'");
  }
  // FP32 convolutions run fastest channels-first in cuDNN; tensor-core precisions want NHWC.
  options.channelsLast = options.precision != Precision::FP32;
  options.device = static_cast<int>(f.integer("device", 0, 0, 1023));
  if (f.has("useGraph")) options.useGraph = o.Get("useGraph").ToBoolean().Value();
  if (f.has("channelsLast")) options.channelsLast = o.Get("channelsLast").ToBoolean().Value();
  options.workspaceLimit = f.integer("workspaceLimitBytes", options.workspaceLimit, 0, int64_t{1} << 40);
  return options;
}

// The resource limits CudaProgram.create passes in its options (absent: the defaults).
ProgramLimits readLimits(const Args& args, size_t index) {
  ProgramLimits limits;
  if (args.isAbsent(index)) return limits;
  Fields f(args.object(index, "options"), "options");
  constexpr int64_t kMaxLimit = int64_t{1} << 52;
  limits.maxTensorElements = f.integer("maxTensorElements", limits.maxTensorElements, 1, kMaxLimit);
  limits.maxTensorBytes = f.integer("maxTensorBytes", limits.maxTensorBytes, 1, kMaxLimit);
  limits.maxModelBytes = f.integer("maxModelBytes", limits.maxModelBytes, 1, kMaxLimit);
  return limits;
}

// Typed arrays matching the program's inputs or outputs, in order: float values as Float32Array,
// the others as their dtype's array class (program.ts PROGRAM_DTYPE_ARRAYS), of the value's length.
std::vector<BytesView> readTensors(const Args& args, size_t index, const char* name, const ProgramSpec& spec, const std::vector<int>& ids) {
  Napi::Value v = args.info()[index];
  if (!v.IsArray()) args.fail(std::string(name) + " must be an array of typed arrays");
  Napi::Array array = v.As<Napi::Array>();
  if (array.Length() != ids.size()) {
    args.fail(std::string(name) + " has " + std::to_string(array.Length()) + " entries; the program has " + std::to_string(ids.size()));
  }
  std::vector<BytesView> views;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value e = array.Get(i);
    const ValueSpec& value = spec.values[ids[i]];
    const ArrayClass want = arrayClassOf(value.dtype);
    const std::string what = std::string(name) + "[" + std::to_string(i) + "] ('" + value.name + "', " + dtypeName(value.dtype) + ")";
    if (!e.IsTypedArray() || e.As<Napi::TypedArray>().TypedArrayType() != napiArrayType(want)) {
      args.fail(what + " must be a " + arrayClassName(want), "pass each value as the typed array of its dtype (PROGRAM_DTYPE_ARRAYS in @kiln-inference/core)");
    }
    Napi::TypedArray t = e.As<Napi::TypedArray>();
    if (static_cast<int64_t>(t.ElementLength()) != value.elements()) {
      args.fail(what + " has " + std::to_string(t.ElementLength()) + " elements; the program needs " + std::to_string(value.elements()),
                "feed tensors of the shapes the engine was built for");
    }
    auto* base = static_cast<unsigned char*>(t.ArrayBuffer().Data());
    views.push_back(BytesView{base == nullptr ? nullptr : base + t.ByteOffset(), t.ByteLength(), e});
  }
  return views;
}

Napi::Object adoptContext(Napi::Env env, std::shared_ptr<ProgramContext>* context) {
  return addonData(env).program.New({Napi::External<std::shared_ptr<ProgramContext>>::New(env, context)});
}

}  // namespace

Napi::Function CudaProgram::define(Napi::Env env) {
  return DefineClass(env, "CudaProgram",
                     {InstanceMethod<&CudaProgram::run>("run"), InstanceMethod<&CudaProgram::clone>("clone"),
                      InstanceMethod<&CudaProgram::profile>("profile"),
                      InstanceMethod<&CudaProgram::benchmark>("benchmark"), InstanceMethod<&CudaProgram::dispose>("dispose"),
                      InstanceAccessor<&CudaProgram::getInfo>("info"), InstanceAccessor<&CudaProgram::getDisposed>("disposed")});
}

CudaProgram::CudaProgram(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CudaProgram>(info) {
  context_ = takeAdopted<std::shared_ptr<ProgramContext>>(info, "CudaProgram", "createProgram(program, options)");
}

Napi::Value CudaProgram::create(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Args args(info, "createProgram");
    Napi::Object program = args.object(0, "program");
    const ExecutorOptions options = readOptions(args, 1);
    auto spec = std::make_shared<ProgramSpec>(parseProgram(program, readLimits(args, 1)));
    auto created = std::make_shared<std::shared_ptr<ProgramContext>>();
    PromiseWorker* worker = makeWorker(
        info.Env(), "kiln.createProgram",
        [spec, options, created] { *created = createProgram(std::move(*spec), options); },
        [created](Napi::Env env) -> Napi::Value { return adoptContext(env, new std::shared_ptr<ProgramContext>(std::move(*created))); });
    worker->keepAlive(program);  // the weights are read in place on the worker thread
    return worker->start();
  });
}

void CudaProgram::requireIdle(const char* method) const {
  const std::string where = std::string("CudaProgram.") + method;
  if (!context_) failArgument(where, "the program was disposed", "create or clone a new CudaProgram");
  if (busy_) failArgument(where, "another run, profile or clone of this context is still in flight", "await it first, or clone() a context per concurrent run");
}

Napi::Value CudaProgram::run(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Args args(info, "CudaProgram.run");
    requireIdle("run");
    const ProgramSpec& spec = context_->model().spec;
    std::vector<BytesView> in = readTensors(args, 0, "inputs", spec, spec.inputs);
    std::vector<BytesView> out = readTensors(args, 1, "outputs", spec, spec.outputs);
    std::vector<const void*> inPtrs;
    std::vector<void*> outPtrs;
    for (auto& v : in) inPtrs.push_back(v.data);
    for (auto& v : out) outPtrs.push_back(v.data);
    std::shared_ptr<ProgramContext> context = context_;
    PromiseWorker* worker = makeWorker(info.Env(), "kiln.programRun", [context, inPtrs, outPtrs] { context->run(inPtrs, outPtrs); });
    worker->keepAlive(info[0]);
    worker->keepAlive(info[1]);
    worker->keepAlive(Value());
    busy_ = true;
    worker->onSettled([this] { busy_ = false; });
    inFlight_.track(worker);
    return worker->start();
  });
}

Napi::Value CudaProgram::clone(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    requireIdle("clone");
    std::shared_ptr<ProgramContext> context = context_;
    auto created = std::make_shared<std::shared_ptr<ProgramContext>>();
    PromiseWorker* worker = makeWorker(
        info.Env(), "kiln.programClone", [context, created] { *created = cloneProgram(*context); },
        [created](Napi::Env env) -> Napi::Value { return adoptContext(env, new std::shared_ptr<ProgramContext>(std::move(*created))); });
    worker->keepAlive(Value());
    inFlight_.track(worker);
    return worker->start();
  });
}

Napi::Value CudaProgram::profile(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Args args(info, "CudaProgram.profile");
    requireIdle("profile");
    const int iterations = args.isAbsent(0) ? 10 : static_cast<int>(args.integer(0, "iterations", 1, 100000));
    std::shared_ptr<ProgramContext> context = context_;
    auto times = std::make_shared<std::vector<double>>();
    PromiseWorker* worker = makeWorker(
        info.Env(), "kiln.programProfile", [context, iterations, times] { *times = context->profile(iterations); },
        [context, times](Napi::Env env) -> Napi::Value {
          const auto& ops = context->model().ops;
          const auto& specs = context->model().spec.ops;
          Napi::Array rows = Napi::Array::New(env, ops.size());
          for (size_t i = 0; i < ops.size(); ++i) {
            Napi::Object row = Napi::Object::New(env);
            row.Set("op", specs[i].label);
            row.Set("opIndex", specs[i].index);
            row.Set("tactic", ops[i].tactic);
            row.Set("ms", (*times)[i]);
            rows.Set(static_cast<uint32_t>(i), row);
          }
          return rows;
        });
    worker->keepAlive(Value());
    busy_ = true;
    worker->onSettled([this] { busy_ = false; });
    inFlight_.track(worker);
    return worker->start();
  });
}

Napi::Value CudaProgram::benchmark(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Args args(info, "CudaProgram.benchmark");
    requireIdle("benchmark");
    const int iterations = args.isAbsent(0) ? 20 : static_cast<int>(args.integer(0, "iterations", 1, 1000000));
    std::shared_ptr<ProgramContext> context = context_;
    auto times = std::make_shared<std::vector<double>>();
    PromiseWorker* worker = makeWorker(
        info.Env(), "kiln.programBenchmark", [context, iterations, times] { *times = context->benchmark(iterations); },
        [times](Napi::Env env) -> Napi::Value {
          Napi::Array out = Napi::Array::New(env, times->size());
          for (size_t i = 0; i < times->size(); ++i) out.Set(static_cast<uint32_t>(i), (*times)[i]);
          return out;
        });
    worker->keepAlive(Value());
    busy_ = true;
    worker->onSettled([this] { busy_ = false; });
    inFlight_.track(worker);
    return worker->start();
  });
}

Napi::Value CudaProgram::dispose(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (!context_) {
      auto done = Napi::Promise::Deferred::New(info.Env());
      done.Resolve(info.Env().Undefined());
      return done.Promise();
    }
    if (inFlight_.count() > 0) {
      failArgument("CudaProgram.dispose", std::to_string(inFlight_.count()) + " operation(s) on this context are still in flight",
                   "await them before disposing");
    }
    auto released = std::make_shared<std::shared_ptr<ProgramContext>>(std::move(context_));
    PromiseWorker* worker = makeWorker(info.Env(), "kiln.programDispose", [released] { released->reset(); });
    return worker->start();
  });
}

namespace {

// Per executed op: which Program ops it runs, the tactic chosen, and every candidate timed.
Napi::Array opTactics(Napi::Env env, const ProgramModel& model) {
  Napi::Array rows = Napi::Array::New(env, model.ops.size());
  for (size_t i = 0; i < model.ops.size(); ++i) {
    const OpSpec& spec = model.spec.ops[i];
    const CompiledOp& op = model.ops[i];
    Napi::Object row = Napi::Object::New(env);
    row.Set("label", spec.label);
    row.Set("opIndex", spec.index);
    Napi::Array fused = Napi::Array::New(env, spec.fused.size());
    for (size_t k = 0; k < spec.fused.size(); ++k) fused.Set(static_cast<uint32_t>(k), spec.fused[k]);
    row.Set("fusedOps", fused);
    row.Set("tactic", op.tactic);
    row.Set("workspaceBytes", static_cast<double>(op.workspaceBytes));
    Napi::Array trials = Napi::Array::New(env, op.trials.size());
    for (size_t k = 0; k < op.trials.size(); ++k) {
      Napi::Object t = Napi::Object::New(env);
      t.Set("tactic", op.trials[k].tactic);
      t.Set("ms", op.trials[k].ms);
      t.Set("workspaceBytes", static_cast<double>(op.trials[k].workspaceBytes));
      trials.Set(static_cast<uint32_t>(k), t);
    }
    row.Set("trials", trials);
    rows.Set(static_cast<uint32_t>(i), row);
  }
  return rows;
}

}  // namespace

Napi::Value CudaProgram::getInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  if (!context_) return out;
  const ProgramModel& model = context_->model();
  out.Set("precision", precisionName(model.options.precision));
  out.Set("device", model.options.device);
  Napi::Array tactics = Napi::Array::New(env, model.ops.size());
  for (size_t i = 0; i < model.ops.size(); ++i) tactics.Set(static_cast<uint32_t>(i), model.ops[i].tactic);
  out.Set("tactics", tactics);
  out.Set("ops", opTactics(env, model));
  out.Set("graph", context_->graphReady());
  if (!context_->graphFailure().empty()) out.Set("graphFailure", context_->graphFailure());
  out.Set("contextBytes", static_cast<double>(context_->deviceBytes()));
  out.Set("workspaceBytes", static_cast<double>(context_->workspaceBytes()));
  int64_t weightBytes = 0;
  for (const auto& w : model.weights)
    if (w) weightBytes += w->bytes();
  out.Set("sharedWeightBytes", static_cast<double>(weightBytes));
  return out;
}

Napi::Value CudaProgram::getDisposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !context_); }

}  // namespace kiln::cuda
