#include "program.h"

#include <chrono>
#include <cstring>
#include <utility>

#include "../thread_pool.h"

namespace kiln::cpu::program {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 40;

struct FactoryEntry {
  const char* kind;
  OpFactory make;
};

const FactoryEntry kFactories[] = {
    {"conv2d", makeConv2dKernel},
    {"gemm", makeGemmKernel},
    {"batched_matmul", makeBatchedMatmulKernel},
    {"pool2d", makePool2dKernel},
    {"global_pool", makeGlobalPoolKernel},
    {"binary", makeBinaryKernel},
    {"activation", makeActivationKernel},
    {"unary", makeUnaryKernel},
    {"deconv2d", makeDeconv2dKernel},
    {"channel_affine", makeChannelAffineKernel},
    {"softmax", makeSoftmaxKernel},
    {"concat", makeConcatKernel},
    {"copy", makeCopyKernel},
    {"transpose", makeTransposeKernel},
    {"lrn", makeLrnKernel},
    {"pad", makePadKernel},
    {"slice", makeSliceKernel},
    {"resize2d", makeResizeKernel},
};

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

[[noreturn]] void failProgram(const std::string& message, const std::string& hint) {
  throw Failure("INVALID_ARGUMENT", "NativeProgram: " + message, hint);
}

void validateValues(const ProgramSpec& spec) {
  const int64_t feeds = static_cast<int64_t>(spec.inputs.size());
  for (size_t id = 0; id < spec.values.size(); ++id) {
    const ValueInfo& v = spec.values[id];
    const std::string what = "value " + std::to_string(id) + " '" + v.name + "'";
    int64_t size = 1;
    for (int64_t d : v.shape) {
      if (d < 0) failProgram(what + " has a negative dimension in " + shapeText(v.shape), "shapes must be static and >= 0");
      if (d != 0 && size > kMaxElements / d) failProgram(what + " is too large: " + shapeText(v.shape), "");
      size *= d;
    }
    if (size != v.size) failProgram(what + " has an inconsistent size", "");
    switch (v.kind) {
      case StorageKind::Input:
        if (v.index < 0 || v.index >= feeds) {
          failProgram(what + " reads feed " + std::to_string(v.index) + " but the program has " + std::to_string(feeds) + " inputs",
                      "'input' storage indices must be < program.inputs.length");
        }
        break;
      case StorageKind::Weight:
        if (v.index < 0 || v.index >= static_cast<int64_t>(spec.weights.size())) {
          failProgram(what + " reads weight " + std::to_string(v.index) + " but the program has " +
                          std::to_string(spec.weights.size()) + " weights",
                      "'weight' storage indices must be < program.weights.length");
        }
        if (static_cast<int64_t>(spec.weights[static_cast<size_t>(v.index)].size()) != size) {
          failProgram(what + " " + shapeText(v.shape) + " needs " + std::to_string(size) + " elements but weight " +
                          std::to_string(v.index) + " has " + std::to_string(spec.weights[static_cast<size_t>(v.index)].size()),
                      "the weight array must hold exactly the value's elements");
        }
        break;
      case StorageKind::Arena:
        if (v.offset < 0 || v.offset % 4 != 0 || v.offset + 4 * size > spec.arenaBytes) {
          failProgram(what + " occupies arena bytes [" + std::to_string(v.offset) + ", " + std::to_string(v.offset + 4 * size) +
                          ") outside the arena of " + std::to_string(spec.arenaBytes) + " bytes",
                      "arena offsets must be multiples of 4 and values must fit in arenaBytes");
        }
        break;
    }
  }
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const int64_t id = spec.inputs[i];
    if (id < 0 || id >= static_cast<int64_t>(spec.values.size()) || spec.values[static_cast<size_t>(id)].kind != StorageKind::Input ||
        spec.values[static_cast<size_t>(id)].index != static_cast<int64_t>(i)) {
      failProgram("program.inputs[" + std::to_string(i) + "] = " + std::to_string(id) +
                      " must be a value with storage { kind: 'input', index: " + std::to_string(i) + " }",
                  "");
    }
  }
  for (size_t i = 0; i < spec.outputs.size(); ++i) {
    const int64_t id = spec.outputs[i];
    if (id < 0 || id >= static_cast<int64_t>(spec.values.size())) {
      failProgram("program.outputs[" + std::to_string(i) + "] = " + std::to_string(id) + " is not a value id", "");
    }
  }
}

