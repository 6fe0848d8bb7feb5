// binary: numpy-broadcast add/sub/mul/div/max/min/pow/prelu/mod/fmod on float32 (with a fused
// activation), and add/sub/mul/div/max/min/mod/fmod on int32 and int64. Integer maths never
// traps: it wraps on overflow, x/0 and x%0 give 0, INT_MIN/−1 gives INT_MIN. May run in place
// (y over a or b): each output element is computed from inputs at the same position before it
// is stored.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "activation_span.h"
#include "broadcast.h"
#include "element_types.h"
#include "program_op.h"

namespace kiln::cpu::program {
namespace {

enum class BinaryKind { Add, Sub, Mul, Div, Max, Min, Pow, Prelu, Mod, Fmod };

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
  if constexpr (K == BinaryKind::Mod || K == BinaryKind::Fmod) {
    // fmod is exact in double; 'mod' moves a non-zero remainder to the divisor's sign (Python).
    double r = std::fmod(static_cast<double>(a), static_cast<double>(b));
    if (K == BinaryKind::Mod && r != 0 && !std::isnan(r) && (r < 0) != (b < 0)) r += static_cast<double>(b);
    return static_cast<float>(r);
  }
  return 0.0f;
}

// Integer maths in the unsigned type where C++ would overflow (wrapping is defined there).
template <BinaryKind K, typename T>
inline T combineInt(T a, T b) {
  using U = std::make_unsigned_t<T>;
  if constexpr (K == BinaryKind::Add) return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  if constexpr (K == BinaryKind::Sub) return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  if constexpr (K == BinaryKind::Mul) return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  if constexpr (K == BinaryKind::Div) {
    if (b == 0) return 0;
    if (b == -1) return static_cast<T>(U{0} - static_cast<U>(a));  // INT_MIN / −1 wraps to INT_MIN
    return a / b;
  }
  if constexpr (K == BinaryKind::Max) return std::max(a, b);
  if constexpr (K == BinaryKind::Min) return std::min(a, b);
  if constexpr (K == BinaryKind::Mod || K == BinaryKind::Fmod) {
    if (b == 0 || b == -1) return 0;  // x % −1 is 0; INT_MIN % −1 would trap
    const T r = a % b;
    // |r| < |b| with opposite signs: r + b cannot overflow.
    return K == BinaryKind::Mod && r != 0 && (r < 0) != (b < 0) ? static_cast<T>(r + b) : r;
  }
  return 0;
}

template <BinaryKind K, typename T>
inline T apply(T a, T b) {
  if constexpr (std::is_same_v<T, float>) return combine<K>(a, b);
  else return combineInt<K, T>(a, b);
}

// y[i] = a[i·sa] ∘ b[i·sb] over one innermost run (strides 0 or the run's stride).
template <BinaryKind K, typename T>
void combineRun(const void* av, int64_t sa, const void* bv, int64_t sb, void* yv, int64_t n) {
  const T* a = static_cast<const T*>(av);
  const T* b = static_cast<const T*>(bv);
  T* y = static_cast<T*>(yv);
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) y[i] = apply<K, T>(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const T bs = *b;
    for (int64_t i = 0; i < n; ++i) y[i] = apply<K, T>(a[i], bs);
  } else if (sa == 0 && sb == 1) {
    const T as = *a;
    for (int64_t i = 0; i < n; ++i) y[i] = apply<K, T>(as, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = apply<K, T>(a[i * sa], b[i * sb]);
  }
}

using RunFn = void (*)(const void*, int64_t, const void*, int64_t, void*, int64_t);

template <typename T>
RunFn runFor(BinaryKind k) {
  switch (k) {
    case BinaryKind::Add: return combineRun<BinaryKind::Add, T>;
    case BinaryKind::Sub: return combineRun<BinaryKind::Sub, T>;
    case BinaryKind::Mul: return combineRun<BinaryKind::Mul, T>;
    case BinaryKind::Div: return combineRun<BinaryKind::Div, T>;
    case BinaryKind::Max: return combineRun<BinaryKind::Max, T>;
    case BinaryKind::Min: return combineRun<BinaryKind::Min, T>;
    case BinaryKind::Mod: return combineRun<BinaryKind::Mod, T>;
    case BinaryKind::Fmod: return combineRun<BinaryKind::Fmod, T>;
    case BinaryKind::Pow:
    case BinaryKind::Prelu:
      // Float-only (the validator refuses them on integers).
      if constexpr (std::is_same_v<T, float>) return k == BinaryKind::Pow ? combineRun<BinaryKind::Pow, T> : combineRun<BinaryKind::Prelu, T>;
      break;
  }
  return nullptr;
}

class BinaryKernel final : public OpKernel {
 public:
  BinaryKernel(const OpSpec& op, RunFn fn, int64_t elementBytes, BroadcastPlan<2> plan)
      : op_(op), fn_(fn), elementBytes_(elementBytes), plan_(std::move(plan)) {}
  const char* tactic() const override { return "direct"; }

  void run(const RunContext& ctx) const override {
    const unsigned char* a = ctx.bytes(op_.a);
    const unsigned char* b = ctx.bytes(op_.b);
    unsigned char* y = ctx.bytes(op_.y);
    const int64_t e = elementBytes_;
    forEachBroadcastRow(plan_, [&](int64_t r, const std::array<int64_t, 2>& at, int64_t inner) {
      unsigned char* out = y + r * inner * e;
      fn_(a + at[0] * e, plan_.strides[0].back(), b + at[1] * e, plan_.strides[1].back(), out, inner);
      // The validator allows a fused activation on float32 only.
      if (op_.epilogue.kind != ActivationKind::None) activateSpan(op_.epilogue, reinterpret_cast<float*>(out), inner);
    });
  }

 private:
  OpSpec op_;
  RunFn fn_;
  int64_t elementBytes_;
  BroadcastPlan<2> plan_;
};

const std::pair<const char*, BinaryKind> kBinaryKinds[] = {
    {"add", BinaryKind::Add}, {"sub", BinaryKind::Sub}, {"mul", BinaryKind::Mul},     {"div", BinaryKind::Div},
    {"max", BinaryKind::Max}, {"min", BinaryKind::Min}, {"pow", BinaryKind::Pow},     {"prelu", BinaryKind::Prelu},
    {"mod", BinaryKind::Mod}, {"fmod", BinaryKind::Fmod},
};

}  // namespace

KILN_CPU_KERNEL(binary) {
  const OpSpec& op = ctx.op();
  bool found = false;
  BinaryKind kind = BinaryKind::Add;
  for (const auto& [name, k] : kBinaryKinds)
    if (op.type == name) kind = k, found = true;
  if (!found) ctx.fail("unknown binary type '" + op.type + "'", "use add, sub, mul, div, max, min, pow, prelu, mod or fmod");
  const DType dtype = ctx.dtype(op.a);
  RunFn fn = dtype == DType::Float32 ? runFor<float>(kind) : dtype == DType::Int32 ? runFor<int32_t>(kind)
             : dtype == DType::Int64 ? runFor<int64_t>(kind) : nullptr;
  ctx.require(fn != nullptr, op.a, "'" + op.type + "' has no kernel for " + dtypeName(dtype));
  auto plan = planBroadcast<2>(ctx.shape(op.y), {&ctx.shape(op.a), &ctx.shape(op.b)});
  return std::make_unique<BinaryKernel>(op, fn, dtypeBytes(dtype), std::move(plan));
}

}  // namespace kiln::cpu::program
