// The program executor's GEMM engine: C[M×N] = epilogue(A[M×K] · B[K×N]) over cache-sized
// panels, where either operand may come prepacked (a weight packed once at create time), packed
// from a strided matrix, or (B only) packed straight from an NCHW image as its im2col matrix.
//
// Work is cut into (mc × nc) units that the thread pool takes independently; inside a unit the
// k-blocks accumulate in a thread-local buffer and the epilogue (bias, residual, activation) is
// applied to each 6×16 tile right after its last k-block, so y may share storage with the
// residual (every element is read before it is written).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "../activation.h"
#include "../gemm_packing.h"

namespace kiln::cpu::program {

constexpr int64_t kPanelRows = 6;   // micro-tile rows (A panel width)
constexpr int64_t kPanelCols = 16;  // micro-tile columns (B panel width)

// k-block depth used for a reduction of length k (prepacked panels are laid out with it).
int64_t chooseKBlock(int64_t k, int64_t maxBlock = 384);

// y[i, j] = act(alpha·acc + beta·bias[i·biasRowStride + j·biasColStride] + residual[i·residualStride + j])
struct GemmEpilogue {
  float alpha = 1.0f;
  float beta = 1.0f;
  const float* bias = nullptr;
  int64_t biasRowStride = 0;
  int64_t biasColStride = 0;
  const float* residual = nullptr;
  int64_t residualStride = 0;
  Activation activation;
};

// Frees packed panels it owns; run-time packs live in borrowed scratch.
struct PanelStorageFree {
  bool owns = true;
  void operator()(float* p) const {
    if (owns) std::free(p);
  }
};

// A whole operand packed for every k-block: `count` lines (A rows or B columns) of length k, in
// panels of `width` lines, each panel k-major. Block (k0, kcb) of panel p starts at
// data + k0·paddedCount + p·kcb·width.
class PackedPanels {
 public:
  PackedPanels(int64_t count, int64_t k, int64_t kBlock, int64_t width);
  // Over caller-owned storage of floatsNeeded() floats (run-time packing into scratch).
  PackedPanels(int64_t count, int64_t k, int64_t kBlock, int64_t width, float* storage);
  static int64_t floatsNeeded(int64_t count, int64_t k, int64_t width);
  float* mutableData() { return data_.get(); }
  // Packs line l, element kk = view.at(l, kk) (pass a transposed view for B).
  void packFrom(const MatrixView& lines);
  const float* block(int64_t first, int64_t k0, int64_t kcb) const {
    return data_.get() + k0 * padded_ + (first / width_) * kcb * width_;
  }
  int64_t count() const { return count_; }
  int64_t depth() const { return k_; }
  int64_t kBlock() const { return kBlock_; }
  size_t bytes() const { return static_cast<size_t>(padded_ * k_) * sizeof(float); }

 private:
  int64_t count_, k_, kBlock_, width_, padded_;
  std::unique_ptr<float, PanelStorageFree> data_;
};

// Packs lines [l0, l0 + count) × k-range [k0, k0 + kcb) of `lines` into panels of `width`.
void packLines(const MatrixView& lines, int64_t l0, int64_t count, int64_t k0, int64_t kcb, int64_t width, float* dst);

// One operand of a GEMM as the driver sees it. Exactly one of the members is used.
struct GemmOperand {
  const PackedPanels* packed = nullptr;  // prepacked
  MatrixView lines{nullptr, 0, 0};       // (line, k) view: A as is, B transposed
  const Im2colBSource* im2col = nullptr; // B only: conv input read as its im2col matrix
};

struct GemmProblem {
  int64_t m, n, k;
  GemmOperand a, b;
  float* y;
  int64_t ldy;
  GemmEpilogue epilogue;
};

// Runs several independent GEMMs (e.g. the groups or images of a convolution) as one parallel
// job so every core stays busy even when each GEMM is small.
void runGemms(const std::vector<GemmProblem>& problems);
inline void runGemm(const GemmProblem& p) { runGemms({p}); }

// The epilogue of one micro-tile, with pointers already moved to the tile's first element.
struct TileEpilogue {
  float alpha, beta;
  const float* bias;  // null = none
  int64_t biasRowStride, biasColStride;
  const float* residual;  // null = none
  int64_t residualStride;
  Activation activation;
};

// The vectorized kernel: a 6×16 tile = (accIn, when given, + A panel · B panel), then either
// stored raw (epilogue null: the full tile) or finished with the epilogue into the top-left
// rows × cols of `out`. Returns false, writing nothing, when it cannot apply that epilogue
// in registers (the caller then stores raw and uses applyTileEpilogue).
using TileKernel = bool (*)(int64_t kc, const float* a, const float* b, const float* accIn, int64_t ldIn, float* out,
                            int64_t ldOut, int64_t rows, int64_t cols, const TileEpilogue* epilogue);
TileKernel activeTileKernel();
// A kernel for column panels with at most 8 live columns (only those are computed and stored;
// the portable build uses the full kernel).
TileKernel activeHalfTileKernel();
// Kernels for a last row panel with `rows` (1…6) live rows: only those rows are computed and
// stored, in every k-block alike (the portable build uses the full kernels).
TileKernel activeTileKernelForRows(int64_t rows);
// The same tile with B read in place instead of from a packed panel: step k's 16 values are
// base[offsets[k] .. offsets[k] + 15] (a zero-padded image read by a stride-1 convolution).
using OffsetTileKernel = bool (*)(int64_t kc, const float* a, const float* base, const int64_t* offsets,
                                  const float* accIn, int64_t ldIn, float* out, int64_t ldOut, int64_t rows, int64_t cols,
                                  const TileEpilogue* epilogue);
OffsetTileKernel activeOffsetTileKernel();
OffsetTileKernel activeOffsetTileKernelForRows(int64_t rows);
// The epilogue of the tile whose top-left element is (i, j) of the GEMM's output.
TileEpilogue tileEpilogueAt(const GemmEpilogue& e, int64_t i, int64_t j);
// Applies the epilogue to a rows × cols tile: dst[i, j] from acc[i, j] (row stride ldAcc).
void applyTileEpilogue(const TileEpilogue& e, int64_t rows, int64_t cols, const float* acc, int64_t ldAcc, float* dst,
                       int64_t ldDst);

}  // namespace kiln::cpu::program