// Every operand id in range; the op's outputs live in the arena.
void validateOperands(const ProgramSpec& spec, const OpSpec& op, const BuildContext& ctx) {
  std::vector<int64_t> ids = {op.x, op.w, op.b, op.residual, op.y, op.a, op.bias, op.scale, op.shift};
  ids.insert(ids.end(), op.inputs.begin(), op.inputs.end());
  for (int64_t id : ids) {
    if (id < -1 || id >= static_cast<int64_t>(spec.values.size())) {
      ctx.fail("operand id " + std::to_string(id) + " is not a value id (the program has " + std::to_string(spec.values.size()) +
               " values)");
    }
  }
  if (op.y < 0) ctx.fail("needs an output value y");
  if (spec.values[static_cast<size_t>(op.y)].kind != StorageKind::Arena) {
    ctx.fail("writes " + ctx.describe(op.y) + " which is not an arena value", "ops may only write 'arena' values");
  }
}

// floor((size + pads - span) / stride) + 1 with span = dilation * (kernel - 1) + 1, overflow-
// checked; -1 when the window does not fit or the arithmetic leaves int64 (a hostile Program).
int64_t windowOutput(int64_t size, int64_t kernel, int64_t stride, int64_t padBegin, int64_t padEnd, int64_t dilation, bool ceil) {
  int64_t span = 0, padded = 0;
  if (__builtin_mul_overflow(dilation, kernel - 1, &span) || __builtin_add_overflow(span, int64_t{1}, &span)) return -1;
  if (__builtin_add_overflow(size, padBegin, &padded) || __builtin_add_overflow(padded, padEnd, &padded)) return -1;
  if (padded < span || stride < 1) return -1;
  const int64_t room = padded - span;
  return (ceil ? (room + stride - 1) / stride : room / stride) + 1;
}

// Convolution and pooling windows: the declared output dims must follow from the input, the
// window, strides, pads and dilations, or a kernel would index past the input or the output.
void validateWindow(const OpSpec& op, const BuildContext& ctx) {
  const bool conv = op.kind == "conv2d", pool = op.kind == "pool2d";
  if (!conv && !pool) return;
  if (op.x < 0 || op.y < 0 || (conv && op.w < 0)) return;  // the op's factory names what is missing
  const auto& xs = ctx.shape(op.x);
  const auto& ys = ctx.shape(op.y);
  const std::vector<int64_t>& kernel = conv ? ctx.shape(op.w) : op.window;
  const size_t k0 = conv ? 2 : 0;
  if (xs.size() != 4 || ys.size() != 4 || kernel.size() != k0 + 2 || op.strides.size() != 2 || op.pads.size() != 4 ||
      op.dilations.size() != 2) {
    return;
  }
  for (size_t d = 0; d < 2; ++d) {
    if (op.strides[d] < 1 || op.dilations[d] < 1 || kernel[k0 + d] < 1 || op.pads[d] < 0 || op.pads[d + 2] < 0) return;
    const int64_t floor = windowOutput(xs[2 + d], kernel[k0 + d], op.strides[d], op.pads[d], op.pads[d + 2], op.dilations[d], false);
    const int64_t ceil = windowOutput(xs[2 + d], kernel[k0 + d], op.strides[d], op.pads[d], op.pads[d + 2], op.dilations[d], true);
    const int64_t got = ys[2 + d];
    // Pooling in ceil mode may add one window; convolution never does.
    const bool ok = floor >= 0 && got >= floor && got <= (pool ? ceil : floor);
    if (!ok) {
      ctx.fail(std::string(d == 0 ? "OH" : "OW") + " = " + std::to_string(got) + " of " + ctx.describe(op.y) +
                   (floor < 0 ? " cannot be: the dilated window does not fit the padded input"
                              : " does not follow from the window (expected " + std::to_string(floor) + ")"),
               "y's spatial dims must be the window arithmetic's result");
    }
  }
}

}  // namespace

