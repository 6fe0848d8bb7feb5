// where: y = condition ? a : b, the three broadcast together (ONNX Where), for every dtype: the
// elements are only chosen, so they move as bits of their size. A condition byte counts as true
// when it is non-zero.
#include "broadcast.h"
#include "element_types.h"
#include "program_op.h"

namespace kiln::cpu::program {
namespace {

template <typename Bits>
void whereRun(const uint8_t* c, int64_t sc, const void* av, int64_t sa, const void* bv, int64_t sb, void* yv, int64_t n) {
  const Bits* a = static_cast<const Bits*>(av);
  const Bits* b = static_cast<const Bits*>(bv);
  Bits* y = static_cast<Bits*>(yv);
  for (int64_t i = 0; i < n; ++i) y[i] = c[i * sc] != 0 ? a[i * sa] : b[i * sb];
}

using RunFn = void (*)(const uint8_t*, int64_t, const void*, int64_t, const void*, int64_t, void*, int64_t);

class WhereKernel final : public OpKernel {
 public:
  WhereKernel(const OpSpec& op, RunFn fn, int64_t elementBytes, BroadcastPlan<3> plan)
      : op_(op), fn_(fn), elementBytes_(elementBytes), plan_(std::move(plan)) {}
  const char* tactic() const override { return "direct"; }

  void run(const RunContext& ctx) const override {
    const uint8_t* c = ctx.data<uint8_t>(op_.condition);
    const unsigned char* a = ctx.bytes(op_.a);
    const unsigned char* b = ctx.bytes(op_.b);
    unsigned char* y = ctx.bytes(op_.y);
    const int64_t e = elementBytes_;
    const auto& s = plan_.strides;
    forEachBroadcastRow(plan_, [&](int64_t r, const std::array<int64_t, 3>& at, int64_t inner) {
      fn_(c + at[0], s[0].back(), a + at[1] * e, s[1].back(), b + at[2] * e, s[2].back(), y + r * inner * e, inner);
    });
  }

 private:
  OpSpec op_;
  RunFn fn_;
  int64_t elementBytes_;
  BroadcastPlan<3> plan_;
};

}  // namespace

KILN_CPU_KERNEL(where) {
  const OpSpec& op = ctx.op();
  const DType dtype = ctx.dtype(op.a);
  RunFn fn = withElementBits(dtype, [](auto bits) -> RunFn { return whereRun<decltype(bits)>; });
  auto plan = planBroadcast<3>(ctx.shape(op.y), {&ctx.shape(op.condition), &ctx.shape(op.a), &ctx.shape(op.b)});
  return std::make_unique<WhereKernel>(op, fn, dtypeBytes(dtype), std::move(plan));
}

}  // namespace kiln::cpu::program
