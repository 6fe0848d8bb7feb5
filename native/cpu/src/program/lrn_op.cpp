// Across-channel LRN (ONNX): y = x / (bias + alpha/size · Σ x²)^beta, the sum over channels
// c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉ clipped to the tensor.
#include <algorithm>
#include <cmath>
#include <vector>

#include "program_op.h"

namespace kiln::cpu::program {
namespace {

class LrnKernel final : public OpKernel {
 public:
  LrnKernel(const OpSpec& op, int64_t batch, int64_t channels, int64_t plane)
      : op_(op), batch_(batch), channels_(channels), plane_(plane) {}
  const char* tactic() const override { return "direct"; }

  void run(const RunContext& ctx) const override {
    const float* x = ctx.ptr(op_.x);
    float* y = ctx.ptr(op_.y);
    const int64_t before = (op_.size - 1) / 2, after = op_.size / 2;
    const double scale = op_.alpha / static_cast<double>(op_.size);
    parallelFor(batch_ * channels_, plane_ * op_.size, [&](int64_t begin, int64_t end) {
      std::vector<double> sq(static_cast<size_t>(plane_));
      for (int64_t r = begin; r < end; ++r) {
        const int64_t n = r / channels_, c = r % channels_;
        const int64_t lo = std::max<int64_t>(0, c - before), hi = std::min<int64_t>(channels_ - 1, c + after);
        std::fill(sq.begin(), sq.end(), 0.0);
        for (int64_t k = lo; k <= hi; ++k) {
          const float* in = x + (n * channels_ + k) * plane_;
          for (int64_t i = 0; i < plane_; ++i) sq[static_cast<size_t>(i)] += static_cast<double>(in[i]) * in[i];
        }
        const float* in = x + r * plane_;
        float* out = y + r * plane_;
        for (int64_t i = 0; i < plane_; ++i)
          out[i] = static_cast<float>(in[i] / std::pow(op_.lrnBias + scale * sq[static_cast<size_t>(i)], op_.beta));
      }
    });
  }

 private:
  OpSpec op_;
  int64_t batch_, channels_, plane_;
};

}  // namespace

KILN_CPU_KERNEL(lrn) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0, -1, "needs x");
  const auto& xs = ctx.shape(op.x);
  ctx.require(xs.size() >= 2, op.x, "needs a channel axis (rank >= 2)");
  ctx.require(ctx.shape(op.y) == xs, op.y, "must have x's shape");
  ctx.require(op.size >= 1, -1, "size must be >= 1");
  const int64_t bc = xs[0] * xs[1];
  ctx.require(op.x != op.y, op.y, "LRN cannot run in place");
  return std::make_unique<LrnKernel>(op, xs[0], xs[1], bc > 0 ? ctx.value(op.x).size / bc : 0);
}

}  // namespace kiln::cpu::program
