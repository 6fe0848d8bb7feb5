// activation: y = act(x), element by element; may run in place (y over x).
#include <algorithm>

#include "activation_span.h"
#include "program_op.h"

namespace kiln::cpu::program {
namespace {

class ActivationKernel final : public OpKernel {
 public:
  ActivationKernel(const OpSpec& op, int64_t size) : op_(op), size_(size) {}
  const char* tactic() const override { return "direct"; }
  void run(const RunContext& ctx) const override {
    const float* x = ctx.ptr(op_.x);
    float* y = ctx.ptr(op_.y);
    parallelFor(size_, 4, [&](int64_t begin, int64_t end) {
      if (x != y) std::copy(x + begin, x + end, y + begin);
      activateSpan(op_.epilogue, y + begin, end - begin);
    });
  }

 private:
  OpSpec op_;
  int64_t size_;
};

}  // namespace

KILN_CPU_KERNEL(activation) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0, -1, "needs x");
  ctx.require(ctx.value(op.x).size == ctx.value(op.y).size, op.y, "must have x's element count");
  return std::make_unique<ActivationKernel>(op, ctx.value(op.y).size);
}

}  // namespace kiln::cpu::program
