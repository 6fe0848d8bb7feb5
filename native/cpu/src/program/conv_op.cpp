// conv2d: NCHW convolution with fused bias, residual and activation. Tactics:
//   pointwise_gemm   1×1, stride 1, unpadded: the input planes are the GEMM's B as they are
//   implicit_gemm    any conv: B panels packed straight from the image (no im2col buffer)
//   im2col_gemm      any conv: the im2col matrix is materialized once, then a plain GEMM
//   depthwise_direct one input channel per group: a direct sliding window
// GEMM tactics use W as A, prepacked once when W is a weight.
#include <algorithm>
#include <cstring>

#include "../conv2d.h"
#include "../thread_pool.h"
#include "kiln/aligned_buffer.h"
#include "packed_gemm.h"
#include "program_op.h"

namespace kiln::cpu::program {
namespace {

enum class ConvTactic { Pointwise, Implicit, Im2col, Depthwise };

const char* tacticName(ConvTactic t) {
  switch (t) {
    case ConvTactic::Pointwise: return "pointwise_gemm";
    case ConvTactic::Implicit: return "implicit_gemm";
    case ConvTactic::Im2col: return "im2col_gemm";
    case ConvTactic::Depthwise: return "depthwise_direct";
  }
  return "implicit_gemm";
}

std::vector<ConvTactic> validTactics(const Conv2dGeometry& g) {
  std::vector<ConvTactic> t;
  if (g.groupChannels() == 1 && g.groups > 1) t.push_back(ConvTactic::Depthwise);
  const bool pointwise = g.kernelH == 1 && g.kernelW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 &&
                         g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0;
  if (pointwise) t.push_back(ConvTactic::Pointwise);
  t.push_back(ConvTactic::Implicit);
  t.push_back(ConvTactic::Im2col);
  return t;
}

class Conv2dKernel final : public OpKernel {
 public:
  Conv2dKernel(const BuildContext& ctx, const Conv2dGeometry& g, ConvTactic tactic)
      : g_(g), tactic_(tactic), op_(ctx.op()) {
    const float* w = ctx.weightData(op_.w);
    if (w != nullptr && tactic_ != ConvTactic::Depthwise) {
      const int64_t mg = g.groupOutChannels(), kg = g.groupChannels() * g.kernelH * g.kernelW;
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        auto packed = std::make_unique<PackedPanels>(mg, kg, chooseKBlock(kg), kPanelRows);
        packed->packFrom(MatrixView{w + grp * mg * kg, kg, 1});
        packed_.push_back(std::move(packed));
      }
    }
  }

  const char* tactic() const override { return tacticName(tactic_); }

  void run(const RunContext& ctx) const override {
    const float* x = ctx.ptr(op_.x);
    const float* w = ctx.ptr(op_.w);
    const float* bias = op_.b >= 0 ? ctx.ptr(op_.b) : nullptr;
    const float* residual = op_.residual >= 0 ? ctx.ptr(op_.residual) : nullptr;
    float* y = ctx.ptr(op_.y);
    if (tactic_ == ConvTactic::Depthwise) {
      depthwiseConv2d(g_, Conv2dArgs{x, w, bias, residual, y, op_.activation});
      return;
    }
    const int64_t cg = g_.groupChannels(), mg = g_.groupOutChannels();
    const int64_t kg = cg * g_.kernelH * g_.kernelW;
    const int64_t pixels = g_.outHeight * g_.outWidth, inPlane = g_.height * g_.width;
    std::vector<GemmProblem> problems;
    std::vector<Im2colBSource> sources;
    sources.reserve(static_cast<size_t>(g_.batch * g_.groups));
    float* columns = nullptr;
    if (tactic_ == ConvTactic::Im2col) {
      thread_local AlignedBuffer im2colBuffer;
      columns = im2colBuffer.reserve(static_cast<size_t>(std::max<int64_t>(g_.batch * g_.groups * kg * pixels, 1)));
    }
    for (int64_t n = 0; n < g_.batch; ++n) {
      for (int64_t grp = 0; grp < g_.groups; ++grp) {
        const float* image = x + (n * g_.channels + grp * cg) * inPlane;
        const int64_t outOffset = (n * g_.outChannels + grp * mg) * pixels;
        GemmProblem p{mg, pixels, kg, {}, {}, y + outOffset, pixels, {}};
        if (!packed_.empty()) p.a.packed = packed_[static_cast<size_t>(grp)].get();
        else p.a.lines = MatrixView{w + grp * mg * kg, kg, 1};
        sources.push_back(Im2colBSource{image, g_.height, g_.width, g_.kernelH, g_.kernelW, g_.strideH, g_.strideW,
                                        g_.padTop, g_.padLeft, g_.dilationH, g_.dilationW, g_.outWidth});
        if (tactic_ == ConvTactic::Pointwise) {
          p.b.lines = MatrixView{image, 1, inPlane};
        } else if (tactic_ == ConvTactic::Implicit) {
          p.b.im2col = &sources.back();
        } else {
          float* cols = columns + (n * g_.groups + grp) * kg * pixels;
          p.b.lines = MatrixView{cols, 1, pixels};
        }
        p.epilogue.bias = bias != nullptr ? bias + grp * mg : nullptr;
        p.epilogue.biasRowStride = 1;
        p.epilogue.residual = residual != nullptr ? residual + outOffset : nullptr;
        p.epilogue.residualStride = pixels;
        p.epilogue.activation = op_.activation;
        problems.push_back(p);
      }
    }
    if (tactic_ == ConvTactic::Im2col) fillColumns(sources, columns, kg, pixels);
    runGemms(problems);
  }

