// deconv2d: ONNX ConvTranspose in NCHW, w [C, M/groups, kH, kW], with fused bias and activation.
// Tactic depthwise_direct (one input channel per group, the default there): each output plane
// is its bias plus every tap's weight times the shifted input plane — a GEMM with k = 1 would
// only add packing and a column buffer.
// Tactic gemm_col2im, one image at a time:
//   1. per group, columns[(m, ky, kx), pixel] = Σ_c w[c, m, ky, kx] · x[c, pixel] — a GEMM with
//      A = the group's weights transposed (prepacked once when w is a weight) and B = the
//      group's input planes read in place;
//   2. col2im: each output plane starts at its bias and gathers every tap's row of columns,
//      shifted by stride, dilation and padding (planes are independent, so the scatter-add
//      needs no atomics and the result does not depend on the thread count);
//   3. the activation over the finished plane.
#include <algorithm>
#include <string>

#include "activation_span.h"
#include "kiln/aligned_buffer.h"
#include "packed_gemm.h"
#include "program_op.h"

namespace kiln::cpu::program {
namespace {

struct DeconvGeometry {
  int64_t batch, channels, height, width;
  int64_t outChannels, kernelH, kernelW;
  int64_t strideH, strideW, padTop, padLeft, dilationH, dilationW, groups;
  int64_t outHeight, outWidth;

  int64_t groupChannels() const { return channels / groups; }
  int64_t groupOutChannels() const { return outChannels / groups; }
  int64_t taps() const { return kernelH * kernelW; }
  // GEMM rows per group: one per (output channel, tap).
  int64_t groupRows() const { return groupOutChannels() * taps(); }
  int64_t inPlane() const { return height * width; }
  int64_t outPlane() const { return outHeight * outWidth; }
};

// Input positions i in [0, size) whose output i·stride + offset lands in [0, limit).
inline void validInputs(int64_t offset, int64_t stride, int64_t limit, int64_t size, int64_t& lo, int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int64_t room = limit - offset;  // need i·stride < room
  hi = room <= 0 ? 0 : std::min(size, (room + stride - 1) / stride);
}

class Deconv2dKernel final : public OpKernel {
 public:
  Deconv2dKernel(const BuildContext& ctx, const DeconvGeometry& g, bool direct) : g_(g), op_(ctx.op()), direct_(direct) {
    const float* w = ctx.weightData(op_.w);
    if (direct_ || w == nullptr || g.groupRows() == 0 || g.groupChannels() == 0) return;
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      auto packed = std::make_unique<PackedPanels>(g.groupRows(), g.groupChannels(), chooseKBlock(g.groupChannels()), kPanelRows);
      packed->packFrom(weightsTransposed(w, grp));
      packed_.push_back(std::move(packed));
    }
  }

  const char* tactic() const override { return direct_ ? "depthwise_direct" : "gemm_col2im"; }
  bool ownsPackedCopy(int64_t id) const override { return id == op_.w && !packed_.empty(); }

