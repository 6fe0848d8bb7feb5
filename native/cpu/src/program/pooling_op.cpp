// pool2d (max / average over 2-D windows, NCHW) and global_pool (over all spatial dims).
// Windows are clipped to the input; average divides by the valid count, or with
// countIncludePad by the taps inside the padded input.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "program_op.h"

namespace kiln::cpu::program {
namespace {

struct PoolGeometry {
  int64_t planes, height, width, outHeight, outWidth;
  int64_t kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight;
};

// Valid window taps [lo, hi) along one axis for output coordinate o, and the taps inside the
// padded extent (for countIncludePad).
struct AxisTaps {
  int64_t start;  // input coordinate of tap 0
  int64_t lo, hi, padded;
};

std::vector<AxisTaps> axisTaps(int64_t outSize, int64_t stride, int64_t pad, int64_t padEnd, int64_t dilation,
                               int64_t window, int64_t size) {
  std::vector<AxisTaps> taps(static_cast<size_t>(outSize));
  for (int64_t o = 0; o < outSize; ++o) {
    AxisTaps& t = taps[static_cast<size_t>(o)];
    t.start = o * stride - pad;
    t.lo = 0, t.hi = 0, t.padded = 0;
    bool seen = false;
    for (int64_t w = 0; w < window; ++w) {
      const int64_t c = t.start + w * dilation;
      if (c >= -pad && c < size + padEnd) ++t.padded;
      if (c >= 0 && c < size) {
        if (!seen) t.lo = w, seen = true;
        t.hi = w + 1;
      }
    }
  }
  return taps;
}

class Pool2dKernel final : public OpKernel {
 public:
  Pool2dKernel(const OpSpec& op, const PoolGeometry& g)
      : op_(op), g_(g), rows_(axisTaps(g.outHeight, g.sh, g.padTop, g.padBottom, g.dh, g.kh, g.height)),
        cols_(axisTaps(g.outWidth, g.sw, g.padLeft, g.padRight, g.dw, g.kw, g.width)) {}
  const char* tactic() const override { return "direct"; }

  void run(const RunContext& ctx) const override {
    const float* x = ctx.ptr(op_.x);
    float* y = ctx.ptr(op_.y);
    const bool isMax = op_.type == "max";
    const int64_t outPlane = g_.outHeight * g_.outWidth;
    // Work items are output rows of every plane, so even one image splits evenly.
    parallelFor(g_.planes * g_.outHeight, g_.outWidth * g_.kh * g_.kw, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t p = r / g_.outHeight, oy = r % g_.outHeight;
        const float* in = x + p * g_.height * g_.width;
        float* out = y + p * outPlane + oy * g_.outWidth;
        const AxisTaps& ty = rows_[static_cast<size_t>(oy)];
        if (ty.hi <= ty.lo) {
          // The window misses the image: max of nothing is -inf, an average of nothing NaN.
          for (int64_t ox = 0; ox < g_.outWidth; ++ox) {
            const AxisTaps& tx = cols_[static_cast<size_t>(ox)];
            out[ox] = isMax ? -std::numeric_limits<float>::infinity()
                            : (op_.countIncludePad && ty.padded * tx.padded > 0 ? 0.0f : std::numeric_limits<float>::quiet_NaN());
          }
          continue;
        }
        for (int64_t ox = 0; ox < g_.outWidth; ++ox) {
          const AxisTaps& tx = cols_[static_cast<size_t>(ox)];
          if (tx.hi <= tx.lo) {
            out[ox] = isMax ? -std::numeric_limits<float>::infinity()
                            : (op_.countIncludePad && ty.padded * tx.padded > 0 ? 0.0f : std::numeric_limits<float>::quiet_NaN());
            continue;
          }
          if (isMax) {
            // The first valid element, then strictly greater ones (NaN there propagates).
            float acc = in[(ty.start + ty.lo * g_.dh) * g_.width + tx.start + tx.lo * g_.dw];
            for (int64_t wy = ty.lo; wy < ty.hi; ++wy) {
              const float* row = in + (ty.start + wy * g_.dh) * g_.width + tx.start;
              for (int64_t wx = tx.lo; wx < tx.hi; ++wx) {
                const float v = row[wx * g_.dw];
                acc = v > acc ? v : acc;
              }
            }
            out[ox] = acc;
          } else {
            float acc = 0.0f;
            for (int64_t wy = ty.lo; wy < ty.hi; ++wy) {
              const float* row = in + (ty.start + wy * g_.dh) * g_.width + tx.start;
              for (int64_t wx = tx.lo; wx < tx.hi; ++wx) acc += row[wx * g_.dw];
            }
            const int64_t divisor = op_.countIncludePad ? ty.padded * tx.padded : (ty.hi - ty.lo) * (tx.hi - tx.lo);
            out[ox] = acc / static_cast<float>(divisor);
          }
        }
      }
    });
  }

