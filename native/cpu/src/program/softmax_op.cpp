// softmax / log softmax along one axis: max-subtracted, sums in double for accuracy.
#include <cmath>
#include <limits>
#include <vector>

#include "program_op.h"

namespace kiln::cpu::program {
namespace {

class SoftmaxKernel final : public OpKernel {
 public:
  SoftmaxKernel(const OpSpec& op, int64_t outer, int64_t length, int64_t inner)
      : op_(op), outer_(outer), length_(length), inner_(inner) {}
  const char* tactic() const override { return "direct"; }

  void run(const RunContext& ctx) const override {
    const float* x = ctx.ptr(op_.x);
    float* y = ctx.ptr(op_.y);
    parallelFor(outer_ * inner_, length_ * 8, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t o = r / inner_, i = r % inner_;
        const float* in = x + o * length_ * inner_ + i;
        float* out = y + o * length_ * inner_ + i;
        float max = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < length_; ++j) max = std::max(max, in[j * inner_]);
        double sum = 0.0;
        for (int64_t j = 0; j < length_; ++j) sum += std::exp(static_cast<double>(in[j * inner_]) - max);
        if (op_.log) {
          const double logSum = std::log(sum);
          for (int64_t j = 0; j < length_; ++j) out[j * inner_] = static_cast<float>(in[j * inner_] - max - logSum);
        } else {
          for (int64_t j = 0; j < length_; ++j)
            out[j * inner_] = static_cast<float>(std::exp(static_cast<double>(in[j * inner_]) - max) / sum);
        }
      }
    });
  }

 private:
  OpSpec op_;
  int64_t outer_, length_, inner_;
};

}  // namespace

KILN_CPU_KERNEL(softmax) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0, -1, "needs x");
  const auto& xs = ctx.shape(op.x);
  ctx.require(ctx.shape(op.y) == xs, op.y, "must have x's shape");
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (rank == 0) return std::make_unique<SoftmaxKernel>(op, 1, 1, 1);
  const int64_t axis = op.axis < 0 ? op.axis + rank : op.axis;
  ctx.require(axis >= 0 && axis < rank, op.x, "axis " + std::to_string(op.axis) + " is out of range");
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= xs[static_cast<size_t>(d)];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= xs[static_cast<size_t>(d)];
  return std::make_unique<SoftmaxKernel>(op, outer, xs[static_cast<size_t>(axis)], inner);
}

}  // namespace kiln::cpu::program
