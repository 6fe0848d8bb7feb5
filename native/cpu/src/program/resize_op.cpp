// resize2d of the last two dims: nearest (ONNX nearestMode) or bilinear, with the ONNX
// coordinate transforms; the scale is y's size over x's. Taps are computed once at create.
#include <algorithm>
#include <cmath>

#include "program_op.h"

namespace kiln::cpu::program {
namespace {

struct Tap {
  int64_t i0, i1;
  float w0, w1;
};

double toOriginal(const std::string& transform, int64_t o, int64_t inSize, int64_t outSize) {
  const double scale = static_cast<double>(outSize) / static_cast<double>(inSize);
  if (transform == "half_pixel") return (o + 0.5) / scale - 0.5;
  if (transform == "pytorch_half_pixel") return outSize > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
  if (transform == "align_corners") return outSize == 1 ? 0.0 : static_cast<double>(o) * (inSize - 1) / (outSize - 1);
  return o / scale;  // asymmetric
}

int64_t nearestIndex(const std::string& mode, double x) {
  const double f = std::floor(x);
  if (mode == "floor") return static_cast<int64_t>(f);
  if (mode == "ceil") return static_cast<int64_t>(std::ceil(x));
  if (x - f == 0.5) return static_cast<int64_t>(mode == "round_prefer_floor" ? f : f + 1);
  return static_cast<int64_t>(std::floor(x + 0.5));
}

std::vector<Tap> axisTaps(const OpSpec& op, int64_t inSize, int64_t outSize) {
  std::vector<Tap> taps(static_cast<size_t>(outSize));
  const int64_t last = inSize - 1;
  auto clamp = [&](int64_t i) { return std::min(std::max<int64_t>(i, 0), last); };
  for (int64_t o = 0; o < outSize; ++o) {
    const double x = toOriginal(op.coordinateTransform, o, inSize, outSize);
    if (op.mode == "nearest") {
      taps[static_cast<size_t>(o)] = {clamp(nearestIndex(op.nearestMode, x)), 0, 1.0f, 0.0f};
    } else {
      const int64_t f = static_cast<int64_t>(std::floor(x));
      const double w0 = std::max(0.0, 1.0 - std::fabs(x - f)), w1 = std::max(0.0, 1.0 - std::fabs(x - (f + 1)));
      taps[static_cast<size_t>(o)] = {clamp(f), clamp(f + 1), static_cast<float>(w0), static_cast<float>(w1)};
    }
  }
  return taps;
}

class ResizeKernel final : public OpKernel {
 public:
  ResizeKernel(const OpSpec& op, int64_t planes, int64_t inH, int64_t inW, int64_t outH, int64_t outW)
      : op_(op), planes_(planes), inH_(inH), inW_(inW), outH_(outH), outW_(outW), rows_(axisTaps(op, inH, outH)),
        cols_(axisTaps(op, inW, outW)), nearest_(op.mode == "nearest") {}
  const char* tactic() const override { return "direct"; }

  void run(const RunContext& ctx) const override {
    const float* x = ctx.ptr(op_.x);
    float* y = ctx.ptr(op_.y);
    parallelFor(planes_ * outH_, outW_ * 4, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t p = r / outH_, oy = r % outH_;
        const float* plane = x + p * inH_ * inW_;
        float* out = y + r * outW_;
        const Tap& ty = rows_[static_cast<size_t>(oy)];
        if (nearest_) {
          const float* row = plane + ty.i0 * inW_;
          for (int64_t ox = 0; ox < outW_; ++ox) out[ox] = row[cols_[static_cast<size_t>(ox)].i0];
          continue;
        }
        const float* r0 = plane + ty.i0 * inW_;
        const float* r1 = plane + ty.i1 * inW_;
        for (int64_t ox = 0; ox < outW_; ++ox) {
          const Tap& tx = cols_[static_cast<size_t>(ox)];
          const float top = tx.w0 * r0[tx.i0] + tx.w1 * r0[tx.i1];
          const float bottom = tx.w0 * r1[tx.i0] + tx.w1 * r1[tx.i1];
          out[ox] = ty.w0 * top + ty.w1 * bottom;
        }
      }
    });
  }

 private:
  OpSpec op_;
  int64_t planes_, inH_, inW_, outH_, outW_;
  std::vector<Tap> rows_, cols_;
  bool nearest_;
};

}  // namespace

KILN_CPU_KERNEL(resize2d) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0, -1, "needs x");
  const auto& xs = ctx.shape(op.x);
  const auto& ys = ctx.shape(op.y);
  ctx.require(xs.size() >= 2 && ys.size() == xs.size(), op.y, "x and y need the same rank >= 2");
  for (size_t d = 0; d + 2 < xs.size(); ++d) ctx.require(xs[d] == ys[d], op.y, "only the last two dims may differ from x");
  ctx.require(op.mode == "nearest" || op.mode == "linear", -1, "mode must be 'nearest' or 'linear'");
  const std::string& t = op.coordinateTransform;
  ctx.require(t == "half_pixel" || t == "pytorch_half_pixel" || t == "align_corners" || t == "asymmetric", -1,
              "unknown coordinateTransform '" + t + "'");
  const std::string& n = op.nearestMode;
  ctx.require(op.mode != "nearest" || n == "round_prefer_floor" || n == "round_prefer_ceil" || n == "floor" || n == "ceil",
              -1, "unknown nearestMode '" + n + "'");
  const int64_t inH = xs[xs.size() - 2], inW = xs.back(), outH = ys[ys.size() - 2], outW = ys.back();
  ctx.require((inH > 0 && inW > 0) || outH * outW == 0, op.x, "cannot resize an empty image to a non-empty one");
  int64_t planes = 1;
  for (size_t d = 0; d + 2 < xs.size(); ++d) planes *= xs[d];
  return std::make_unique<ResizeKernel>(op, planes, inH, inW, outH, outW);
}

}  // namespace kiln::cpu::program
