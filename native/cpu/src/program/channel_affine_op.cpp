// channel_affine: y = act(x·scale[c] + shift[c]) with c the index along channelAxis (folded
// BatchNorm, DenseNet's pre-activation). May run in place (y over x).
#include "activation_span.h"
#include "program_op.h"

namespace kiln::cpu::program {
namespace {

class ChannelAffineKernel final : public OpKernel {
 public:
  ChannelAffineKernel(const OpSpec& op, int64_t outer, int64_t channels, int64_t inner)
      : op_(op), outer_(outer), channels_(channels), inner_(inner) {}
  const char* tactic() const override { return "direct"; }
  void run(const RunContext& ctx) const override {
    const float* x = ctx.ptr(op_.x);
    float* y = ctx.ptr(op_.y);
    const float* scale = op_.scale >= 0 ? ctx.ptr(op_.scale) : nullptr;
    const float* shift = op_.shift >= 0 ? ctx.ptr(op_.shift) : nullptr;
    parallelFor(outer_ * channels_, inner_, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t c = r % channels_;
        const float s = scale != nullptr ? scale[c] : 1.0f, t = shift != nullptr ? shift[c] : 0.0f;
        const float* in = x + r * inner_;
        float* out = y + r * inner_;
        for (int64_t i = 0; i < inner_; ++i) out[i] = in[i] * s + t;
        activateSpan(op_.epilogue, out, inner_);
      }
    });
  }

 private:
  OpSpec op_;
  int64_t outer_, channels_, inner_;
};

}  // namespace

KILN_CPU_KERNEL(channel_affine) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0, -1, "needs x");
  const auto& xs = ctx.shape(op.x);
  ctx.require(ctx.shape(op.y) == xs, op.y, "must have x's shape");
  ctx.require(op.channelAxis >= 0 && op.channelAxis < static_cast<int64_t>(xs.size()), op.x,
              "channelAxis " + std::to_string(op.channelAxis) + " is not an axis of x");
  const int64_t channels = xs[static_cast<size_t>(op.channelAxis)];
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < op.channelAxis; ++d) outer *= xs[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(op.channelAxis) + 1; d < xs.size(); ++d) inner *= xs[d];
  if (op.scale >= 0) ctx.require(ctx.value(op.scale).size == channels, op.scale, "must have one value per channel");
  if (op.shift >= 0) ctx.require(ctx.value(op.shift).size == channels, op.shift, "must have one value per channel");
  return std::make_unique<ChannelAffineKernel>(op, outer, channels, inner);
}

}  // namespace kiln::cpu::program