 private:
  OpSpec op_;
  PoolGeometry g_;
  std::vector<AxisTaps> rows_, cols_;
};

class GlobalPoolKernel final : public OpKernel {
 public:
  GlobalPoolKernel(const OpSpec& op, int64_t planes, int64_t plane) : op_(op), planes_(planes), plane_(plane) {}
  const char* tactic() const override { return "direct"; }

  void run(const RunContext& ctx) const override {
    const float* x = ctx.ptr(op_.x);
    float* y = ctx.ptr(op_.y);
    const bool isMax = op_.type == "max";
    parallelFor(planes_, plane_, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const float* in = x + p * plane_;
        if (isMax) {
          float m = -std::numeric_limits<float>::infinity();
          for (int64_t i = 0; i < plane_; ++i) m = (i == 0 || in[i] > m) ? in[i] : m;
          y[p] = m;
        } else {
          // Eight partial sums: vectorizable without -ffast-math, and more accurate.
          float part[8] = {};
          int64_t i = 0;
          for (; i + 8 <= plane_; i += 8)
            for (int j = 0; j < 8; ++j) part[j] += in[i + j];
          float s = 0.0f;
          for (; i < plane_; ++i) s += in[i];
          for (float v : part) s += v;
          y[p] = plane_ > 0 ? s / static_cast<float>(plane_) : std::numeric_limits<float>::quiet_NaN();
        }
      }
    });
  }

 private:
  OpSpec op_;
  int64_t planes_, plane_;
};

}  // namespace

KILN_CPU_KERNEL(pool2d) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0, -1, "needs x");
  ctx.require(op.type == "max" || op.type == "average", -1, "type must be 'max' or 'average'");
  const auto& xs = ctx.shape(op.x);
  const auto& ys = ctx.shape(op.y);
  ctx.require(xs.size() == 4, op.x, "x must be [N, C, H, W]");
  ctx.require(op.window.size() == 2 && op.strides.size() == 2 && op.pads.size() == 4 && op.dilations.size() == 2, -1,
              "needs window [2], strides [2], pads [4] and dilations [2]");
  for (int64_t v : op.window) ctx.require(v >= 1, -1, "window dims must be >= 1");
  for (int64_t v : op.strides) ctx.require(v >= 1, -1, "strides must be >= 1");
  for (int64_t v : op.dilations) ctx.require(v >= 1, -1, "dilations must be >= 1");
  for (int64_t v : op.pads) ctx.require(v >= 0, -1, "pads must be >= 0");
  ctx.require(ys.size() == 4 && ys[0] == xs[0] && ys[1] == xs[1], op.y, "y must be [N, C, OH, OW]");
  PoolGeometry g{xs[0] * xs[1], xs[2], xs[3], ys[2], ys[3], op.window[0], op.window[1], op.strides[0], op.strides[1],
                 op.dilations[0], op.dilations[1], op.pads[0], op.pads[1], op.pads[2], op.pads[3]};
  return std::make_unique<Pool2dKernel>(op, g);
}

KILN_CPU_KERNEL(global_pool) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0, -1, "needs x");
  ctx.require(op.type == "max" || op.type == "average", -1, "type must be 'max' or 'average'");
  const auto& xs = ctx.shape(op.x);
  const auto& ys = ctx.shape(op.y);
  ctx.require(xs.size() >= 3, op.x, "x must be [N, C, spatial...]");
  std::vector<int64_t> want(xs.size(), 1);
  want[0] = xs[0], want[1] = xs[1];
  ctx.require(ys == want, op.y, "y must be [N, C, 1, ...]");
  const int64_t planes = xs[0] * xs[1];
  return std::make_unique<GlobalPoolKernel>(op, planes, planes > 0 ? ctx.value(op.x).size / planes : 0);
}

}  // namespace kiln::cpu::program
