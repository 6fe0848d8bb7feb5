// unary: y = f(x) element by element for the float unary ops of program.ts; may run in place
// (y over x). Each element is computed in double and rounded once to float, as the TypeScript
// reference does, so transcendental results agree to the last float bit or so.
#include <cmath>

#include "program_op.h"

namespace kiln::cpu::program {
namespace {

enum class UnaryKind { Abs, Neg, Exp, Log, Sqrt, Reciprocal, Sin, Cos, Tan, Erf, Floor, Ceil, Round, Sign };

template <UnaryKind K>
inline double evaluate(double v) {
  if constexpr (K == UnaryKind::Abs) return std::fabs(v);
  if constexpr (K == UnaryKind::Neg) return -v;
  if constexpr (K == UnaryKind::Exp) return std::exp(v);
  if constexpr (K == UnaryKind::Log) return std::log(v);
  if constexpr (K == UnaryKind::Sqrt) return std::sqrt(v);
  if constexpr (K == UnaryKind::Reciprocal) return 1.0 / v;
  if constexpr (K == UnaryKind::Sin) return std::sin(v);
  if constexpr (K == UnaryKind::Cos) return std::cos(v);
  if constexpr (K == UnaryKind::Tan) return std::tan(v);
  if constexpr (K == UnaryKind::Erf) return std::erf(v);
  if constexpr (K == UnaryKind::Floor) return std::floor(v);
  if constexpr (K == UnaryKind::Ceil) return std::ceil(v);
  // nearbyint in the default rounding mode (to nearest) sends ties to the even neighbour.
  if constexpr (K == UnaryKind::Round) return std::nearbyint(v);
  // ±0 and NaN pass through, as Math.sign keeps them.
  if constexpr (K == UnaryKind::Sign) return v > 0.0 ? 1.0 : v < 0.0 ? -1.0 : v;
  return v;
}

template <UnaryKind K>
void applySpan(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(evaluate<K>(static_cast<double>(x[i])));
}

using SpanFn = void (*)(const float*, float*, int64_t);

struct UnaryEntry {
  const char* name;
  SpanFn fn;
  int64_t cost;  // rough cycles per element, for the parallel split
};

const UnaryEntry kUnaryKinds[] = {
    {"abs", applySpan<UnaryKind::Abs>, 1},
    {"neg", applySpan<UnaryKind::Neg>, 1},
    {"exp", applySpan<UnaryKind::Exp>, 16},
    {"log", applySpan<UnaryKind::Log>, 16},
    {"sqrt", applySpan<UnaryKind::Sqrt>, 4},
    {"reciprocal", applySpan<UnaryKind::Reciprocal>, 2},
    {"sin", applySpan<UnaryKind::Sin>, 20},
    {"cos", applySpan<UnaryKind::Cos>, 20},
    {"tan", applySpan<UnaryKind::Tan>, 30},
    {"erf", applySpan<UnaryKind::Erf>, 20},
    {"floor", applySpan<UnaryKind::Floor>, 1},
    {"ceil", applySpan<UnaryKind::Ceil>, 1},
    {"round", applySpan<UnaryKind::Round>, 2},
    {"sign", applySpan<UnaryKind::Sign>, 1},
};

class UnaryKernel final : public OpKernel {
 public:
  UnaryKernel(const OpSpec& op, const UnaryEntry& entry, int64_t size) : op_(op), entry_(entry), size_(size) {}
  const char* tactic() const override { return "direct"; }
  void run(const RunContext& ctx) const override {
    const float* x = ctx.ptr(op_.x);
    float* y = ctx.ptr(op_.y);
    parallelFor(size_, entry_.cost, [&](int64_t begin, int64_t end) { entry_.fn(x + begin, y + begin, end - begin); });
  }

 private:
  OpSpec op_;
  UnaryEntry entry_;
  int64_t size_;
};

}  // namespace

KILN_CPU_KERNEL(unary) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0, -1, "needs x");
  ctx.require(ctx.value(op.x).size == ctx.value(op.y).size, op.y, "must have x's element count");
  for (const UnaryEntry& e : kUnaryKinds)
    if (op.type == e.name) return std::make_unique<UnaryKernel>(op, e, ctx.value(op.y).size);
  ctx.fail("unknown unary type '" + op.type + "'",
           "use abs, neg, exp, log, sqrt, reciprocal, sin, cos, tan, erf, floor, ceil, round or sign");
}

}  // namespace kiln::cpu::program
