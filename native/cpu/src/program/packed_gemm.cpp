#include "packed_gemm.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "../cpu_features.h"
#include "../micro_kernel.h"
#include "../thread_pool.h"
#include "kiln/aligned_buffer.h"

namespace kiln::cpu::program {

#if defined(__x86_64__)
bool tileKernelAvx2(int64_t kc, const float* a, const float* b, const float* accIn, int64_t ldIn, float* out,
                    int64_t ldOut, int64_t rows, int64_t cols, const TileEpilogue* epilogue);
TileKernel tailTileKernelAvx2For(int64_t rows);
OffsetTileKernel tailOffsetTileKernelAvx2For(int64_t rows);
bool halfTileKernelAvx2(int64_t kc, const float* a, const float* b, const float* accIn, int64_t ldIn, float* out,
                        int64_t ldOut, int64_t rows, int64_t cols, const TileEpilogue* epilogue);
bool offsetTileKernelAvx2(int64_t kc, const float* a, const float* base, const int64_t* offsets, const float* accIn,
                          int64_t ldIn, float* out, int64_t ldOut, int64_t rows, int64_t cols, const TileEpilogue* epilogue);
#endif

namespace {

constexpr int64_t kUnitRows = 144;  // an A block of 144 × kc stays in L2 while B panels stream
constexpr int64_t kUnitCols = 256;

int64_t roundUp(int64_t v, int64_t m) { return (v + m - 1) / m * m; }
int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

bool useAvx2() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpuFeatures();
  // The portable path stays reachable for tests through setMicroKernel('generic').
  return f.avx2 && f.fma && std::strcmp(activeMicroKernelName(), "avx2_fma") == 0;
#else
  return false;
#endif
}

bool tileKernelGeneric(int64_t kc, const float* a, const float* b, const float* accIn, int64_t ldIn, float* out,
                       int64_t ldOut, int64_t, int64_t, const TileEpilogue* epilogue) {
  if (epilogue != nullptr) return false;  // the caller finishes with applyTileEpilogue
  alignas(64) float tile[kMr * kNr];
  microKernelGeneric(kc, a, b, tile);
  for (int64_t i = 0; i < kPanelRows; ++i) {
    float* row = out + i * ldOut;
    const float* t = tile + i * kPanelCols;
    const float* in = accIn != nullptr ? accIn + i * ldIn : nullptr;
    for (int64_t j = 0; j < kPanelCols; ++j) row[j] = in != nullptr ? in[j] + t[j] : t[j];
  }
  return true;
}

// Portable: gathers the 16-wide B panel, then runs the packed kernel.
bool offsetTileKernelGeneric(int64_t kc, const float* a, const float* base, const int64_t* offsets, const float* accIn,
                             int64_t ldIn, float* out, int64_t ldOut, int64_t rows, int64_t cols, const TileEpilogue* epilogue) {
  if (epilogue != nullptr) return false;
  thread_local std::vector<float> panel;
  panel.resize(static_cast<size_t>(kc * kPanelCols));
  for (int64_t k = 0; k < kc; ++k)
    for (int64_t j = 0; j < kPanelCols; ++j) panel[static_cast<size_t>(k * kPanelCols + j)] = base[offsets[k] + j];
  return tileKernelGeneric(kc, a, panel.data(), accIn, ldIn, out, ldOut, rows, cols, nullptr);
}

// The epilogue of the tile whose top-left element is (i, j).
TileEpilogue tileEpilogue(const GemmEpilogue& e, int64_t i, int64_t j) {
  TileEpilogue t{e.alpha, e.beta, nullptr, e.biasRowStride, e.biasColStride, nullptr, e.residualStride, e.activation};
  if (e.bias != nullptr) t.bias = e.bias + i * e.biasRowStride + j * e.biasColStride;
  if (e.residual != nullptr) t.residual = e.residual + i * e.residualStride + j;
  return t;
}

// Output positions of one B block: each run of columns that stays in one output row and one panel.
struct Im2colRun {
  int64_t dstOffset;  // panel base + column within the panel
  int64_t count;
  int64_t iyBase;     // oy·strideH − padTop
  int64_t ixBase;     // ox0·strideW − padLeft
};

// The packing loop, inlined into a portable and an AVX2-compiled entry point below.
[[gnu::always_inline]] inline void packIm2colBody(const Im2colBSource& s, int64_t k0, int64_t kc, int64_t j0, int64_t nc,
                                                  float* dst, std::vector<Im2colRun>& runs) {
  runs.clear();
  int64_t oy = j0 / s.outWidth, ox = j0 % s.outWidth;
  for (int64_t p = 0; p < nc;) {
    const int64_t panel = p / kPanelCols, within = p % kPanelCols;
    const int64_t count = std::min({kPanelCols - within, s.outWidth - ox, nc - p});
    runs.push_back({panel * kc * kPanelCols + within, count, oy * s.strideH - s.padTop, ox * s.strideW - s.padLeft});
    p += count;
    ox += count;
    if (ox == s.outWidth) ox = 0, ++oy;
  }
  // Zero the padding columns of the last panel once per row below.
  const int64_t tailStart = nc % kPanelCols, tailPanel = nc / kPanelCols;
  const int64_t taps = s.kernelH * s.kernelW;
  // (channel, ky, kx) of row k0, then advanced incrementally (no divisions per row).
  int64_t channel = k0 / taps, ky = (k0 % taps) / s.kernelW, kx = k0 % s.kernelW;
  const int64_t sw = s.strideW;
  for (int64_t k = 0; k < kc; ++k) {
    const float* plane = s.image + channel * s.height * s.width;
    const int64_t dy = ky * s.dilationH, dx = kx * s.dilationW;
    float* dstRow = dst + k * kPanelCols;
    for (const Im2colRun& r : runs) {
      float* out = dstRow + r.dstOffset;
      const int64_t iy = r.iyBase + dy;
      if (iy < 0 || iy >= s.height) {
        for (int64_t j = 0; j < r.count; ++j) out[j] = 0.0f;
        continue;
      }
      const float* src = plane + iy * s.width;
      const int64_t ix0 = r.ixBase + dx;
      if (sw == 1 && ix0 >= 0 && ix0 + r.count <= s.width) {
        // The common case: one contiguous span of the input row.
        const float* in = src + ix0;
        if (r.count == kPanelCols) {
          for (int64_t j = 0; j < kPanelCols; ++j) out[j] = in[j];
        } else {
          for (int64_t j = 0; j < r.count; ++j) out[j] = in[j];
        }
        continue;
      }
      // Columns j in [lo, hi) read the image (0 <= ix0 + j·sw < width); the rest are padding.
      const int64_t lo = ix0 >= 0 ? 0 : std::min((-ix0 + sw - 1) / sw, r.count);
      const int64_t hi = s.width - ix0 <= 0 ? lo : std::max(lo, std::min((s.width - ix0 + sw - 1) / sw, r.count));
      for (int64_t j = 0; j < lo; ++j) out[j] = 0.0f;
      if (sw == 1) {
        for (int64_t j = lo; j < hi; ++j) out[j] = src[ix0 + j];
      } else {
        for (int64_t j = lo; j < hi; ++j) out[j] = src[ix0 + j * sw];
      }
      for (int64_t j = hi; j < r.count; ++j) out[j] = 0.0f;
    }
    if (tailStart != 0) {
      float* out = dstRow + tailPanel * kc * kPanelCols;
      for (int64_t j = tailStart; j < kPanelCols; ++j) out[j] = 0.0f;
    }
    if (++kx == s.kernelW) {
      kx = 0;
      if (++ky == s.kernelH) ky = 0, ++channel;
    }
  }
}

void packIm2colGeneric(const Im2colBSource& s, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float* dst,
                       std::vector<Im2colRun>& runs) {
  packIm2colBody(s, k0, kc, j0, nc, dst, runs);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void packIm2colAvx2(const Im2colBSource& s, int64_t k0, int64_t kc, int64_t j0,
                                                        int64_t nc, float* dst, std::vector<Im2colRun>& runs) {
  packIm2colBody(s, k0, kc, j0, nc, dst, runs);
}
#endif

void packIm2col(const Im2colBSource& s, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float* dst,
                std::vector<Im2colRun>& runs) {
#if defined(__x86_64__)
  static const bool avx2 = cpuFeatures().avx2 && cpuFeatures().fma;
  if (avx2) return packIm2colAvx2(s, k0, kc, j0, nc, dst, runs);
#endif
  packIm2colGeneric(s, k0, kc, j0, nc, dst, runs);
}

struct UnitPlan {
  int64_t mc, nc, tilesM, tilesN, kc;
  int64_t units() const { return tilesM * tilesN; }
};

// Tiles of at most kUnitRows × kUnitCols, split further until every thread gets an equal share
// (a batch-1 7×7 layer has one column tile, so its rows are split instead).
UnitPlan planUnits(int64_t m, int64_t n, int64_t k, int threads, int64_t problems) {
  UnitPlan p{};
  p.kc = chooseKBlock(k);
  if (m <= 0 || n <= 0) {
    // An empty output has no units (tiles 0 × 0); nothing below may divide by its extents.
    p.mc = kPanelRows;
    p.nc = kPanelCols;
    return p;
  }
  p.tilesM = ceilDiv(m, kUnitRows);
  p.tilesN = ceilDiv(n, kUnitCols);
  for (int guard = 0; guard < 64; ++guard) {
    const int64_t total = p.tilesM * p.tilesN * problems;
    if (threads <= 1 || total >= 16 * threads || total % threads == 0) break;
    const int64_t colsPerTile = ceilDiv(n, p.tilesN), rowsPerTile = ceilDiv(m, p.tilesM);
    // Prefer more column tiles: each row tile repacks B, each column tile only re-reads A.
    if (colsPerTile > 48) ++p.tilesN;
    else if (rowsPerTile > 12) ++p.tilesM;
    else if (colsPerTile > 16) ++p.tilesN;
    else break;
  }
  p.mc = roundUp(ceilDiv(m, p.tilesM), kPanelRows);
  p.nc = roundUp(ceilDiv(n, p.tilesN), kPanelCols);
  p.tilesM = ceilDiv(m, p.mc);
  p.tilesN = ceilDiv(n, p.nc);
  return p;
}

struct ThreadScratch {
  AlignedBuffer a, b, acc;
  std::vector<Im2colRun> runs;
};

struct Kernels {
  TileKernel full, half, byRows[kPanelRows + 1];
};

void runUnit(const GemmProblem& g, const UnitPlan& plan, int64_t unit, const Kernels& kernels, ThreadScratch& s) {
  const int64_t i0 = (unit / plan.tilesN) * plan.mc, j0 = (unit % plan.tilesN) * plan.nc;
  const int64_t mc = std::min(plan.mc, g.m - i0), nc = std::min(plan.nc, g.n - j0);
  const int64_t mcPad = roundUp(mc, kPanelRows), ncPad = roundUp(nc, kPanelCols);
  if (g.k == 0) {
    float* zeros = s.acc.reserve(static_cast<size_t>(mcPad * ncPad));
    std::fill(zeros, zeros + mcPad * ncPad, 0.0f);
    applyTileEpilogue(tileEpilogue(g.epilogue, i0, j0), mc, nc, zeros, ncPad, g.y + i0 * g.ldy + j0, g.ldy);
    return;
  }
  // Partial sums of earlier k-blocks live in a unit-sized buffer; one k-block needs none.
  float* acc = g.k > plan.kc ? s.acc.reserve(static_cast<size_t>(mcPad * ncPad)) : nullptr;
  alignas(64) float tile[kPanelRows * kPanelCols];
  for (int64_t k0 = 0; k0 < g.k; k0 += plan.kc) {
    const int64_t kcb = std::min(plan.kc, g.k - k0);
    const bool first = k0 == 0, last = k0 + kcb >= g.k;
    const float* pa;
    if (g.a.packed != nullptr) {
      pa = g.a.packed->block(i0, k0, kcb);
    } else {
      float* buf = s.a.reserve(static_cast<size_t>(mcPad * kcb));
      packLines(g.a.lines, i0, mc, k0, kcb, kPanelRows, buf);
      pa = buf;
    }
    const float* pb;
    if (g.b.packed != nullptr) {
      pb = g.b.packed->block(j0, k0, kcb);
    } else {
      float* buf = s.b.reserve(static_cast<size_t>(ncPad * kcb));
      if (g.b.im2col != nullptr) packIm2col(*g.b.im2col, k0, kcb, j0, nc, buf, s.runs);
      else packLines(g.b.lines, j0, nc, k0, kcb, kPanelCols, buf);
      pb = buf;
    }
    for (int64_t jp = 0; jp < nc; jp += kPanelCols) {
      const float* bPanel = pb + (jp / kPanelCols) * kcb * kPanelCols;
      const bool halfPanel = nc - jp <= kPanelCols / 2;
      for (int64_t ip = 0; ip < mc; ip += kPanelRows) {
        // Same choice in every k-block: partial sums hold only the rows and columns computed.
        const TileKernel kernel = halfPanel ? kernels.half : kernels.byRows[std::min(kPanelRows, mc - ip)];
        const float* aPanel = pa + (ip / kPanelRows) * kcb * kPanelRows;
        float* partial = acc != nullptr ? acc + ip * ncPad + jp : nullptr;
        const float* accIn = first ? nullptr : partial;
        if (!last) {
          kernel(kcb, aPanel, bPanel, accIn, ncPad, partial, ncPad, kPanelRows, kPanelCols, nullptr);
          continue;
        }
        const int64_t rows = std::min(kPanelRows, mc - ip), cols = std::min(kPanelCols, nc - jp);
        const TileEpilogue te = tileEpilogue(g.epilogue, i0 + ip, j0 + jp);
        float* dst = g.y + (i0 + ip) * g.ldy + j0 + jp;
        if (!kernel(kcb, aPanel, bPanel, accIn, ncPad, dst, g.ldy, rows, cols, &te)) {
          kernel(kcb, aPanel, bPanel, accIn, ncPad, tile, kPanelCols, kPanelRows, kPanelCols, nullptr);
          applyTileEpilogue(te, rows, cols, tile, kPanelCols, dst, g.ldy);
        }
      }
    }
  }
}

}  // namespace

int64_t chooseKBlock(int64_t k, int64_t maxBlock) {
  if (k <= maxBlock) return std::max<int64_t>(k, 1);
  return ceilDiv(k, ceilDiv(k, maxBlock));
}

PackedPanels::PackedPanels(int64_t count, int64_t k, int64_t kBlock, int64_t width)
    : count_(count), k_(k), kBlock_(kBlock), width_(width), padded_(roundUp(std::max<int64_t>(count, 1), width)) {
  const size_t bytes = roundUp(static_cast<int64_t>(std::max<int64_t>(padded_ * std::max<int64_t>(k, 1), 16) * sizeof(float)), 64);
  data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
  if (!data_) throw std::bad_alloc();
}

PackedPanels::PackedPanels(int64_t count, int64_t k, int64_t kBlock, int64_t width, float* storage)
    : count_(count), k_(k), kBlock_(kBlock), width_(width), padded_(roundUp(std::max<int64_t>(count, 1), width)),
      data_(storage, PanelStorageFree{false}) {}

int64_t PackedPanels::floatsNeeded(int64_t count, int64_t k, int64_t width) {
  return roundUp(std::max<int64_t>(count, 1), width) * std::max<int64_t>(k, 1) + 16;
}

void PackedPanels::packFrom(const MatrixView& lines) {
  for (int64_t k0 = 0; k0 < k_; k0 += kBlock_) {
    const int64_t kcb = std::min(kBlock_, k_ - k0);
    packLines(lines, 0, count_, k0, kcb, width_, data_.get() + k0 * padded_);
  }
}

namespace {

// The packing loop, inlined into a portable and an AVX2-compiled entry point.
[[gnu::always_inline]] inline void packLinesBody(const MatrixView& lines, int64_t l0, int64_t count, int64_t k0,
                                                 int64_t kcb, int64_t width, float* dst) {
  for (int64_t p = 0; p < count; p += width) {
    const int64_t n = std::min(width, count - p);
    float* panel = dst + (p / width) * kcb * width;
    const float* base = lines.data + (l0 + p) * lines.rowStride + k0 * lines.colStride;
    if (lines.rowStride == 1) {
      // Lines adjacent in memory (row-major B seen as columns): copy `n` floats per k, with a
      // fixed-size loop for full B panels (two vector moves instead of a memcpy call).
      if (n == kPanelCols && width == kPanelCols) {
        for (int64_t k = 0; k < kcb; ++k) {
          const float* in = base + k * lines.colStride;
          float* out = panel + k * kPanelCols;
          for (int64_t l = 0; l < kPanelCols; ++l) out[l] = in[l];
        }
        continue;
      }
      for (int64_t k = 0; k < kcb; ++k) {
        float* out = panel + k * width;
        const float* in = base + k * lines.colStride;
        for (int64_t l = 0; l < n; ++l) out[l] = in[l];
        for (int64_t l = n; l < width; ++l) out[l] = 0.0f;
      }
    } else {
      // Each line contiguous along k (row-major A): read lines, scatter with stride `width`.
      for (int64_t l = 0; l < n; ++l) {
        const float* src = base + l * lines.rowStride;
        if (lines.colStride == 1) {
          for (int64_t k = 0; k < kcb; ++k) panel[k * width + l] = src[k];
        } else {
          for (int64_t k = 0; k < kcb; ++k) panel[k * width + l] = src[k * lines.colStride];
        }
      }
      for (int64_t l = n; l < width; ++l)
        for (int64_t k = 0; k < kcb; ++k) panel[k * width + l] = 0.0f;
    }
  }
}

void packLinesGeneric(const MatrixView& lines, int64_t l0, int64_t count, int64_t k0, int64_t kcb, int64_t width,
                      float* dst) {
  packLinesBody(lines, l0, count, k0, kcb, width, dst);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void packLinesAvx2(const MatrixView& lines, int64_t l0, int64_t count, int64_t k0,
                                                       int64_t kcb, int64_t width, float* dst) {
  packLinesBody(lines, l0, count, k0, kcb, width, dst);
}
#endif

}  // namespace

void packLines(const MatrixView& lines, int64_t l0, int64_t count, int64_t k0, int64_t kcb, int64_t width, float* dst) {
#if defined(__x86_64__)
  static const bool avx2 = cpuFeatures().avx2 && cpuFeatures().fma;
  if (avx2) return packLinesAvx2(lines, l0, count, k0, kcb, width, dst);
#endif
  packLinesGeneric(lines, l0, count, k0, kcb, width, dst);
}

TileEpilogue tileEpilogueAt(const GemmEpilogue& e, int64_t i, int64_t j) { return tileEpilogue(e, i, j); }

TileKernel activeHalfTileKernel() {
#if defined(__x86_64__)
  if (useAvx2()) return halfTileKernelAvx2;
#endif
  return tileKernelGeneric;
}

TileKernel activeTileKernelForRows(int64_t rows) {
#if defined(__x86_64__)
  if (useAvx2()) return tailTileKernelAvx2For(rows);
#endif
  return tileKernelGeneric;
}

OffsetTileKernel activeOffsetTileKernelForRows(int64_t rows) {
#if defined(__x86_64__)
  if (useAvx2()) return tailOffsetTileKernelAvx2For(rows);
#endif
  return offsetTileKernelGeneric;
}

OffsetTileKernel activeOffsetTileKernel() {
#if defined(__x86_64__)
  if (useAvx2()) return offsetTileKernelAvx2;
#endif
  return offsetTileKernelGeneric;
}

TileKernel activeTileKernel() {
#if defined(__x86_64__)
  if (useAvx2()) return tileKernelAvx2;
#endif
  return tileKernelGeneric;
}

void applyTileEpilogue(const TileEpilogue& e, int64_t rows, int64_t cols, const float* acc, int64_t ldAcc, float* dst,
                       int64_t ldDst) {
  for (int64_t i = 0; i < rows; ++i) {
    const float* in = acc + i * ldAcc;
    float* out = dst + i * ldDst;
    const float* res = e.residual != nullptr ? e.residual + i * e.residualStride : nullptr;
    const float* bias = e.bias != nullptr ? e.bias + i * e.biasRowStride : nullptr;
    for (int64_t j = 0; j < cols; ++j) {
      float v = e.alpha * in[j];
      if (bias != nullptr) v += e.beta * bias[j * e.biasColStride];
      if (res != nullptr) v += res[j];
      out[j] = applyActivation(e.activation, v);
    }
  }
}

void runGemms(const std::vector<GemmProblem>& input) {
  if (input.empty()) return;
  ThreadPool& pool = ThreadPool::instance();
  const int threads = pool.concurrency();
  std::vector<GemmProblem> problems = input;
  std::vector<UnitPlan> plans;
  std::vector<int64_t> firstUnit;
  int64_t total = 0;
  for (const GemmProblem& g : problems) {
    plans.push_back(planUnits(g.m, g.n, g.k, threads, static_cast<int64_t>(problems.size())));
    firstUnit.push_back(total);
    if (g.m > 0 && g.n > 0) total += plans.back().units();
  }
  // When several row tiles would each pack the same B block, pack B once, in parallel, and
  // let every unit read it like a prepacked weight.
  struct SharedPack {
    size_t problem;
    std::unique_ptr<PackedPanels> panels;
    int64_t blocks;  // k-blocks × column tiles
  };
  std::vector<SharedPack> shared;
  int64_t sharedFloats = 0;
  for (size_t p = 0; p < problems.size(); ++p) {
    const GemmProblem& g = problems[p];
    if (g.b.packed != nullptr || plans[p].tilesM < 2 || g.m == 0 || g.n == 0 || g.k == 0) continue;
    shared.push_back({p, nullptr, ceilDiv(g.k, plans[p].kc) * plans[p].tilesN});
    sharedFloats += PackedPanels::floatsNeeded(g.n, g.k, kPanelCols) + 16;
  }
  if (!shared.empty()) {
    thread_local AlignedBuffer sharedBuffer;
    float* base = sharedBuffer.reserve(static_cast<size_t>(sharedFloats));
    std::vector<int64_t> firstTask;
    int64_t tasks = 0;
    for (SharedPack& sp : shared) {
      const GemmProblem& g = problems[sp.problem];
      sp.panels = std::make_unique<PackedPanels>(g.n, g.k, plans[sp.problem].kc, kPanelCols, base);
      base += roundUp(PackedPanels::floatsNeeded(g.n, g.k, kPanelCols), 16);
      firstTask.push_back(tasks);
      tasks += sp.blocks;
    }
    pool.parallelFor(tasks, 1, [&](int64_t begin, int64_t end) {
      thread_local std::vector<Im2colRun> runs;
      for (int64_t t = begin; t < end; ++t) {
        const size_t i = static_cast<size_t>(std::upper_bound(firstTask.begin(), firstTask.end(), t) - firstTask.begin() - 1);
        SharedPack& sp = shared[i];
        const GemmProblem& g = problems[sp.problem];
        const UnitPlan& plan = plans[sp.problem];
        const int64_t local = t - firstTask[i];
        const int64_t k0 = (local / plan.tilesN) * plan.kc, j0 = (local % plan.tilesN) * plan.nc;
        const int64_t kcb = std::min(plan.kc, g.k - k0), nc = std::min(plan.nc, g.n - j0);
        float* dst = const_cast<float*>(sp.panels->block(j0, k0, kcb));
        if (g.b.im2col != nullptr) packIm2col(*g.b.im2col, k0, kcb, j0, nc, dst, runs);
        else packLines(g.b.lines, j0, nc, k0, kcb, kPanelCols, dst);
      }
    });
    for (SharedPack& sp : shared) {
      problems[sp.problem].b = GemmOperand{};
      problems[sp.problem].b.packed = sp.panels.get();
    }
  }
  Kernels kernels{activeTileKernel(), activeHalfTileKernel(), {}};
  for (int64_t r = 1; r <= kPanelRows; ++r) kernels.byRows[r] = activeTileKernelForRows(r);
  pool.parallelFor(total, 1, [&](int64_t begin, int64_t end) {
    thread_local ThreadScratch scratch;
    for (int64_t u = begin; u < end; ++u) {
      const size_t p = static_cast<size_t>(std::upper_bound(firstUnit.begin(), firstUnit.end(), u) - firstUnit.begin() - 1);
      runUnit(problems[p], plans[p], u - firstUnit[p], kernels, scratch);
    }
  });
}

}  // namespace kiln::cpu::program
