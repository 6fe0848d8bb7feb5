// conv2d: NCHW convolution with fused bias, residual and activation. Tactics:
//   pointwise_gemm   1×1, stride 1, unpadded: the input planes are the GEMM's B as they are
//   implicit_gemm    any conv: B panels packed straight from the image (no im2col buffer)
//   im2col_gemm      any conv: the im2col matrix is materialized once, then a plain GEMM
//   depthwise_direct one input channel per group: a direct sliding window
//   direct_gemm      the image is copied once with its zero padding (split into one plane per
//                    column phase when strided, so a tap's pixels are contiguous), and the
//                    micro-kernel reads each tap's 16 pixels from it in place (no B packing)
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

constexpr int64_t kDirectKBlock = 192;
constexpr int64_t kDirectMaxOutChannels = 48;

enum class ConvTactic { Pointwise, Implicit, Im2col, Depthwise, Direct };

const char* tacticName(ConvTactic t) {
  switch (t) {
    case ConvTactic::Pointwise: return "pointwise_gemm";
    case ConvTactic::Implicit: return "implicit_gemm";
    case ConvTactic::Im2col: return "im2col_gemm";
    case ConvTactic::Depthwise: return "depthwise_direct";
    case ConvTactic::Direct: return "direct_gemm";
  }
  return "implicit_gemm";
}

std::vector<ConvTactic> validTactics(const Conv2dGeometry& g) {
  std::vector<ConvTactic> t;
  if (g.groupChannels() == 1 && g.groups > 1) t.push_back(ConvTactic::Depthwise);
  const bool pointwise = g.kernelH == 1 && g.kernelW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 &&
                         g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0;
  if (pointwise) t.push_back(ConvTactic::Pointwise);
  // direct_gemm is the default where packing B would cost the most relative to the math: few
  // output channels to share each packed element (DenseNet's 128→32 3×3) or few input channels
  // (an RGB stem), with output rows wide enough to fill 16-pixel tiles.
  const bool directFirst =
      !pointwise && g.outWidth >= 12 && (g.groupOutChannels() <= kDirectMaxOutChannels || g.groupChannels() <= 8);
  if (directFirst) t.push_back(ConvTactic::Direct);
  t.push_back(ConvTactic::Implicit);
  t.push_back(ConvTactic::Im2col);
  if (!directFirst) t.push_back(ConvTactic::Direct);
  return t;
}

