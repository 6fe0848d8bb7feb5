// compare: y (bool, one byte 0/1) = a ∘ b with numpy broadcasting, on every numeric dtype. NaN
// compares unequal and unordered, as in IEEE (and the reference interpreter).
#include "broadcast.h"
#include "element_types.h"
#include "program_op.h"

namespace kiln::cpu::program {
namespace {

enum class CompareKind { Equal, Less, LessEqual, Greater, GreaterEqual };

template <CompareKind K, typename T>
inline uint8_t holds(T a, T b) {
  if constexpr (K == CompareKind::Equal) return a == b;
  if constexpr (K == CompareKind::Less) return a < b;
  if constexpr (K == CompareKind::LessEqual) return a <= b;
  if constexpr (K == CompareKind::Greater) return a > b;
  return a >= b;
}

template <CompareKind K, typename T>
void compareRun(const void* av, int64_t sa, const void* bv, int64_t sb, uint8_t* y, int64_t n) {
  const T* a = static_cast<const T*>(av);
  const T* b = static_cast<const T*>(bv);
  for (int64_t i = 0; i < n; ++i) y[i] = holds<K, T>(a[i * sa], b[i * sb]);
}

using RunFn = void (*)(const void*, int64_t, const void*, int64_t, uint8_t*, int64_t);

template <typename T>
RunFn runFor(CompareKind k) {
  switch (k) {
    case CompareKind::Equal: return compareRun<CompareKind::Equal, T>;
    case CompareKind::Less: return compareRun<CompareKind::Less, T>;
    case CompareKind::LessEqual: return compareRun<CompareKind::LessEqual, T>;
    case CompareKind::Greater: return compareRun<CompareKind::Greater, T>;
    case CompareKind::GreaterEqual: break;
  }
  return compareRun<CompareKind::GreaterEqual, T>;
}

class CompareKernel final : public OpKernel {
 public:
  CompareKernel(const OpSpec& op, RunFn fn, int64_t elementBytes, BroadcastPlan<2> plan)
      : op_(op), fn_(fn), elementBytes_(elementBytes), plan_(std::move(plan)) {}
  const char* tactic() const override { return "direct"; }

  void run(const RunContext& ctx) const override {
    const unsigned char* a = ctx.bytes(op_.a);
    const unsigned char* b = ctx.bytes(op_.b);
    uint8_t* y = ctx.data<uint8_t>(op_.y);
    const int64_t e = elementBytes_;
    forEachBroadcastRow(plan_, [&](int64_t r, const std::array<int64_t, 2>& at, int64_t inner) {
      fn_(a + at[0] * e, plan_.strides[0].back(), b + at[1] * e, plan_.strides[1].back(), y + r * inner, inner);
    });
  }

 private:
  OpSpec op_;
  RunFn fn_;
  int64_t elementBytes_;
  BroadcastPlan<2> plan_;
};

const std::pair<const char*, CompareKind> kCompareKinds[] = {
    {"equal", CompareKind::Equal},     {"less", CompareKind::Less},
    {"less_equal", CompareKind::LessEqual}, {"greater", CompareKind::Greater},
    {"greater_equal", CompareKind::GreaterEqual},
};

}  // namespace

KILN_CPU_KERNEL(compare) {
  const OpSpec& op = ctx.op();
  bool found = false;
  CompareKind kind = CompareKind::Equal;
  for (const auto& [name, k] : kCompareKinds)
    if (op.type == name) kind = k, found = true;
  if (!found) ctx.fail("unknown compare type '" + op.type + "'", "see PROGRAM_COMPARE_OPS in @kiln-inference/core");
  const DType dtype = ctx.dtype(op.a);
  ctx.require(dtype != DType::Bool, op.a, "compare takes numeric operands, not bool");
  RunFn fn = withDType(dtype, [&](auto tag) { return runFor<ElementOf<decltype(tag)::value>>(kind); });
  auto plan = planBroadcast<2>(ctx.shape(op.y), {&ctx.shape(op.a), &ctx.shape(op.b)});
  return std::make_unique<CompareKernel>(op, fn, dtypeBytes(dtype), std::move(plan));
}

}  // namespace kiln::cpu::program
