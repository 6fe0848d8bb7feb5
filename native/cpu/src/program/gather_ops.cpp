// gather (ONNX Gather along an axis) and gather_nd (ONNX GatherND, batch_dims 0), for every
// dtype: each index (or index row) picks one contiguous slice of x, copied as bytes. An index in
// [−n, 0) counts from the end; one outside [−n, n) writes zeros for its slice, so no index value
// ever forms a pointer outside x.
#include <cstring>

#include "program_op.h"

namespace kiln::cpu::program {
namespace {

// Index element `i` of an int32 or int64 indices value, widened.
inline int64_t indexAt(const unsigned char* indices, bool wide, int64_t i) {
  return wide ? reinterpret_cast<const int64_t*>(indices)[i] : reinterpret_cast<const int32_t*>(indices)[i];
}

// The element offset of index `v` along a dim of `n`, or −1 when it is outside [−n, n).
inline int64_t wrapIndex(int64_t v, int64_t n) {
  if (v < -n || v >= n) return -1;
  return v < 0 ? v + n : v;
}

class GatherKernel final : public OpKernel {
 public:
  // x is [outer, n, inner] around the axis, indices `count` elements; y [outer, count, inner].
  GatherKernel(const OpSpec& op, int64_t outer, int64_t n, int64_t inner, int64_t count, int64_t elementBytes, bool wide)
      : op_(op), outer_(outer), n_(n), inner_(inner), count_(count), elementBytes_(elementBytes), wide_(wide) {}
  const char* tactic() const override { return "direct"; }
  void run(const RunContext& ctx) const override {
    const unsigned char* x = ctx.bytes(op_.x);
    const unsigned char* indices = ctx.bytes(op_.indices);
    unsigned char* y = ctx.bytes(op_.y);
    const size_t slice = static_cast<size_t>(inner_ * elementBytes_);
    if (slice == 0) return;
    parallelFor(outer_ * count_, inner_, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t o = r / count_, j = r % count_;
        const int64_t at = wrapIndex(indexAt(indices, wide_, j), n_);
        unsigned char* dst = y + static_cast<size_t>(r) * slice;
        if (at < 0) std::memset(dst, 0, slice);
        else std::memcpy(dst, x + static_cast<size_t>(o * n_ + at) * slice, slice);
      }
    });
  }

 private:
  OpSpec op_;
  int64_t outer_, n_, inner_, count_, elementBytes_;
  bool wide_;
};

class GatherNdKernel final : public OpKernel {
 public:
  // indices are `rows` rows of `k` indices into x's first k dims; each picks a slice of
  // `inner` elements (x's dims past the k-th).
  GatherNdKernel(const OpSpec& op, std::vector<int64_t> dims, int64_t rows, int64_t inner, int64_t elementBytes, bool wide)
      : op_(op), dims_(std::move(dims)), rows_(rows), inner_(inner), elementBytes_(elementBytes), wide_(wide) {}
  const char* tactic() const override { return "direct"; }
  void run(const RunContext& ctx) const override {
    const unsigned char* x = ctx.bytes(op_.x);
    const unsigned char* indices = ctx.bytes(op_.indices);
    unsigned char* y = ctx.bytes(op_.y);
    const size_t slice = static_cast<size_t>(inner_ * elementBytes_);
    const int64_t k = static_cast<int64_t>(dims_.size());
    if (slice == 0) return;
    parallelFor(rows_, inner_ + k, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        int64_t flat = 0;  // the slice number in x, row-major over the first k dims
        bool inside = true;
        for (int64_t i = 0; i < k && inside; ++i) {
          const int64_t at = wrapIndex(indexAt(indices, wide_, r * k + i), dims_[static_cast<size_t>(i)]);
          inside = at >= 0;
          flat = flat * dims_[static_cast<size_t>(i)] + at;
        }
        unsigned char* dst = y + static_cast<size_t>(r) * slice;
        if (!inside) std::memset(dst, 0, slice);
        else std::memcpy(dst, x + static_cast<size_t>(flat) * slice, slice);
      }
    });
  }

 private:
  OpSpec op_;
  std::vector<int64_t> dims_;
  int64_t rows_, inner_, elementBytes_;
  bool wide_;
};

}  // namespace

KILN_CPU_KERNEL(gather) {
  const OpSpec& op = ctx.op();
  const auto& xs = ctx.shape(op.x);
  const int64_t rank = static_cast<int64_t>(xs.size());
  const int64_t axis = op.axis < 0 ? op.axis + rank : op.axis;
  ctx.require(axis >= 0 && axis < rank, op.x, "axis " + std::to_string(op.axis) + " is out of range");
  const size_t a = static_cast<size_t>(axis);
  return std::make_unique<GatherKernel>(op, dimsProduct(xs, 0, a), xs[a], dimsProduct(xs, a + 1, xs.size()), ctx.value(op.indices).size,
                                        dtypeBytes(ctx.dtype(op.x)), ctx.dtype(op.indices) == DType::Int64);
}

KILN_CPU_KERNEL(gather_nd) {
  const OpSpec& op = ctx.op();
  const auto& xs = ctx.shape(op.x);
  const auto& is = ctx.shape(op.indices);
  ctx.require(!is.empty() && is.back() <= static_cast<int64_t>(xs.size()), op.indices, "needs a last dim <= x's rank");
  const size_t k = static_cast<size_t>(is.back());
  std::vector<int64_t> dims(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(k));
  return std::make_unique<GatherNdKernel>(op, std::move(dims), dimsProduct(is, 0, is.size() - 1), dimsProduct(xs, k, xs.size()),
                                          dtypeBytes(ctx.dtype(op.x)), ctx.dtype(op.indices) == DType::Int64);
}

}  // namespace kiln::cpu::program