 private:
  // Writes each (image, group)'s im2col matrix [kg × pixels], rows split over the pool.
  void fillColumns(const std::vector<Im2colBSource>& sources, float* columns, int64_t kg, int64_t pixels) const {
    const int64_t rows = static_cast<int64_t>(sources.size()) * kg;
    parallelFor(rows, pixels, [&](int64_t begin, int64_t end) {
      const int64_t taps = g_.kernelH * g_.kernelW;
      for (int64_t r = begin; r < end; ++r) {
        const Im2colBSource& s = sources[static_cast<size_t>(r / kg)];
        const int64_t row = r % kg;
        const int64_t channel = row / taps, ky = (row % taps) / s.kernelW, kx = row % s.kernelW;
        const float* plane = s.image + channel * s.height * s.width;
        float* out = columns + r * pixels;
        for (int64_t oy = 0; oy < g_.outHeight; ++oy) {
          const int64_t iy = oy * s.strideH - s.padTop + ky * s.dilationH;
          float* o = out + oy * g_.outWidth;
          if (iy < 0 || iy >= s.height) {
            std::fill(o, o + g_.outWidth, 0.0f);
            continue;
          }
          const float* src = plane + iy * s.width;
          for (int64_t ox = 0; ox < g_.outWidth; ++ox) {
            const int64_t ix = ox * s.strideW - s.padLeft + kx * s.dilationW;
            o[ox] = (ix >= 0 && ix < s.width) ? src[ix] : 0.0f;
          }
        }
      }
    });
  }

  Conv2dGeometry g_;
  ConvTactic tactic_;
  OpSpec op_;
  std::vector<std::unique_ptr<PackedPanels>> packed_;
};

}  // namespace

std::unique_ptr<OpKernel> makeConv2dKernel(const BuildContext& ctx) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0 && op.w >= 0, -1, "needs x and w");
  const auto& xs = ctx.shape(op.x);
  const auto& ws = ctx.shape(op.w);
  ctx.require(xs.size() == 4, op.x, "x must be [N, C, H, W]");
  ctx.require(ws.size() == 4, op.w, "w must be [M, C/groups, kH, kW]");
  ctx.require(op.strides.size() == 2 && op.pads.size() == 4 && op.dilations.size() == 2, -1,
              "needs strides [2], pads [4] and dilations [2]");
  for (int64_t s : op.strides) ctx.require(s >= 1, -1, "strides must be >= 1");
  for (int64_t d : op.dilations) ctx.require(d >= 1, -1, "dilations must be >= 1");
  for (int64_t p : op.pads) ctx.require(p >= 0, -1, "pads must be >= 0");
  ctx.require(op.groups >= 1 && xs[1] % op.groups == 0 && ws[0] % op.groups == 0, op.w,
              "groups = " + std::to_string(op.groups) + " must divide the input and output channels");
  ctx.require(ws[1] * op.groups == xs[1], op.w, "w[1] · groups must equal the input channels " + std::to_string(xs[1]));
  ctx.require(ws[2] >= 1 && ws[3] >= 1, op.w, "kernel dims must be >= 1");
  Conv2dGeometry g{xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], op.strides[0], op.strides[1], op.pads[0], op.pads[1],
                   op.pads[2], op.pads[3], op.dilations[0], op.dilations[1], op.groups, 0, 0};
  ctx.require(computeOutputSize(g), op.w, "the dilated kernel does not fit the padded input");
  const std::vector<int64_t> ys = {g.batch, g.outChannels, g.outHeight, g.outWidth};
  ctx.require(ctx.shape(op.y) == ys, op.y, "y must be [N, M, OH, OW] = [" + std::to_string(ys[0]) + ", " +
                                               std::to_string(ys[1]) + ", " + std::to_string(ys[2]) + ", " +
                                               std::to_string(ys[3]) + "]");
  if (op.b >= 0) ctx.require(ctx.value(op.b).size == g.outChannels, op.b, "the bias must have M elements");
  if (op.residual >= 0) ctx.require(ctx.shape(op.residual) == ys, op.residual, "the residual must have y's shape");
  const std::vector<ConvTactic> valid = validTactics(g);
  ConvTactic tactic = valid.front();
  if (!op.tactic.empty()) {
    bool found = false;
    std::string names;
    for (ConvTactic t : valid) {
      names += std::string(names.empty() ? "" : ", ") + tacticName(t);
      if (op.tactic == tacticName(t)) tactic = t, found = true;
    }
    if (!found) ctx.fail("tactic '" + op.tactic + "' cannot run this convolution", "valid tactics: " + names);
  }
  return std::make_unique<Conv2dKernel>(ctx, g, tactic);
}

}  // namespace kiln::cpu::program