int64_t elementCount(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

void parallelRange(int64_t count, int64_t costPerItem, void (*fn)(void*, int64_t, int64_t), void* state) {
  if (count <= 0) return;
  ThreadPool& pool = ThreadPool::instance();
  constexpr int64_t kMinWork = 32768;  // below this a thread hand-off costs more than it saves
  const int64_t cost = std::max<int64_t>(costPerItem, 1);
  if (pool.concurrency() == 1 || count * cost < 2 * kMinWork || count == 1) {
    fn(state, 0, count);
    return;
  }
  const int64_t chunks = std::min<int64_t>(count, std::max<int64_t>(pool.concurrency(), std::min<int64_t>(count * cost / kMinWork, 4 * pool.concurrency())));
  const int64_t grain = (count + chunks - 1) / chunks;
  pool.parallelFor(count, grain, [&](int64_t b, int64_t e) { fn(state, b, e); });
}

void BuildContext::fail(const std::string& message, const std::string& hint) const {
  throw Failure("INVALID_ARGUMENT", "NativeProgram: op " + std::to_string(op_.index) + " (" + op_.kind + "): " + message,
                hint);
}

void BuildContext::require(bool ok, int64_t valueId, const std::string& message) const {
  if (ok) return;
  fail(valueId >= 0 ? describe(valueId) + ": " + message : message);
}

std::string BuildContext::describe(int64_t id) const {
  const ValueInfo& v = value(id);
  return "value " + std::to_string(id) + " '" + v.name + "' " + shapeText(v.shape);
}

ProgramDefinition::ProgramDefinition(ProgramSpec spec) {
  validateValues(spec);
  values_ = std::move(spec.values);
  weights_ = std::move(spec.weights);
  inputs_ = std::move(spec.inputs);
  outputs_ = std::move(spec.outputs);
  arenaBytes_ = spec.arenaBytes;
  for (const auto& w : weights_) weightPointers_.push_back(w.data());
  ProgramSpec view;  // validateOperands only reads values
  view.values = values_;
  for (const OpSpec& op : spec.ops) {
    BuildContext ctx(values_, weightPointers_, op);
    validateOperands(view, op, ctx);
    validateWindow(op, ctx);
    OpFactory make = nullptr;
    for (const FactoryEntry& f : kFactories)
      if (op.kind == f.kind) make = f.make;
    if (make == nullptr) ctx.fail("unknown op kind", "see PROGRAM_OP_KINDS in @kiln/core program.ts");
    kernels_.push_back(make(ctx));
  }
  releasePackedWeights(spec.ops);
}

// Weights that every reader keeps packed are not needed raw: free them (a ResNet-50 would
// otherwise hold its conv weights twice).
void ProgramDefinition::releasePackedWeights(const std::vector<OpSpec>& ops) {
  std::vector<bool> needed(weights_.size(), false);
  auto markRaw = [&](int64_t id) {
    if (id < 0) return;
    const ValueInfo& v = values_[static_cast<size_t>(id)];
    if (v.kind == StorageKind::Weight) needed[static_cast<size_t>(v.index)] = true;
  };
  for (int64_t id : outputs_) markRaw(id);
  for (size_t i = 0; i < ops.size(); ++i) {
    const OpSpec& op = ops[i];
    std::vector<int64_t> ids = {op.x, op.w, op.b, op.residual, op.y, op.a, op.bias, op.scale, op.shift};
    ids.insert(ids.end(), op.inputs.begin(), op.inputs.end());
    for (int64_t id : ids)
      if (id >= 0 && !kernels_[i]->ownsPackedCopy(id)) markRaw(id);
  }
  for (size_t w = 0; w < weights_.size(); ++w) {
    if (needed[w]) continue;
    std::vector<float>().swap(weights_[w]);
    weightPointers_[w] = nullptr;
  }
}

ProgramInstance::ProgramInstance(std::shared_ptr<const ProgramDefinition> definition) : definition_(std::move(definition)) {
  arena_.reserve(static_cast<size_t>(definition_->arenaBytes() / 4 + 16));
}

void ProgramInstance::run(const std::vector<const float*>& inputs, const std::vector<float*>& outputs,
                          std::vector<double>* opMillis) {
  std::lock_guard<std::mutex> lock(mutex_);
  const ProgramDefinition& def = *definition_;
  RunContext ctx{&def.values(), &def.weightPointers(), &inputs, arena_.reserve(static_cast<size_t>(def.arenaBytes() / 4 + 16))};
  if (opMillis != nullptr) opMillis->assign(def.opCount(), 0.0);
  for (size_t i = 0; i < def.opCount(); ++i) {
    if (opMillis == nullptr) {
      def.kernel(i).run(ctx);
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    def.kernel(i).run(ctx);
    (*opMillis)[i] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  for (size_t i = 0; i < def.outputs().size(); ++i) {
    const int64_t id = def.outputs()[i];
    const ValueInfo& v = def.values()[static_cast<size_t>(id)];
    if (v.size > 0) std::memcpy(outputs[i], ctx.ptr(id), static_cast<size_t>(v.size) * sizeof(float));
  }
}

}  // namespace kiln::cpu::program
