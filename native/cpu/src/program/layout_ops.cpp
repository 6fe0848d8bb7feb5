// Data movement: concat, copy, transpose, slice and pad, for every dtype: elements move as bits
// of their size. All are one strided copy over y's (or a box of y's) dims; concat skips inputs
// the planner already placed in their slice of y.
#include <algorithm>
#include <cstring>

#include "element_cast.h"
#include "program_op.h"

namespace kiln::cpu::program {
namespace {

std::vector<int64_t> rowMajorStrides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) s[d - 1] = s[d] * shape[d];
  return s;
}

// dst[i…] = src[i…] for every index of `dims`, each side with its own element strides; Bits is
// the unsigned type of the element size.
template <typename Bits>
void stridedCopy(const std::vector<int64_t>& dims, const unsigned char* srcBytes, const std::vector<int64_t>& srcStrides,
                 unsigned char* dstBytes, const std::vector<int64_t>& dstStrides) {
  const Bits* src = reinterpret_cast<const Bits*>(srcBytes);
  Bits* dst = reinterpret_cast<Bits*>(dstBytes);
  if (dims.empty()) {
    *dst = *src;
    return;
  }
  const size_t rank = dims.size();
  const int64_t inner = dims.back(), si = srcStrides.back(), di = dstStrides.back();
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < rank; ++d) rows *= dims[d];
  if (rows == 0 || inner == 0) return;
  parallelFor(rows, inner, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int64_t rest = r, so = 0, dOff = 0;
      for (size_t d = rank - 1; d-- > 0;) {
        const int64_t i = rest % dims[d];
        rest /= dims[d];
        so += i * srcStrides[d];
        dOff += i * dstStrides[d];
      }
      const Bits* s = src + so;
      Bits* o = dst + dOff;
      if (si == 1 && di == 1) std::memcpy(o, s, sizeof(Bits) * static_cast<size_t>(inner));
      else
        for (int64_t j = 0; j < inner; ++j) o[j * di] = s[j * si];
    }
  });
}

// stridedCopy over offsets given in elements of `dtype`.
void stridedCopy(DType dtype, const std::vector<int64_t>& dims, const unsigned char* src, int64_t srcOffset,
                 const std::vector<int64_t>& srcStrides, unsigned char* dst, int64_t dstOffset, const std::vector<int64_t>& dstStrides) {
  const int64_t e = dtypeBytes(dtype);
  withElementBits(dtype, [&](auto bits) {
    stridedCopy<decltype(bits)>(dims, src + srcOffset * e, srcStrides, dst + dstOffset * e, dstStrides);
  });
}

// y[0, count) = pad's value converted to y's dtype (as a cast from float32 would).
void fillValue(DType dtype, double value, unsigned char* y, int64_t count) {
  withDType(dtype, [&](auto tag) {
    using T = ElementOf<decltype(tag)::value>;
    const T v = castElement<decltype(tag)::value, DType::Float32>(roundToFloat32(value));
    std::fill(reinterpret_cast<T*>(y), reinterpret_cast<T*>(y) + count, v);
  });
}

class CopyKernel final : public OpKernel {
 public:
  CopyKernel(const OpSpec& op, int64_t bytes) : op_(op), bytes_(bytes) {}
  const char* tactic() const override { return "direct"; }
  void run(const RunContext& ctx) const override {
    const unsigned char* x = ctx.bytes(op_.x);
    unsigned char* y = ctx.bytes(op_.y);
    if (x != y && bytes_ > 0) std::memmove(y, x, static_cast<size_t>(bytes_));
  }

 private:
  OpSpec op_;
  int64_t bytes_;
};

