// arg_reduce: the index of the largest ('max') or smallest value along an axis, written as int32
// or int64. The scan of program.ts: from the first element, replace the best on a strictly
// better value (better or equal with selectLastIndex), so ties pick the first (last) index and a
// NaN never compares better: it is picked only where it comes first.
#include "element_types.h"
#include "program_op.h"

namespace kiln::cpu::program {
namespace {

template <typename T, typename Index>
void argReduce(const void* xv, void* yv, int64_t begin, int64_t end, int64_t n, int64_t inner, bool isMax, bool last) {
  const T* x = static_cast<const T*>(xv);
  Index* y = static_cast<Index*>(yv);
  for (int64_t r = begin; r < end; ++r) {
    const int64_t o = r / inner, i = r % inner;
    const T* column = x + o * n * inner + i;
    T best = column[0];
    int64_t bestIndex = 0;
    for (int64_t j = 1; j < n; ++j) {
      const T v = column[j * inner];
      const bool better = isMax ? (last ? v >= best : v > best) : (last ? v <= best : v < best);
      if (better) best = v, bestIndex = j;
    }
    y[r] = static_cast<Index>(bestIndex);
  }
}

using ArgFn = void (*)(const void*, void*, int64_t, int64_t, int64_t, int64_t, bool, bool);

class ArgReduceKernel final : public OpKernel {
 public:
  // x is [outer, n, inner] around the axis; y [outer, 1, inner].
  ArgReduceKernel(const OpSpec& op, ArgFn fn, int64_t outer, int64_t n, int64_t inner)
      : op_(op), fn_(fn), outer_(outer), n_(n), inner_(inner) {}
  const char* tactic() const override { return "direct"; }
  void run(const RunContext& ctx) const override {
    const void* x = ctx.bytes(op_.x);
    void* y = ctx.bytes(op_.y);
    const bool isMax = op_.type == "max";
    if (inner_ == 0) return;
    parallelFor(outer_ * inner_, n_, [&](int64_t begin, int64_t end) { fn_(x, y, begin, end, n_, inner_, isMax, op_.selectLastIndex); });
  }

 private:
  OpSpec op_;
  ArgFn fn_;
  int64_t outer_, n_, inner_;
};

}  // namespace

KILN_CPU_KERNEL(arg_reduce) {
  const OpSpec& op = ctx.op();
  const auto& xs = ctx.shape(op.x);
  const int64_t rank = static_cast<int64_t>(xs.size());
  const int64_t axis = op.axis < 0 ? op.axis + rank : op.axis;
  ctx.require(axis >= 0 && axis < rank && xs[static_cast<size_t>(axis)] > 0, op.x, "needs a non-empty axis " + std::to_string(op.axis));
  ctx.require(op.type == "max" || op.type == "min", -1, "type must be 'max' or 'min'");
  const bool wide = ctx.dtype(op.y) == DType::Int64;
  ArgFn fn = withDType(ctx.dtype(op.x), [&](auto tag) -> ArgFn {
    using T = ElementOf<decltype(tag)::value>;
    return wide ? argReduce<T, int64_t> : argReduce<T, int32_t>;
  });
  const size_t a = static_cast<size_t>(axis);
  return std::make_unique<ArgReduceKernel>(op, fn, dimsProduct(xs, 0, a), xs[a], dimsProduct(xs, a + 1, xs.size()));
}

}  // namespace kiln::cpu::program
