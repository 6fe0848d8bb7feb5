// quantize and dequantize (ONNX QuantizeLinear / DequantizeLinear) to and from int8/uint8, per
// tensor or per axis, with the reference interpreter's arithmetic: quantize takes the quotient
// x / scale in float32, rounds half to even, adds the zero point and saturates (NaN gives 0);
// dequantize rounds (x − zeroPoint) · scale once to float32.
#include <algorithm>
#include <cmath>
#include <limits>

#include "program_op.h"

namespace kiln::cpu::program {
namespace {

// Elements [r·inner, (r+1)·inner) share parameter r % channels (channels 1: per tensor).
struct ParamLayout {
  int64_t rows = 1, channels = 1, inner = 1;
};

ParamLayout paramLayout(const BuildContext& ctx, const OpSpec& op, int64_t data) {
  const std::vector<int64_t>& ds = ctx.shape(data);
  ParamLayout l;
  if (ctx.value(op.scale).size == 1) {
    l.inner = elementCount(ds);
    return l;
  }
  const int64_t rank = static_cast<int64_t>(ds.size());
  ctx.require(op.axis >= -rank && op.axis < rank, data, "axis " + std::to_string(op.axis) + " is out of range");
  const size_t axis = static_cast<size_t>(op.axis < 0 ? op.axis + rank : op.axis);
  l.channels = ds[axis];
  ctx.require(ctx.value(op.scale).size == l.channels, op.scale, "must have one value per index of the axis");
  l.inner = dimsProduct(ds, axis + 1, ds.size());
  l.rows = dimsProduct(ds, 0, axis + 1);
  return l;
}

template <typename Q>
Q quantizeElement(float x, float scale, int64_t zeroPoint) {
  const double r = std::nearbyint(x / scale) + static_cast<double>(zeroPoint);  // the default rounding mode: half to even
  if (std::isnan(r)) return 0;
  return static_cast<Q>(std::clamp(r, static_cast<double>(std::numeric_limits<Q>::min()), static_cast<double>(std::numeric_limits<Q>::max())));
}

template <typename Q>
class QuantizeKernel final : public OpKernel {
 public:
  QuantizeKernel(const OpSpec& op, ParamLayout layout) : op_(op), l_(layout) {}
  const char* tactic() const override { return "direct"; }
  void run(const RunContext& ctx) const override {
    const float* x = ctx.ptr(op_.x);
    const float* scale = ctx.ptr(op_.scale);
    const Q* zeroPoint = op_.zeroPoint >= 0 ? ctx.data<Q>(op_.zeroPoint) : nullptr;
    Q* y = ctx.data<Q>(op_.y);
    parallelFor(l_.rows, l_.inner, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t c = r % l_.channels;
        const float s = scale[c];
        const int64_t z = zeroPoint != nullptr ? zeroPoint[c] : 0;
        for (int64_t i = r * l_.inner; i < (r + 1) * l_.inner; ++i) y[i] = quantizeElement<Q>(x[i], s, z);
      }
    });
  }

 private:
  OpSpec op_;
  ParamLayout l_;
};

template <typename Q>
class DequantizeKernel final : public OpKernel {
 public:
  DequantizeKernel(const OpSpec& op, ParamLayout layout) : op_(op), l_(layout) {}
  const char* tactic() const override { return "direct"; }
  void run(const RunContext& ctx) const override {
    const Q* x = ctx.data<Q>(op_.x);
    const float* scale = ctx.ptr(op_.scale);
    const Q* zeroPoint = op_.zeroPoint >= 0 ? ctx.data<Q>(op_.zeroPoint) : nullptr;
    float* y = ctx.ptr(op_.y);
    parallelFor(l_.rows, l_.inner, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t c = r % l_.channels;
        const double s = scale[c];
        const int32_t z = zeroPoint != nullptr ? zeroPoint[c] : 0;
        // (x − z) has at most 9 bits, so the double product is exact and the float cast rounds once.
        for (int64_t i = r * l_.inner; i < (r + 1) * l_.inner; ++i) y[i] = static_cast<float>((static_cast<int32_t>(x[i]) - z) * s);
      }
    });
  }

 private:
  OpSpec op_;
  ParamLayout l_;
};

// Checks the parameters against x as the validator did (this file's kernels index by them).
ParamLayout checkedLayout(const BuildContext& ctx, const OpSpec& op) {
  ctx.require(ctx.shape(op.y) == ctx.shape(op.x), op.y, "must have x's shape");
  const ParamLayout layout = paramLayout(ctx, op, op.x);
  if (op.zeroPoint >= 0) ctx.require(ctx.value(op.zeroPoint).size == ctx.value(op.scale).size, op.zeroPoint, "must have the scale's size");
  return layout;
}

}  // namespace

KILN_CPU_KERNEL(dequantize) {
  const OpSpec& op = ctx.op();
  const ParamLayout layout = checkedLayout(ctx, op);
  switch (ctx.dtype(op.x)) {
    case DType::Int8: return std::make_unique<DequantizeKernel<int8_t>>(op, layout);
    case DType::Uint8: return std::make_unique<DequantizeKernel<uint8_t>>(op, layout);
    default: ctx.fail(std::string("x is ") + dtypeName(ctx.dtype(op.x)) + "; dequantize reads int8 or uint8");
  }
}

KILN_CPU_KERNEL(quantize) {
  const OpSpec& op = ctx.op();
  const ParamLayout layout = checkedLayout(ctx, op);
  switch (ctx.dtype(op.y)) {
    case DType::Int8: return std::make_unique<QuantizeKernel<int8_t>>(op, layout);
    case DType::Uint8: return std::make_unique<QuantizeKernel<uint8_t>>(op, layout);
    default: ctx.fail(std::string("y is ") + dtypeName(ctx.dtype(op.y)) + "; quantize writes int8 or uint8");
  }
}

}  // namespace kiln::cpu::program