class ConcatKernel final : public OpKernel {
 public:
  ConcatKernel(const OpSpec& op, DType dtype, int64_t outer, int64_t yChunk, std::vector<int64_t> chunks)
      : op_(op), dtype_(dtype), outer_(outer), yChunk_(yChunk), chunks_(std::move(chunks)) {}
  const char* tactic() const override { return "direct"; }
  void run(const RunContext& ctx) const override {
    unsigned char* y = ctx.bytes(op_.y);
    int64_t offset = 0;  // in elements
    for (size_t i = 0; i < op_.inputs.size(); ++i) {
      const unsigned char* x = ctx.bytes(op_.inputs[i]);
      const int64_t chunk = chunks_[i];
      const int64_t at = offset;
      offset += chunk;
      if (x == y + at * dtypeBytes(dtype_) || chunk == 0) continue;  // already written in place by its producer
      stridedCopy(dtype_, {outer_, chunk}, x, 0, {chunk, 1}, y, at, {yChunk_, 1});
    }
  }

 private:
  OpSpec op_;
  DType dtype_;
  int64_t outer_, yChunk_;
  std::vector<int64_t> chunks_;
};

class StridedCopyKernel final : public OpKernel {
 public:
  // y (or its box) ← x read with per-dim strides from `srcOffset`; pad fills y first.
  StridedCopyKernel(const OpSpec& op, DType dtype, std::vector<int64_t> dims, int64_t srcOffset, std::vector<int64_t> srcStrides,
                    int64_t dstOffset, std::vector<int64_t> dstStrides, bool fill, int64_t ySize)
      : op_(op), dtype_(dtype), dims_(std::move(dims)), srcOffset_(srcOffset), srcStrides_(std::move(srcStrides)), dstOffset_(dstOffset),
        dstStrides_(std::move(dstStrides)), fill_(fill), ySize_(ySize) {}
  const char* tactic() const override { return "direct"; }
  void run(const RunContext& ctx) const override {
    const unsigned char* x = ctx.bytes(op_.x);
    unsigned char* y = ctx.bytes(op_.y);
    if (fill_) fillValue(dtype_, op_.value, y, ySize_);
    for (int64_t d : dims_)
      if (d == 0) return;
    stridedCopy(dtype_, dims_, x, srcOffset_, srcStrides_, y, dstOffset_, dstStrides_);
  }

 private:
  OpSpec op_;
  DType dtype_;
  std::vector<int64_t> dims_;
  int64_t srcOffset_;
  std::vector<int64_t> srcStrides_;
  int64_t dstOffset_;
  std::vector<int64_t> dstStrides_;
  bool fill_;
  int64_t ySize_;
};

int64_t normalizeAxis(const BuildContext& ctx, int64_t axis, int64_t rank, int64_t valueId) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  ctx.require(a >= 0 && a < rank, valueId, "axis " + std::to_string(axis) + " is out of range");
  return a;
}

}  // namespace

KILN_CPU_KERNEL(copy) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0, -1, "needs x");
  ctx.require(ctx.value(op.x).size == ctx.value(op.y).size, op.y, "must have x's element count " + ctx.describe(op.x));
  return std::make_unique<CopyKernel>(op, ctx.value(op.y).size * dtypeBytes(ctx.dtype(op.y)));
}

KILN_CPU_KERNEL(concat) {
  const OpSpec& op = ctx.op();
  ctx.require(!op.inputs.empty(), -1, "needs at least one input");
  const auto& ys = ctx.shape(op.y);
  const int64_t rank = static_cast<int64_t>(ys.size());
  const int64_t axis = normalizeAxis(ctx, op.axis, rank, op.y);
  int64_t outer = 1, inner = 1, total = 0;
  for (int64_t d = 0; d < axis; ++d) outer *= ys[static_cast<size_t>(d)];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= ys[static_cast<size_t>(d)];
  std::vector<int64_t> chunks;
  for (int64_t id : op.inputs) {
    const auto& xs = ctx.shape(id);
    ctx.require(static_cast<int64_t>(xs.size()) == rank, id, "must have y's rank");
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis) ctx.require(xs[static_cast<size_t>(d)] == ys[static_cast<size_t>(d)], id, "differs from y outside the concat axis");
    total += xs[static_cast<size_t>(axis)];
    chunks.push_back(xs[static_cast<size_t>(axis)] * inner);
  }
  ctx.require(total == ys[static_cast<size_t>(axis)], op.y, "the inputs' sizes along the axis must add up to y's");
  return std::make_unique<ConcatKernel>(op, ctx.dtype(op.y), outer, ys[static_cast<size_t>(axis)] * inner, std::move(chunks));
}

