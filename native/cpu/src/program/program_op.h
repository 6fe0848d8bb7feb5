// The pieces every op family of the program executor shares: where a value lives, the parsed
// description of one op (OpSpec, filled from the JS Program by the binding), the context an op
// runs in, and the build context that op factories validate against and prepack from.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../activation.h"
#include "kiln/failure.h"
#include "kiln/program_desc.h"

namespace kiln::cpu::program {

enum class StorageKind { Input, Weight, Arena };

struct ValueInfo {
  std::string name;
  DType dtype = DType::Float32;
  std::vector<int64_t> shape;
  int64_t size = 1;  // element count
  StorageKind kind = StorageKind::Arena;
  int64_t index = 0;   // feed or weight index
  int64_t offset = 0;  // arena byte offset
};

// One op as the checked ProgramDesc (kiln/program_desc.h) describes it, with what the kernels
// take in their own form: the kind's name and the parsed fused activation.
struct OpSpec : OpDesc {
  std::string kindName;
  Activation epilogue;
};

// Resolves value ids to memory during one run: a value's first byte, or its elements typed.
struct RunContext {
  const std::vector<ValueInfo>* values;
  const std::vector<const void*>* weights;
  const std::vector<const void*>* inputs;
  unsigned char* arena;

  // Ops write only arena values (validated at create); inputs and weights are only read. Arena
  // offsets are multiples of the dtype's size (validated), so every typed view is aligned.
  unsigned char* bytes(int64_t id) const {
    const ValueInfo& v = (*values)[static_cast<size_t>(id)];
    switch (v.kind) {
      case StorageKind::Input: return static_cast<unsigned char*>(const_cast<void*>((*inputs)[static_cast<size_t>(v.index)]));
      case StorageKind::Weight: return static_cast<unsigned char*>(const_cast<void*>((*weights)[static_cast<size_t>(v.index)]));
      case StorageKind::Arena: break;
    }
    return arena + v.offset;
  }
  template <typename T>
  T* data(int64_t id) const {
    return reinterpret_cast<T*>(bytes(id));
  }
  // A float32 value's elements (what the float kernels take).
  float* ptr(int64_t id) const { return data<float>(id); }
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  virtual void run(const RunContext& ctx) const = 0;
  // The implementation in use (a tactic name).
  virtual const char* tactic() const = 0;
  // True when the kernel never reads this operand's raw data at run time because it keeps its
  // own packed copy (so the program may drop the raw weight).
  virtual bool ownsPackedCopy(int64_t /*valueId*/) const { return false; }
};

// What op factories see at create time: every value, the copied weights (for prepacking), and
// errors that name the op.
class BuildContext {
 public:
  BuildContext(const std::vector<ValueInfo>& values, const std::vector<const void*>& weights, const OpSpec& op)
      : values_(values), weights_(weights), op_(op) {}

  const OpSpec& op() const { return op_; }
  const ValueInfo& value(int64_t id) const { return values_[static_cast<size_t>(id)]; }
  const std::vector<int64_t>& shape(int64_t id) const { return value(id).shape; }
  DType dtype(int64_t id) const { return value(id).dtype; }
  // A float32 weight's data when the value is a weight (prepackable), else null.
  const float* weightData(int64_t id) const {
    const ValueInfo& v = value(id);
    return v.kind == StorageKind::Weight ? static_cast<const float*>(weights_[static_cast<size_t>(v.index)]) : nullptr;
  }

  [[noreturn]] void fail(const std::string& message, const std::string& hint = {}) const;
  // fail() unless `ok`; `valueId` (when ≥ 0) is named in the message.
  void require(bool ok, int64_t valueId, const std::string& message) const;
  std::string describe(int64_t id) const;  // "'name' [2, 3]"

 private:
  const std::vector<ValueInfo>& values_;
  const std::vector<const void*>& weights_;
  const OpSpec& op_;
};

using OpFactory = std::unique_ptr<OpKernel> (*)(const BuildContext& ctx);

// Each op kind's kernel factory, defined with KILN_CPU_KERNEL(kind) in its family's file; the
// executor's factory table is built from the generated op list, so a kind without one fails to link.
#define KILN_CPU_KERNEL_NAME(name) makeKernel_##name
#define KILN_CPU_KERNEL(name) std::unique_ptr<OpKernel> KILN_CPU_KERNEL_NAME(name)(const BuildContext& ctx)
#define KILN_DECLARE_CPU_KERNEL(Enum, name) KILN_CPU_KERNEL(name);
KILN_PROGRAM_OPS(KILN_DECLARE_CPU_KERNEL)
#undef KILN_DECLARE_CPU_KERNEL

// Shared helpers.
int64_t elementCount(const std::vector<int64_t>& shape);
// Product of dims [begin, end) (1 when empty): the outer/inner sizes around an axis.
int64_t dimsProduct(const std::vector<int64_t>& shape, size_t begin, size_t end);
// Runs fn(begin, end) over [0, count) on the pool when the work is large enough to pay for it.
void parallelRange(int64_t count, int64_t costPerItem, void (*fn)(void*, int64_t, int64_t), void* state);

template <typename Fn>
void parallelFor(int64_t count, int64_t costPerItem, Fn&& fn) {
  parallelRange(
      count, costPerItem,
      [](void* s, int64_t b, int64_t e) { (*static_cast<std::remove_reference_t<Fn>*>(s))(b, e); },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

}  // namespace kiln::cpu::program