  void run(const RunContext& ctx) const override {
    const float* x = ctx.ptr(op_.x);
    const float* w = ctx.ptr(op_.w);
    const float* bias = op_.b >= 0 ? ctx.ptr(op_.b) : nullptr;
    float* y = ctx.ptr(op_.y);
    const int64_t rows = g_.groupRows(), cg = g_.groupChannels(), inPlane = g_.inPlane();
    // gemm_col2im skips the GEMM when nothing reaches y (no input pixels or channels): y is
    // then the bias alone.
    const bool gemm = !direct_ && rows > 0 && cg > 0 && inPlane > 0;
    float* columns = nullptr;
    if (gemm) {
      thread_local AlignedBuffer columnBuffer;
      columns = columnBuffer.reserve(static_cast<size_t>(g_.groups * rows * inPlane));
    }
    for (int64_t n = 0; n < g_.batch; ++n) {
      if (gemm) {
        std::vector<GemmProblem> problems;
        for (int64_t grp = 0; grp < g_.groups; ++grp) {
          const float* image = x + (n * g_.channels + grp * cg) * inPlane;
          GemmProblem p{rows, inPlane, cg, {}, {}, columns + grp * rows * inPlane, inPlane, {}};
          if (!packed_.empty()) p.a.packed = packed_[static_cast<size_t>(grp)].get();
          else p.a.lines = weightsTransposed(w, grp);
          p.b.lines = MatrixView{image, 1, inPlane};
          problems.push_back(p);
        }
        runGemms(problems);
      }
      float* image = y + n * g_.outChannels * g_.outPlane();
      parallelFor(g_.outChannels, std::max<int64_t>(g_.taps() * inPlane, g_.outPlane()), [&](int64_t begin, int64_t end) {
        for (int64_t m = begin; m < end; ++m) {
          float* out = image + m * g_.outPlane();
          std::fill(out, out + g_.outPlane(), bias != nullptr ? bias[m] : 0.0f);
          if (gemm) gatherColumns(m, columns, out);
          if (direct_) scatterDirect(n, m, x, w, out);
          activateSpan(op_.epilogue, out, g_.outPlane());
        }
      });
    }
  }

 private:
  // The group's weights [cg, rows] read as A = their transpose [rows, cg].
  MatrixView weightsTransposed(const float* w, int64_t grp) const {
    return MatrixView{w + grp * g_.groupChannels() * g_.groupRows(), 1, g_.groupRows()};
  }

  // Adds scale · plane (an [H, W] map) at tap (ky, kx)'s output positions of `out`.
  void addTap(int64_t ky, int64_t kx, const float* plane, float scale, float* out) const {
    const int64_t offY = ky * g_.dilationH - g_.padTop, offX = kx * g_.dilationW - g_.padLeft, sw = g_.strideW;
    int64_t y0, y1, x0, x1;
    validInputs(offY, g_.strideH, g_.outHeight, g_.height, y0, y1);
    validInputs(offX, sw, g_.outWidth, g_.width, x0, x1);
    if (x0 >= x1) return;
    const int64_t count = x1 - x0;
    for (int64_t iy = y0; iy < y1; ++iy) {
      const float* src = plane + iy * g_.width + x0;
      float* dst = out + (iy * g_.strideH + offY) * g_.outWidth + x0 * sw + offX;
      if (sw == 1) {
        for (int64_t j = 0; j < count; ++j) dst[j] += scale * src[j];
      } else {
        for (int64_t j = 0; j < count; ++j) dst[j * sw] += scale * src[j];
      }
    }
  }

  // gemm_col2im: output plane m gathers its taps' rows of the column matrix.
  void gatherColumns(int64_t m, const float* columns, float* out) const {
    const int64_t grp = m / g_.groupOutChannels(), mi = m % g_.groupOutChannels();
    const float* tapRows = columns + (grp * g_.groupRows() + mi * g_.taps()) * g_.inPlane();
    for (int64_t ky = 0; ky < g_.kernelH; ++ky)
      for (int64_t kx = 0; kx < g_.kernelW; ++kx) addTap(ky, kx, tapRows + (ky * g_.kernelW + kx) * g_.inPlane(), 1.0f, out);
  }

  // depthwise_direct: output plane m of image n adds each tap's weight times its group's input planes.
  void scatterDirect(int64_t n, int64_t m, const float* x, const float* w, float* out) const {
    const int64_t cg = g_.groupChannels(), grp = m / g_.groupOutChannels(), mi = m % g_.groupOutChannels();
    for (int64_t c = grp * cg; c < (grp + 1) * cg; ++c) {
      const float* plane = x + (n * g_.channels + c) * g_.inPlane();
      const float* taps = w + (c * g_.groupOutChannels() + mi) * g_.taps();
      for (int64_t ky = 0; ky < g_.kernelH; ++ky)
        for (int64_t kx = 0; kx < g_.kernelW; ++kx) addTap(ky, kx, plane, taps[ky * g_.kernelW + kx], out);
    }
  }

