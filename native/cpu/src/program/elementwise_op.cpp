// binary (numpy-broadcast add/sub/mul/div/max/min/pow with a fused activation), activation and
// channel_affine. All three may run in place (y over x / a / b): each output element is
// computed from inputs at the same position before it is stored.
#include <algorithm>
#include <cmath>
#include <limits>

#include "program_op.h"

namespace kiln::cpu::program {
namespace {

enum class BinaryKind { Add, Sub, Mul, Div, Max, Min, Pow };

// Applies an activation to a span; the common ones get a loop the compiler vectorizes.
void activateSpan(const Activation& act, float* v, int64_t n) {
  switch (act.kind) {
    case ActivationKind::None: return;
    case ActivationKind::Relu:
      for (int64_t i = 0; i < n; ++i) v[i] = v[i] > 0.0f ? v[i] : 0.0f;
      return;
    case ActivationKind::Clip:
      for (int64_t i = 0; i < n; ++i) v[i] = std::min(std::max(v[i], act.alpha), act.beta);
      return;
    default:
      for (int64_t i = 0; i < n; ++i) v[i] = applyActivation(act, v[i]);
  }
}

template <BinaryKind K>
inline float combine(float a, float b) {
  if constexpr (K == BinaryKind::Add) return a + b;
  if constexpr (K == BinaryKind::Sub) return a - b;
  if constexpr (K == BinaryKind::Mul) return a * b;
  if constexpr (K == BinaryKind::Div) return a / b;
  if constexpr (K == BinaryKind::Max) return (std::isnan(a) || std::isnan(b)) ? std::numeric_limits<float>::quiet_NaN() : std::max(a, b);
  if constexpr (K == BinaryKind::Min) return (std::isnan(a) || std::isnan(b)) ? std::numeric_limits<float>::quiet_NaN() : std::min(a, b);
  if constexpr (K == BinaryKind::Pow) return std::pow(a, b);
  return 0.0f;
}

// y[i] = a[i·sa] ∘ b[i·sb] over one innermost run (strides 0 or the run's stride).
template <BinaryKind K>
void combineRun(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) y[i] = combine<K>(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float bv = *b;
    for (int64_t i = 0; i < n; ++i) y[i] = combine<K>(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const float av = *a;
    for (int64_t i = 0; i < n; ++i) y[i] = combine<K>(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = combine<K>(a[i * sa], b[i * sb]);
  }
}

using RunFn = void (*)(const float*, int64_t, const float*, int64_t, float*, int64_t);

RunFn runFor(BinaryKind k) {
  switch (k) {
    case BinaryKind::Add: return combineRun<BinaryKind::Add>;
    case BinaryKind::Sub: return combineRun<BinaryKind::Sub>;
    case BinaryKind::Mul: return combineRun<BinaryKind::Mul>;
    case BinaryKind::Div: return combineRun<BinaryKind::Div>;
    case BinaryKind::Max: return combineRun<BinaryKind::Max>;
    case BinaryKind::Min: return combineRun<BinaryKind::Min>;
    case BinaryKind::Pow: return combineRun<BinaryKind::Pow>;
  }
  return combineRun<BinaryKind::Add>;
}

class BinaryKernel final : public OpKernel {
 public:
  // dims/aStrides/bStrides: y's shape after merging dims that broadcast alike, outermost first.
  BinaryKernel(const OpSpec& op, BinaryKind kind, std::vector<int64_t> dims, std::vector<int64_t> as,
               std::vector<int64_t> bs)
      : op_(op), fn_(runFor(kind)), dims_(std::move(dims)), as_(std::move(as)), bs_(std::move(bs)) {}
  const char* tactic() const override { return "direct"; }

  void run(const RunContext& ctx) const override {
    const float* a = ctx.ptr(op_.a);
    const float* b = ctx.ptr(op_.b);
    float* y = ctx.ptr(op_.y);
    const size_t rank = dims_.size();
    const int64_t inner = dims_.back();
    int64_t rows = 1;
    for (size_t d = 0; d + 1 < rank; ++d) rows *= dims_[d];
    if (rows == 0 || inner == 0) return;
    parallelFor(rows, inner, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        int64_t rest = r, ao = 0, bo = 0;
        for (size_t d = rank - 1; d-- > 0;) {
          const int64_t i = rest % dims_[d];
          rest /= dims_[d];
          ao += i * as_[d];
          bo += i * bs_[d];
        }
        float* out = y + r * inner;
        fn_(a + ao, as_.back(), b + bo, bs_.back(), out, inner);
        activateSpan(op_.activation, out, inner);
      }
    });
  }