class Conv2dKernel final : public OpKernel {
 public:
  Conv2dKernel(const BuildContext& ctx, const Conv2dGeometry& g, ConvTactic tactic)
      : g_(g), tactic_(tactic), op_(ctx.op()) {
    if (tactic_ == ConvTactic::Direct) {
      const int64_t taps = g.kernelH * g.kernelW;
      for (int64_t k = 0; k < g.groupChannels() * taps; ++k) {
        const int64_t c = k / taps, ky = (k % taps) / g.kernelW, kx = k % g.kernelW;
        const int64_t t = kx * g.dilationW, phase = t % g.strideW, shift = t / g.strideW;
        offsets_.push_back(c * paddedPlane() + phase * phasePlane() + ky * g.dilationH * paddedWidth() + shift);
      }
    }
    const float* w = ctx.weightData(op_.w);
    if (w != nullptr && tactic_ != ConvTactic::Depthwise) {
      const int64_t mg = g.groupOutChannels(), kg = g.groupChannels() * g.kernelH * g.kernelW;
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        auto packed = std::make_unique<PackedPanels>(mg, kg, kBlock(kg), kPanelRows);
        packed->packFrom(MatrixView{w + grp * mg * kg, kg, 1});
        packed_.push_back(std::move(packed));
      }
    }
  }

  const char* tactic() const override { return tacticName(tactic_); }
  bool ownsPackedCopy(int64_t id) const override { return id == op_.w && !packed_.empty(); }

  void run(const RunContext& ctx) const override {
    // direct_gemm needs a reduction to read; an empty one (no input channels) is only the
    // epilogue, which the GEMM path below handles.
    if (tactic_ == ConvTactic::Direct && g_.groupChannels() > 0) return runDirect(ctx);
    const float* x = ctx.ptr(op_.x);
    const float* w = ctx.ptr(op_.w);
    const float* bias = op_.b >= 0 ? ctx.ptr(op_.b) : nullptr;
    const float* residual = op_.residual >= 0 ? ctx.ptr(op_.residual) : nullptr;
    float* y = ctx.ptr(op_.y);
    if (tactic_ == ConvTactic::Depthwise) {
      depthwiseConv2d(g_, Conv2dArgs{x, w, bias, residual, y, op_.epilogue});
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
        } else if (tactic_ == ConvTactic::Implicit || tactic_ == ConvTactic::Direct) {
          p.b.im2col = &sources.back();
        } else {
          float* cols = columns + (n * g_.groups + grp) * kg * pixels;
          p.b.lines = MatrixView{cols, 1, pixels};
        }
        p.epilogue.bias = bias != nullptr ? bias + grp * mg : nullptr;
        p.epilogue.biasRowStride = 1;
        p.epilogue.residual = residual != nullptr ? residual + outOffset : nullptr;
        p.epilogue.residualStride = pixels;
        p.epilogue.activation = op_.epilogue;
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

  // direct_gemm reads B rows scattered over the image (one cache line or two per k step), so
  // it uses shallower k-blocks than packed B to keep a tile's B rows in L1.
  int64_t kBlock(int64_t k) const { return tactic_ == ConvTactic::Direct ? chooseKBlock(k, kDirectKBlock) : chooseKBlock(k); }

  // Padded image of the direct tactic, per channel: strideW phase planes (phase p holds padded
  // columns p, p + strideW, …), each paddedHeight rows of paddedWidth floats — 16 floats of
  // slack so a tile's 16-wide reads past the last output column stay inside the buffer.
  int64_t paddedHeight() const { return g_.height + g_.padTop + g_.padBottom; }
  int64_t paddedWidth() const {
    if (flatTiles()) return g_.width + g_.padLeft + g_.padRight;
    return (g_.width + g_.padLeft + g_.padRight + g_.strideW - 1) / g_.strideW + kPanelCols;
  }
  // Stride 1: tiles are 16 consecutive positions of the padded image's rows laid end to end
  // (positions past the output width are computed and dropped), so narrow maps fill tiles too
  // (a 7-wide map wastes 2 of every 9 positions instead of 9 of 16). Strided: 16 pixels of one
  // output row per tile.
  bool flatTiles() const { return g_.strideH == 1 && g_.strideW == 1; }
  int64_t phasePlane() const { return paddedHeight() * paddedWidth(); }
  int64_t paddedPlane() const { return g_.strideW * phasePlane(); }

  void runDirect(const RunContext& ctx) const {
    const float* x = ctx.ptr(op_.x);
    const float* w = ctx.ptr(op_.w);
    const float* bias = op_.b >= 0 ? ctx.ptr(op_.b) : nullptr;
    const float* residual = op_.residual >= 0 ? ctx.ptr(op_.residual) : nullptr;
    float* y = ctx.ptr(op_.y);
    const int64_t cg = g_.groupChannels(), mg = g_.groupOutChannels();
    const int64_t kg = cg * g_.kernelH * g_.kernelW;
    const int64_t pixels = g_.outHeight * g_.outWidth;
    const int64_t items = g_.batch * g_.groups;
    if (items == 0 || mg == 0 || pixels == 0) return;
    const int64_t wp = paddedWidth(), plane = paddedPlane();
    const int64_t planes = g_.batch * g_.channels;
    thread_local AlignedBuffer paddedBuffer;
    float* padded = paddedBuffer.reserve(static_cast<size_t>(planes * plane + kPanelCols));
    // Copy the image into its zero border (and column phases), rows split over the pool.
    const int64_t sw = g_.strideW;
    parallelFor(planes * sw * paddedHeight(), wp, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t py = r % paddedHeight(), phase = (r / paddedHeight()) % sw, p = r / (paddedHeight() * sw);
        float* out = padded + p * plane + phase * phasePlane() + py * wp;
        const int64_t iy = py - g_.padTop;
        if (iy < 0 || iy >= g_.height) {
          std::fill(out, out + wp, 0.0f);
          continue;
        }
        const float* in = x + p * g_.height * g_.width + iy * g_.width;
        if (sw == 1) {
          std::fill(out, out + g_.padLeft, 0.0f);
          std::memcpy(out + g_.padLeft, in, sizeof(float) * static_cast<size_t>(g_.width));
          std::fill(out + g_.padLeft + g_.width, out + wp, 0.0f);
          continue;
        }
        for (int64_t i = 0; i < wp; ++i) {
          const int64_t ix = i * sw + phase - g_.padLeft;
          out[i] = ix >= 0 && ix < g_.width ? in[ix] : 0.0f;
        }
      }
    });
    std::fill(padded + planes * plane, padded + planes * plane + kPanelCols, 0.0f);
    // Units: (image·group, row tile, band of tiles).
    const int threads = ThreadPool::instance().concurrency();
    const int64_t kBlock = this->kBlock(kg);
    const int64_t rowTiles = std::max<int64_t>(1, (mg + 143) / 144);  // ≤ 144 rows, as in the GEMM engine
    const int64_t mc = (mg + rowTiles * kPanelRows - 1) / (rowTiles * kPanelRows) * kPanelRows;
    const bool flat = flatTiles();
    const int64_t perRow = (g_.outWidth + kPanelCols - 1) / kPanelCols;
    // Flat: positions [0, span) hold every output (row oy at oy·wp); the rest is padding.
    const int64_t span = (g_.outHeight - 1) * wp + g_.outWidth;
    const int64_t totalTiles = flat ? (span + kPanelCols - 1) / kPanelCols : g_.outHeight * perRow;
    const int64_t groupsOfRows = items * rowTiles;
    // Bands of at most 16 tiles keep a unit's accumulators and B rows cache-resident.
    int64_t bands = std::max((4 * threads + groupsOfRows - 1) / groupsOfRows, (totalTiles + 15) / 16);
    bands = std::max<int64_t>(1, std::min(bands, totalTiles));
    int64_t bandTiles = (totalTiles + bands - 1) / bands;
    bands = (totalTiles + bandTiles - 1) / bandTiles;
    // Few units: make their count a multiple of the threads so none idles at the end.
    while ((groupsOfRows * bands) % threads != 0 && groupsOfRows * bands < 8 * threads && bandTiles > 1) {
      --bandTiles;
      bands = (totalTiles + bandTiles - 1) / bandTiles;
    }
    OffsetTileKernel byRows[kPanelRows + 1] = {};
    for (int64_t r = 1; r <= kPanelRows; ++r) byRows[r] = activeOffsetTileKernelForRows(r);
    ThreadPool::instance().parallelFor(groupsOfRows * bands, 1, [&](int64_t begin, int64_t end) {
      thread_local AlignedBuffer packedA, accBuffer;
      for (int64_t u = begin; u < end; ++u) {
        const int64_t item = u / (rowTiles * bands), rt = (u / bands) % rowTiles, band = u % bands;
        const int64_t n = item / g_.groups, grp = item % g_.groups;
        const int64_t i0 = rt * mc, rows = std::min(mc, mg - i0);
        if (rows <= 0) continue;
        const int64_t t0 = band * bandTiles, t1 = std::min(totalTiles, t0 + bandTiles);
        const float* image = padded + (n * g_.channels + grp * cg) * plane;
        const int64_t outOffset = (n * g_.outChannels + grp * mg) * pixels;
        GemmEpilogue e;
        e.bias = bias != nullptr ? bias + grp * mg : nullptr;
        e.biasRowStride = 1;
        e.residual = residual != nullptr ? residual + outOffset : nullptr;
        e.residualStride = pixels;
        e.activation = op_.epilogue;
        const int64_t tiles = t1 - t0;
        const int64_t ldAcc = tiles * kPanelCols;
        const int64_t rowsPad = (rows + kPanelRows - 1) / kPanelRows * kPanelRows;
        float* acc = kg > kBlock ? accBuffer.reserve(static_cast<size_t>(rowsPad * ldAcc)) : nullptr;
        for (int64_t k0 = 0; k0 < kg; k0 += kBlock) {
          const int64_t kcb = std::min(kBlock, kg - k0);
          const bool first = k0 == 0, last = k0 + kcb >= kg;
          const float* pa;
          if (!packed_.empty()) {
            pa = packed_[static_cast<size_t>(grp)]->block(i0, k0, kcb);
          } else {
            float* buf = packedA.reserve(static_cast<size_t>(rowsPad * kcb));
            packLines(MatrixView{w + grp * mg * kg, kg, 1}, i0, rows, k0, kcb, kPanelRows, buf);
            pa = buf;
          }
          const int64_t* offs = offsets_.data() + k0;
          for (int64_t t = t0; t < t1; ++t) {
            // The tile's first output (oy, ox0), its padded-image base, and whether its 16
            // positions are 16 consecutive outputs of one row (then y is written directly).
            int64_t oy, ox0;
            const float* base;
            bool contiguous;
            int64_t cols;
            if (flat) {
              oy = (t * kPanelCols) / wp, ox0 = (t * kPanelCols) % wp;
              base = image + t * kPanelCols;
              cols = kPanelCols;
              contiguous = ox0 + kPanelCols <= g_.outWidth;
            } else {
              oy = t / perRow, ox0 = (t % perRow) * kPanelCols;
              base = image + oy * g_.strideH * wp + ox0;
              cols = std::min(kPanelCols, g_.outWidth - ox0);
              contiguous = true;
            }
            for (int64_t ip = 0; ip < rows; ip += kPanelRows) {
              // A last panel with fewer live rows computes only those (in every k-block alike).
              const OffsetTileKernel kernel = byRows[std::min(kPanelRows, rows - ip)];
              const float* aPanel = pa + (ip / kPanelRows) * kcb * kPanelRows;
              float* partial = acc != nullptr ? acc + ip * ldAcc + (t - t0) * kPanelCols : nullptr;
              const float* accIn = first ? nullptr : partial;
              if (!last) {
                kernel(kcb, aPanel, base, offs, accIn, ldAcc, partial, ldAcc, kPanelRows, kPanelCols, nullptr);
                continue;
              }
              const int64_t tileRows = std::min(kPanelRows, rows - ip);
              float* yRows = y + outOffset + (i0 + ip) * pixels;
              if (contiguous) {
                const int64_t j = oy * g_.outWidth + ox0;
                const TileEpilogue te = tileEpilogueAt(e, i0 + ip, j);
                if (kernel(kcb, aPanel, base, offs, accIn, ldAcc, yRows + j, pixels, tileRows, cols, &te)) continue;
              }
              alignas(64) float tile[kPanelRows * kPanelCols];
              kernel(kcb, aPanel, base, offs, accIn, ldAcc, tile, kPanelCols, kPanelRows, kPanelCols, nullptr);
              if (contiguous) {
                const int64_t j = oy * g_.outWidth + ox0;
                applyTileEpilogue(tileEpilogueAt(e, i0 + ip, j), tileRows, cols, tile, kPanelCols, yRows + j, pixels);
                continue;
              }
              // A flat tile across a row end: finish each run of real outputs on its own.
              for (int64_t c = 0; c < kPanelCols;) {
                const int64_t pos = t * kPanelCols + c;
                if (pos >= span) break;
                const int64_t ry = pos / wp, rx = pos % wp;
                if (rx >= g_.outWidth) {
                  c += wp - rx;  // skip the padding positions up to the next row
                  continue;
                }
                const int64_t len = std::min(kPanelCols - c, g_.outWidth - rx);
                const int64_t j = ry * g_.outWidth + rx;
                applyTileEpilogue(tileEpilogueAt(e, i0 + ip, j), tileRows, len, tile + c, kPanelCols, yRows + j, pixels);
                c += len;
              }
            }
          }
        }
      }
    });
  }

  Conv2dGeometry g_;
  ConvTactic tactic_;
  OpSpec op_;
  std::vector<std::unique_ptr<PackedPanels>> packed_;
  std::vector<int64_t> offsets_;  // direct_gemm: row k of the im2col matrix → offset in the padded image
};

}  // namespace

KILN_CPU_KERNEL(conv2d) {
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
