#include "program.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <utility>

#include "../thread_pool.h"
#include "kiln/program_op_table.h"

namespace kiln::cpu::program {
namespace {

// Each kind's factory, indexed by OpKind.
const OpFactory kFactories[] = {
#define KILN_CPU_FACTORY_ENTRY(Enum, name) KILN_CPU_KERNEL_NAME(name),
    KILN_PROGRAM_OPS(KILN_CPU_FACTORY_ENTRY)
#undef KILN_CPU_FACTORY_ENTRY
};

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Activation activationOf(const OpDesc& op) {
  if (!op.hasActivation) return Activation{};
  const std::string where = "NativeProgram: op " + std::to_string(op.index) + " (" + opKindName(op.kind) + ").activation";
  return parseActivation(op.activation.type, op.activation.alpha, op.activation.beta, where);
}

}  // namespace

int64_t elementCount(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int64_t dimsProduct(const std::vector<int64_t>& shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end && i < shape.size(); ++i) n *= shape[i];
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
  const std::string layer = op_.label.empty() ? "" : ", layer '" + op_.label + "'";
  throw Failure("INVALID_ARGUMENT", "NativeProgram: op " + std::to_string(op_.index) + " (" + op_.kindName + layer + "): " + message, hint,
                FailureLayer{op_.label.empty() ? "op " + std::to_string(op_.index) : op_.label, op_.kindName, op_.index});
}

void BuildContext::require(bool ok, int64_t valueId, const std::string& message) const {
  if (ok) return;
  fail(valueId >= 0 ? describe(valueId) + ": " + message : message);
}

std::string BuildContext::describe(int64_t id) const {
  const ValueInfo& v = value(id);
  return "value " + std::to_string(id) + " '" + v.name + "' " + shapeText(v.shape);
}

ProgramSpec specFromDesc(const ProgramDesc& desc) {
  ProgramSpec spec;
  spec.values.reserve(desc.values.size());
  for (const ValueDesc& v : desc.values) {
    ValueInfo info;
    info.name = v.name;
    info.dtype = v.dtype;
    info.shape = v.shape;
    info.size = v.elements;
    info.kind = v.storage == ValueStorage::Input    ? StorageKind::Input
                : v.storage == ValueStorage::Weight ? StorageKind::Weight
                                                    : StorageKind::Arena;
    info.index = v.index;
    info.offset = v.byteOffset;
    spec.values.push_back(std::move(info));
  }
  for (const OpDesc& d : desc.ops) {
    OpSpec op;
    static_cast<OpDesc&>(op) = d;
    op.kindName = opKindName(d.kind);
    op.epilogue = activationOf(d);
    spec.ops.push_back(std::move(op));
  }
  spec.inputs = desc.inputs;
  spec.outputs = desc.outputs;
  spec.arenaBytes = desc.arenaBytes;
  // Last, after every check: a copy the kernels may prepack (the caller's arrays are never read again).
  spec.weights.reserve(desc.weights.size());
  for (const WeightDesc& w : desc.weights) {
    const auto* data = static_cast<const unsigned char*>(w.data);
    spec.weights.emplace_back(data, data + (w.elements > 0 ? w.elements * arrayClassBytes(w.array) : 0));
  }
  return spec;
}

ProgramDefinition::ProgramDefinition(ProgramSpec spec) {
  values_ = std::move(spec.values);
  weights_ = std::move(spec.weights);
  inputs_ = std::move(spec.inputs);
  outputs_ = std::move(spec.outputs);
  arenaBytes_ = spec.arenaBytes;
  for (const auto& w : weights_) weightPointers_.push_back(w.data());
  for (const OpSpec& op : spec.ops) {
    BuildContext ctx(values_, weightPointers_, op);
    kernels_.push_back(kFactories[static_cast<int>(op.kind)](ctx));
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
    std::vector<int64_t> ids;
    for (const OperandRef& o : operandsOf(op)) ids.push_back(o.id);
    // A packed copy stands in for one operand slot only: the same weight read in another slot
    // (a conv whose x and w are one value) still needs its raw data.
    std::vector<int64_t> packedSlotsSeen;
    for (int64_t id : ids) {
      if (id < 0) continue;
      const bool firstOfId = std::find(packedSlotsSeen.begin(), packedSlotsSeen.end(), id) == packedSlotsSeen.end();
      if (firstOfId && kernels_[i]->ownsPackedCopy(id)) {
        packedSlotsSeen.push_back(id);
        continue;
      }
      markRaw(id);
    }
  }
  for (size_t w = 0; w < weights_.size(); ++w) {
    if (needed[w]) continue;
    std::vector<unsigned char>().swap(weights_[w]);
    weightPointers_[w] = nullptr;
  }
}

ProgramInstance::ProgramInstance(std::shared_ptr<const ProgramDefinition> definition) : definition_(std::move(definition)) {
  arena_.reserve(static_cast<size_t>(definition_->arenaBytes() / 4 + 16));
}

void ProgramInstance::run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs,
                          std::vector<double>* opMillis) {
  std::lock_guard<std::mutex> lock(mutex_);
  const ProgramDefinition& def = *definition_;
  float* arena = arena_.reserve(static_cast<size_t>(def.arenaBytes() / 4 + 16));
  RunContext ctx{&def.values(), &def.weightPointers(), &inputs, reinterpret_cast<unsigned char*>(arena)};
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
    if (v.size > 0) std::memcpy(outputs[i], ctx.bytes(id), static_cast<size_t>(v.size * dtypeBytes(v.dtype)));
  }
}

}  // namespace kiln::cpu::program
