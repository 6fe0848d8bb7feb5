// createProgram(program) → ProgramHandle: the native side of NativeProgram (see @kiln-inference/core
// program.ts for the Program shape). Creation is synchronous (it copies and prepacks weights);
// run/profile are promises that execute on the libuv pool, one at a time per handle.
//   handle.run(inputs: ProgramData[]) → Promise<ProgramData[]> (one typed array per input and
//     output, of the class its dtype needs: program.ts PROGRAM_DTYPE_ARRAYS)
//   handle.profile(inputs, repeats) → Promise<number[]> (median ms per op)
//   handle.clone() → ProgramHandle (shared prepacked weights, own arena)
//   handle.tactics() → string[] (the implementation each op uses)
//   handle.dispose()
// createProgram(program, limits?) reads and validates the Program with the shared native parser
// (kiln/program_reader.h, the same one kiln_cuda.node uses): every id, shape, window and size,
// against limits ({ maxTensorElements, maxTensorBytes, maxModelBytes }, from @kiln-inference/core's
// resource limits), before it copies or allocates anything: a Program may come from a hostile plan.
#include <napi.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "../program/program.h"
#include "addon_lifetime.h"
#include "bindings.h"
#include "kiln/args.h"
#include "kiln/js_errors.h"
#include "kiln/program_reader.h"
#include "kiln/promise_worker.h"
#include "kiln/typed_array_class.h"

namespace kiln::cpu {
namespace {

using program::ProgramDefinition;
using program::ProgramInstance;
using program::ProgramSpec;
using program::ValueInfo;

constexpr int64_t kMaxRepeats = 100000;

// A fresh zeroed typed array for `v` (bool → Uint8Array, int64 → BigInt64Array); *data gets its bytes.
Napi::Value newOutputArray(Napi::Env env, const ValueInfo& v, void** data) {
  const size_t bytes = static_cast<size_t>(v.size * dtypeBytes(v.dtype));
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
  napi_value array = nullptr;
  if (napi_create_typedarray(env, napiArrayType(arrayClassOf(v.dtype)), static_cast<size_t>(v.size), buffer, 0, &array) != napi_ok) {
    throw Failure("RUNTIME_ERROR", "NativeProgram.run: could not create the output array for '" + v.name + "'");
  }
  *data = buffer.Data();
  return Napi::Value(env, array);
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

  // Checks the feeds (each a typed array of its dtype's class and length) and pins them;
  // returns their data pointers.
  static std::vector<const void*> readInputs(const Napi::CallbackInfo& info, const ProgramInstance& inst, const char* fn,
                                             PromiseWorker* worker) {
    const auto& def = inst.definition();
    if (info.Length() < 1 || !info[0].IsArray()) failArgument(std::string("NativeProgram.") + fn, "expects an array of typed-array inputs");
    Napi::Array arr = info[0].As<Napi::Array>();
    if (arr.Length() != def.inputs().size()) {
      failArgument(std::string("NativeProgram.") + fn, "got " + std::to_string(arr.Length()) + " inputs but the program has " +
                                                          std::to_string(def.inputs().size()),
                   "pass one typed array per program input, in program.inputs order");
    }
    std::vector<const void*> ptrs;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      const ValueInfo& v = def.values()[static_cast<size_t>(def.inputs()[i])];
      const ArrayClass want = arrayClassOf(v.dtype);
      const std::string what = "input " + std::to_string(i) + " ('" + v.name + "', " + dtypeName(v.dtype) + ")";
      Napi::Value e = arr.Get(i);
      if (!e.IsTypedArray() || e.As<Napi::TypedArray>().TypedArrayType() != napiArrayType(want)) {
        failArgument(std::string("NativeProgram.") + fn, what + " must be a " + arrayClassName(want),
                     "feed each input as the typed array of its dtype (PROGRAM_DTYPE_ARRAYS in @kiln-inference/core)");
      }
      Napi::TypedArray t = e.As<Napi::TypedArray>();
      if (static_cast<int64_t>(t.ElementLength()) != v.size) {
        failArgument(std::string("NativeProgram.") + fn, what + " has " + std::to_string(t.ElementLength()) + " elements but needs " +
                                                            std::to_string(v.size),
                     "feed a tensor of the shape the program was built for");
      }
      const auto* base = static_cast<const unsigned char*>(t.ArrayBuffer().Data());
      ptrs.push_back(base == nullptr ? nullptr : base + t.ByteOffset());
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
      std::vector<void*> outPtrs;
      for (size_t i = 0; i < def.outputs().size(); ++i) {
        void* data = nullptr;
        outs.Set(static_cast<uint32_t>(i), newOutputArray(env, def.values()[static_cast<size_t>(def.outputs()[i])], &data));
        outPtrs.push_back(data);
      }
      auto inputs = std::make_shared<std::vector<const void*>>();
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
      const int64_t repeats = info.Length() > 1 ? Args(info, "NativeProgram.profile").integer(1, "repeats", 1, kMaxRepeats) : 1;
      const auto& def = inst->definition();
      auto scratch = std::make_shared<std::vector<std::vector<int64_t>>>();  // int64 words: aligned for every dtype
      for (int64_t id : def.outputs()) {
        const ValueInfo& v = def.values()[static_cast<size_t>(id)];
        scratch->emplace_back(static_cast<size_t>((v.size * dtypeBytes(v.dtype) + 7) / 8));
      }
      auto inputs = std::make_shared<std::vector<const void*>>();
      auto medians = std::make_shared<std::vector<double>>();
      PromiseWorker* worker = makeWorker(
          env, "kiln.program.profile",
          [inst, inputs, scratch, medians, repeats] {
            std::vector<void*> outs;
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

namespace {
// The instance data is finalized last in an environment's teardown, after the programs' own
// finalizers freed their buffers: the moment to hand free pages back.
void finalizeProgramClass(Napi::Env, Napi::FunctionReference* ctor) {
  delete ctor;
  returnFreeMemory();
}
}  // namespace

void RegisterProgramHandle(Napi::Env env) {
  auto* ctor = new Napi::FunctionReference(Napi::Persistent(ProgramHandle::define(env)));
  env.SetInstanceData<Napi::FunctionReference, finalizeProgramClass>(ctor);
}

Napi::Value CreateProgram(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (info.Length() < 1) failArgument("createProgram", "expects a Program");
    const ProgramLimits limits = readProgramLimits(info.Length() > 1 ? info[1] : info.Env().Undefined(), "NativeProgram: limits");
    // Read and fully validated once (kiln/program_reader.h); only then are the weights copied.
    ProgramSpec spec = program::specFromDesc(readProgramDesc(info[0], limits, "NativeProgram"));
    auto def = std::make_shared<const ProgramDefinition>(std::move(spec));
    return ProgramHandle::wrap(info.Env(), std::make_shared<ProgramInstance>(def));
  });
}

}  // namespace kiln::cpu