 private:
  OpSpec op_;
  RunFn fn_;
  std::vector<int64_t> dims_, as_, bs_;
};

class ActivationKernel final : public OpKernel {
 public:
  ActivationKernel(const OpSpec& op, int64_t size) : op_(op), size_(size) {}
  const char* tactic() const override { return "direct"; }
  void run(const RunContext& ctx) const override {
    const float* x = ctx.ptr(op_.x);
    float* y = ctx.ptr(op_.y);
    parallelFor(size_, 4, [&](int64_t begin, int64_t end) {
      if (x != y) std::copy(x + begin, x + end, y + begin);
      activateSpan(op_.activation, y + begin, end - begin);
    });
  }

 private:
  OpSpec op_;
  int64_t size_;
};

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
        activateSpan(op_.activation, out, inner_);
      }
    });
  }

 private:
  OpSpec op_;
  int64_t outer_, channels_, inner_;
};

const std::pair<const char*, BinaryKind> kBinaryKinds[] = {
    {"add", BinaryKind::Add}, {"sub", BinaryKind::Sub}, {"mul", BinaryKind::Mul}, {"div", BinaryKind::Div},
    {"max", BinaryKind::Max}, {"min", BinaryKind::Min}, {"pow", BinaryKind::Pow},
};

}  // namespace

std::unique_ptr<OpKernel> makeBinaryKernel(const BuildContext& ctx) {
  const OpSpec& op = ctx.op();
  ctx.require(op.a >= 0 && op.b >= 0, -1, "needs a and b");
  bool found = false;
  BinaryKind kind = BinaryKind::Add;
  for (const auto& [name, k] : kBinaryKinds)
    if (op.type == name) kind = k, found = true;
  if (!found) ctx.fail("unknown binary type '" + op.type + "'", "use add, sub, mul, div, max, min or pow");
  const auto& ys = ctx.shape(op.y);
  const auto& as = ctx.shape(op.a);
  const auto& bs = ctx.shape(op.b);
  ctx.require(as.size() <= ys.size(), op.a, "has a higher rank than y");
  ctx.require(bs.size() <= ys.size(), op.b, "has a higher rank than y");
  const size_t rank = ys.size();
  // Right-aligned strides of a and b over y's dims (0 where broadcast).
  std::vector<int64_t> dims(ys.begin(), ys.end()), sa(rank, 0), sb(rank, 0);
  int64_t stepA = 1, stepB = 1;
  for (size_t i = 0; i < rank; ++i) {
    const size_t d = rank - 1 - i;
    if (i < as.size()) {
      const int64_t ad = as[as.size() - 1 - i];
      ctx.require(ad == ys[d] || ad == 1, op.a, "does not broadcast to y " + ctx.describe(op.y));
      sa[d] = ad == 1 ? 0 : stepA;
      stepA *= ad;
    }
    if (i < bs.size()) {
      const int64_t bd = bs[bs.size() - 1 - i];
      ctx.require(bd == ys[d] || bd == 1, op.b, "does not broadcast to y " + ctx.describe(op.y));
      sb[d] = bd == 1 ? 0 : stepB;
      stepB *= bd;
    }
  }
  // Drop size-1 dims, then merge neighbours that are contiguous for both operands.
  std::vector<int64_t> md, ma, mb;
  for (size_t d = 0; d < rank; ++d) {
    if (dims[d] == 1) continue;
    if (!md.empty() && ma.back() == sa[d] * dims[d] && mb.back() == sb[d] * dims[d]) {
      md.back() *= dims[d];
      ma.back() = sa[d];
      mb.back() = sb[d];
      continue;
    }
    md.push_back(dims[d]), ma.push_back(sa[d]), mb.push_back(sb[d]);
  }
  if (md.empty()) md = {1}, ma = {0}, mb = {0};
  return std::make_unique<BinaryKernel>(op, kind, md, ma, mb);
}

std::unique_ptr<OpKernel> makeActivationKernel(const BuildContext& ctx) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0, -1, "needs x");
  ctx.require(ctx.value(op.x).size == ctx.value(op.y).size, op.y, "must have x's element count");
  return std::make_unique<ActivationKernel>(op, ctx.value(op.y).size);
}

std::unique_ptr<OpKernel> makeChannelAffineKernel(const BuildContext& ctx) {
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