  DeconvGeometry g_;
  OpSpec op_;
  bool direct_;
  std::vector<std::unique_ptr<PackedPanels>> packed_;
};

std::string shapeList(const std::vector<int64_t>& s) {
  std::string t = "[";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

}  // namespace

KILN_CPU_KERNEL(deconv2d) {
  const OpSpec& op = ctx.op();
  ctx.require(op.x >= 0 && op.w >= 0, -1, "needs x and w");
  const auto& xs = ctx.shape(op.x);
  const auto& ws = ctx.shape(op.w);
  const auto& ys = ctx.shape(op.y);
  ctx.require(xs.size() == 4, op.x, "x must be [N, C, H, W]");
  ctx.require(ws.size() == 4, op.w, "w must be [C, M/groups, kH, kW]");
  ctx.require(op.strides.size() == 2 && op.pads.size() == 4 && op.dilations.size() == 2, -1,
              "needs strides [2], pads [4] and dilations [2]");
  for (int64_t s : op.strides) ctx.require(s >= 1, -1, "strides must be >= 1");
  for (int64_t d : op.dilations) ctx.require(d >= 1, -1, "dilations must be >= 1");
  for (int64_t p : op.pads) ctx.require(p >= 0, -1, "pads must be >= 0");
  ctx.require(op.groups >= 1 && xs[1] % op.groups == 0, op.x, "groups = " + std::to_string(op.groups) + " must divide the input channels");
  ctx.require(ws[0] == xs[1], op.w, "w[0] must equal the input channels " + std::to_string(xs[1]));
  ctx.require(ws[2] >= 1 && ws[3] >= 1, op.w, "kernel dims must be >= 1");
  DeconvGeometry g{xs[0], xs[1], xs[2], xs[3], ws[1] * op.groups, ws[2], ws[3], op.strides[0], op.strides[1], op.pads[0],
                   op.pads[1], op.dilations[0], op.dilations[1], op.groups, 0, 0};
  ctx.require(ys.size() == 4 && ys[0] == g.batch && ys[1] == g.outChannels, op.y,
              "y must be [N, M, OH, OW] with N = " + std::to_string(g.batch) + " and M = w[1] · groups = " +
                  std::to_string(g.outChannels));
  // y's spatial size is the natural one plus any output padding (never less).
  for (int d = 0; d < 2; ++d) {
    const int64_t natural = (xs[2 + d] - 1) * op.strides[d] - op.pads[d] - op.pads[d + 2] + op.dilations[d] * (ws[2 + d] - 1) + 1;
    ctx.require(ys[2 + d] >= 1 && ys[2 + d] >= natural, op.y,
                std::string(d == 0 ? "OH" : "OW") + " must be at least 1 and at least the deconvolution's size " +
                    std::to_string(natural) + " (more is output padding); x " + shapeList(xs) + ", w " + shapeList(ws));
  }
  g.outHeight = ys[2], g.outWidth = ys[3];
  if (op.b >= 0) ctx.require(ctx.value(op.b).size == g.outChannels, op.b, "the bias must have M elements");
  // Same order as nativeProgramTactics in program-tactics.ts (first = default).
  const bool depthwise = g.groupChannels() == 1;
  const std::string valid = depthwise ? "depthwise_direct, gemm_col2im" : "gemm_col2im";
  bool direct = depthwise;
  if (!op.tactic.empty()) {
    if (op.tactic == "gemm_col2im") direct = false;
    else if (!(depthwise && op.tactic == "depthwise_direct"))
      ctx.fail("tactic '" + op.tactic + "' cannot run this transposed convolution", "valid tactics: " + valid);
  }
  return std::make_unique<Deconv2dKernel>(ctx, g, direct);
}

}  // namespace kiln::cpu::program
