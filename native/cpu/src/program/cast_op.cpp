// cast: y = x converted to y's dtype, element by element (element_cast.h states the rules).
#include "element_cast.h"
#include "program_op.h"

namespace kiln::cpu::program {
namespace {

template <DType To, DType From>
void castSpan(const void* xv, void* yv, int64_t begin, int64_t end) {
  const ElementOf<From>* x = static_cast<const ElementOf<From>*>(xv);
  ElementOf<To>* y = static_cast<ElementOf<To>*>(yv);
  for (int64_t i = begin; i < end; ++i) y[i] = castElement<To, From>(x[i]);
}

using CastFn = void (*)(const void*, void*, int64_t, int64_t);

class CastKernel final : public OpKernel {
 public:
  CastKernel(const OpSpec& op, CastFn fn, int64_t size) : op_(op), fn_(fn), size_(size) {}
  const char* tactic() const override { return "direct"; }
  void run(const RunContext& ctx) const override {
    const void* x = ctx.bytes(op_.x);
    void* y = ctx.bytes(op_.y);
    parallelFor(size_, 2, [&](int64_t begin, int64_t end) { fn_(x, y, begin, end); });
  }

 private:
  OpSpec op_;
  CastFn fn_;
  int64_t size_;
};

}  // namespace

KILN_CPU_KERNEL(cast) {
  const OpSpec& op = ctx.op();
  CastFn fn = withDType(ctx.dtype(op.y), [&](auto to) {
    return withDType(ctx.dtype(op.x), [](auto from) -> CastFn { return castSpan<decltype(to)::value, decltype(from)::value>; });
  });
  return std::make_unique<CastKernel>(op, fn, ctx.value(op.y).size);
}

}  // namespace kiln::cpu::program
