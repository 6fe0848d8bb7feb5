// binary: numpy-broadcast add/sub/mul/div/max/min/pow/prelu with a fused activation. May run in place
// (y over a or b): each output element is computed from inputs at the same position before it
// is stored.
#include <algorithm>
#include <cmath>
#include <limits>

#include "activation_span.h"
#include "program_op.h"

namespace kiln::cpu::program {
namespace {

enum class BinaryKind { Add, Sub, Mul, Div, Max, Min, Pow, Prelu };

template <BinaryKind K>
inline float combine(float a, float b) {
  if constexpr (K == BinaryKind::Add) return a + b;
  if constexpr (K == BinaryKind::Sub) return a - b;
  if constexpr (K == BinaryKind::Mul) return a * b;
  if constexpr (K == BinaryKind::Div) return a / b;
  if constexpr (K == BinaryKind::Max) return (std::isnan(a) || std::isnan(b)) ? std::numeric_limits<float>::quiet_NaN() : std::max(a, b);
  if constexpr (K == BinaryKind::Min) return (std::isnan(a) || std::isnan(b)) ? std::numeric_limits<float>::quiet_NaN() : std::min(a, b);
  if constexpr (K == BinaryKind::Pow) return std::pow(a, b);
  // ONNX PRelu with b the slope; NaN passes through unchanged.
  if constexpr (K == BinaryKind::Prelu) return a < 0.0f ? a * b : a;
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
    case BinaryKind::Prelu: return combineRun<BinaryKind::Prelu>;
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

const std::pair<const char*, BinaryKind> kBinaryKinds[] = {
    {"add", BinaryKind::Add}, {"sub", BinaryKind::Sub}, {"mul", BinaryKind::Mul}, {"div", BinaryKind::Div},
    {"max", BinaryKind::Max}, {"min", BinaryKind::Min}, {"pow", BinaryKind::Pow}, {"prelu", BinaryKind::Prelu},
};

}  // namespace

std::unique_ptr<OpKernel> makeBinaryKernel(const BuildContext& ctx) {
  const OpSpec& op = ctx.op();
  ctx.require(op.a >= 0 && op.b >= 0, -1, "needs a and b");
  bool found = false;
  BinaryKind kind = BinaryKind::Add;
  for (const auto& [name, k] : kBinaryKinds)
    if (op.type == name) kind = k, found = true;
  if (!found) ctx.fail("unknown binary type '" + op.type + "'", "use add, sub, mul, div, max, min, pow or prelu");
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

}  // namespace kiln::cpu::program