KILN_CPU_KERNEL(transpose) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0, -1, "needs x");
  const auto& xs = ctx.shape(op.x);
  const auto& ys = ctx.shape(op.y);
  const size_t rank = xs.size();
  ctx.require(op.perm.size() == rank && ys.size() == rank, op.x, "perm must list every axis of x");
  std::vector<bool> seen(rank, false);
  const auto xStrides = rowMajorStrides(xs);
  std::vector<int64_t> src(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t p = op.perm[d];
    ctx.require(p >= 0 && p < static_cast<int64_t>(rank) && !seen[static_cast<size_t>(p)], op.x, "perm is not a permutation");
    seen[static_cast<size_t>(p)] = true;
    ctx.require(ys[d] == xs[static_cast<size_t>(p)], op.y, "must be x's shape permuted by perm");
    src[d] = xStrides[static_cast<size_t>(p)];
  }
  return std::make_unique<StridedCopyKernel>(op, ctx.dtype(op.y), ys, 0, src, 0, rowMajorStrides(ys), false, ctx.value(op.y).size);
}

KILN_CPU_KERNEL(slice) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0, -1, "needs x");
  const auto& xs = ctx.shape(op.x);
  const auto& ys = ctx.shape(op.y);
  const size_t rank = xs.size();
  ctx.require(op.starts.size() == rank && op.steps.size() == rank && ys.size() == rank, op.x,
              "starts and steps need one entry per axis of x, and y x's rank");
  const auto xStrides = rowMajorStrides(xs);
  int64_t offset = 0;
  std::vector<int64_t> src(rank);
  for (size_t d = 0; d < rank; ++d) {
    ctx.require(op.steps[d] != 0, op.x, "steps must be non-zero");
    if (ys[d] > 0) {
      const int64_t last = op.starts[d] + (ys[d] - 1) * op.steps[d];
      ctx.require(op.starts[d] >= 0 && op.starts[d] < xs[d] && last >= 0 && last < xs[d], op.x,
                  "axis " + std::to_string(d) + ": start " + std::to_string(op.starts[d]) + " with step " +
                      std::to_string(op.steps[d]) + " reads outside x for y's " + std::to_string(ys[d]) + " elements");
      offset += op.starts[d] * xStrides[d];
    }
    src[d] = op.steps[d] * xStrides[d];
  }
  return std::make_unique<StridedCopyKernel>(op, ctx.dtype(op.y), ys, offset, src, 0, rowMajorStrides(ys), false, ctx.value(op.y).size);
}

KILN_CPU_KERNEL(pad) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0, -1, "needs x");
  const auto& xs = ctx.shape(op.x);
  const auto& ys = ctx.shape(op.y);
  const size_t rank = xs.size();
  ctx.require(op.pads.size() == 2 * rank && ys.size() == rank, op.x, "pads need [begin…, end…] for every axis of x");
  const auto xStrides = rowMajorStrides(xs), yStrides = rowMajorStrides(ys);
  std::vector<int64_t> box(rank);
  int64_t srcOffset = 0, dstOffset = 0;
  bool fill = false;
  for (size_t d = 0; d < rank; ++d) {
    const int64_t begin = op.pads[d], end = op.pads[d + rank];
    ctx.require(ys[d] == xs[d] + begin + end, op.y, "axis " + std::to_string(d) + " must be x's size plus its pads");
    // y indices [lo, hi) read x at (i − begin).
    const int64_t lo = std::max<int64_t>(0, begin), hi = std::min<int64_t>(ys[d], begin + xs[d]);
    box[d] = std::max<int64_t>(0, hi - lo);
    if (box[d] != ys[d]) fill = true;
    if (box[d] > 0) {
      srcOffset += (lo - begin) * xStrides[d];
      dstOffset += lo * yStrides[d];
    }
  }
  return std::make_unique<StridedCopyKernel>(op, ctx.dtype(op.y), box, srcOffset, xStrides, dstOffset, yStrides, fill, ctx.value(op.y).size);
}

}  // namespace kiln::cpu::program
