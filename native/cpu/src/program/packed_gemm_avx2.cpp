// AVX2/FMA micro-kernel of the program GEMM: a 6×16 tile held in 12 registers, optionally
// started from a partial sum, finished in registers with the common epilogues (alpha, per-row
// or per-column bias, residual, none/relu/clip/leaky relu) and stored straight into y. Only
// these functions carry the avx2/fma target; they run after cpuFeatures() said the CPU has both.
#if defined(__x86_64__)
#include <immintrin.h>

#include "packed_gemm.h"

namespace kiln::cpu::program {

static_assert(kPanelRows == 6 && kPanelCols == 16, "the AVX2 kernel holds a 6x16 tile in 12 registers");

namespace {

alignas(32) const int32_t kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

// Lanes [0, count) on, count in [0, 8].
__attribute__((target("avx2,fma"))) inline __m256i laneMask(int64_t count) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - count));
}

bool registerEpilogue(const TileEpilogue* e) {
  if (e == nullptr) return true;
  const ActivationKind k = e->activation.kind;
  const bool act = k == ActivationKind::None || k == ActivationKind::Relu || k == ActivationKind::Clip ||
                   k == ActivationKind::LeakyRelu;
  return act && (e->bias == nullptr || e->biasColStride == 0 || e->biasColStride == 1);
}

struct EpilogueRegs {
  __m256 alpha, beta, lo, hi, slope, zero;
  __m256i mask0, mask1;
  bool scale, full;
};

// Finishes one row (two vectors) and stores it.
__attribute__((target("avx2,fma"), always_inline)) inline void finishRow(const TileEpilogue& e, const EpilogueRegs& r, int64_t i,
                                                          __m256 v0, __m256 v1, float* out) {
  if (r.scale) v0 = _mm256_mul_ps(v0, r.alpha), v1 = _mm256_mul_ps(v1, r.alpha);
  if (e.bias != nullptr) {
    const float* bias = e.bias + i * e.biasRowStride;
    if (e.biasColStride == 0) {
      const __m256 bv = _mm256_mul_ps(r.beta, _mm256_broadcast_ss(bias));
      v0 = _mm256_add_ps(v0, bv), v1 = _mm256_add_ps(v1, bv);
    } else if (r.full) {
      v0 = _mm256_fmadd_ps(r.beta, _mm256_loadu_ps(bias), v0);
      v1 = _mm256_fmadd_ps(r.beta, _mm256_loadu_ps(bias + 8), v1);
    } else {
      v0 = _mm256_fmadd_ps(r.beta, _mm256_maskload_ps(bias, r.mask0), v0);
      v1 = _mm256_fmadd_ps(r.beta, _mm256_maskload_ps(bias + 8, r.mask1), v1);
    }
  }
  if (e.residual != nullptr) {
    const float* res = e.residual + i * e.residualStride;
    if (r.full) {
      v0 = _mm256_add_ps(v0, _mm256_loadu_ps(res)), v1 = _mm256_add_ps(v1, _mm256_loadu_ps(res + 8));
    } else {
      v0 = _mm256_add_ps(v0, _mm256_maskload_ps(res, r.mask0));
      v1 = _mm256_add_ps(v1, _mm256_maskload_ps(res + 8, r.mask1));
    }
  }
  switch (e.activation.kind) {
    case ActivationKind::Relu:
      v0 = _mm256_max_ps(v0, r.zero), v1 = _mm256_max_ps(v1, r.zero);
      break;
    case ActivationKind::Clip:
      v0 = _mm256_min_ps(_mm256_max_ps(v0, r.lo), r.hi), v1 = _mm256_min_ps(_mm256_max_ps(v1, r.lo), r.hi);
      break;
    case ActivationKind::LeakyRelu:
      v0 = _mm256_blendv_ps(_mm256_mul_ps(v0, r.slope), v0, _mm256_cmp_ps(v0, r.zero, _CMP_GE_OQ));
      v1 = _mm256_blendv_ps(_mm256_mul_ps(v1, r.slope), v1, _mm256_cmp_ps(v1, r.zero, _CMP_GE_OQ));
      break;
    default: break;
  }
  if (r.full) {
    _mm256_storeu_ps(out, v0), _mm256_storeu_ps(out + 8, v1);
  } else {
    _mm256_maskstore_ps(out, r.mask0, v0), _mm256_maskstore_ps(out + 8, r.mask1, v1);
  }
}

// Stores the 12 accumulators raw (epilogue null) or finished with the epilogue. Inlined, with
// the accumulators as separate arguments, so they never leave registers.
__attribute__((target("avx2,fma"), always_inline)) inline void storeTile(
    __m256 c00, __m256 c01, __m256 c10, __m256 c11, __m256 c20, __m256 c21, __m256 c30, __m256 c31, __m256 c40,
    __m256 c41, __m256 c50, __m256 c51, float* out, int64_t ldOut, int64_t rows, int64_t cols,
    const TileEpilogue* epilogue) {
  if (epilogue == nullptr) {
    _mm256_storeu_ps(out, c00), _mm256_storeu_ps(out + 8, c01);
    _mm256_storeu_ps(out + ldOut, c10), _mm256_storeu_ps(out + ldOut + 8, c11);
    _mm256_storeu_ps(out + 2 * ldOut, c20), _mm256_storeu_ps(out + 2 * ldOut + 8, c21);
    _mm256_storeu_ps(out + 3 * ldOut, c30), _mm256_storeu_ps(out + 3 * ldOut + 8, c31);
    _mm256_storeu_ps(out + 4 * ldOut, c40), _mm256_storeu_ps(out + 4 * ldOut + 8, c41);
    _mm256_storeu_ps(out + 5 * ldOut, c50), _mm256_storeu_ps(out + 5 * ldOut + 8, c51);
    return;
  }
  const TileEpilogue& e = *epilogue;
  EpilogueRegs r;
  r.alpha = _mm256_set1_ps(e.alpha);
  r.beta = _mm256_set1_ps(e.beta);
  r.scale = e.alpha != 1.0f;
  r.lo = _mm256_set1_ps(e.activation.alpha);
  r.hi = _mm256_set1_ps(e.activation.beta);
  r.slope = _mm256_set1_ps(e.activation.alpha);
  r.zero = _mm256_setzero_ps();
  r.full = cols == kPanelCols;
  r.mask0 = laneMask(cols < 8 ? cols : 8);
  r.mask1 = laneMask(cols > 8 ? cols - 8 : 0);
  finishRow(e, r, 0, c00, c01, out);
  if (rows > 1) finishRow(e, r, 1, c10, c11, out + ldOut);
  if (rows > 2) finishRow(e, r, 2, c20, c21, out + 2 * ldOut);
  if (rows > 3) finishRow(e, r, 3, c30, c31, out + 3 * ldOut);
  if (rows > 4) finishRow(e, r, 4, c40, c41, out + 4 * ldOut);
  if (rows > 5) finishRow(e, r, 5, c50, c51, out + 5 * ldOut);
}

// Twelve named accumulators (an array would be spilled to the stack by the compiler).
#define KILN_DECLARE_ACC(accIn, ldIn)                                                               \
  __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;                                \
  if (accIn != nullptr) {                                                                           \
    const float* p_ = accIn;                                                                        \
    c00 = _mm256_loadu_ps(p_), c01 = _mm256_loadu_ps(p_ + 8);                                       \
    c10 = _mm256_loadu_ps(p_ + ldIn), c11 = _mm256_loadu_ps(p_ + ldIn + 8);                         \
    c20 = _mm256_loadu_ps(p_ + 2 * ldIn), c21 = _mm256_loadu_ps(p_ + 2 * ldIn + 8);                 \
    c30 = _mm256_loadu_ps(p_ + 3 * ldIn), c31 = _mm256_loadu_ps(p_ + 3 * ldIn + 8);                 \
    c40 = _mm256_loadu_ps(p_ + 4 * ldIn), c41 = _mm256_loadu_ps(p_ + 4 * ldIn + 8);                 \
    c50 = _mm256_loadu_ps(p_ + 5 * ldIn), c51 = _mm256_loadu_ps(p_ + 5 * ldIn + 8);                 \
  } else {                                                                                          \
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps();    \
  }

// One k step: the 6 broadcasts of A against the two B vectors.
#define KILN_STEP(a, b0, b1)                                                   \
  {                                                                            \
    __m256 ai = _mm256_broadcast_ss(a + 0);                                    \
    c00 = _mm256_fmadd_ps(ai, b0, c00), c01 = _mm256_fmadd_ps(ai, b1, c01);    \
    ai = _mm256_broadcast_ss(a + 1);                                           \
    c10 = _mm256_fmadd_ps(ai, b0, c10), c11 = _mm256_fmadd_ps(ai, b1, c11);    \
    ai = _mm256_broadcast_ss(a + 2);                                           \
    c20 = _mm256_fmadd_ps(ai, b0, c20), c21 = _mm256_fmadd_ps(ai, b1, c21);    \
    ai = _mm256_broadcast_ss(a + 3);                                           \
    c30 = _mm256_fmadd_ps(ai, b0, c30), c31 = _mm256_fmadd_ps(ai, b1, c31);    \
    ai = _mm256_broadcast_ss(a + 4);                                           \
    c40 = _mm256_fmadd_ps(ai, b0, c40), c41 = _mm256_fmadd_ps(ai, b1, c41);    \
    ai = _mm256_broadcast_ss(a + 5);                                           \
    c50 = _mm256_fmadd_ps(ai, b0, c50), c51 = _mm256_fmadd_ps(ai, b1, c51);    \
  }

#define KILN_STORE(out, ldOut, rows, cols, epilogue) \
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, out, ldOut, rows, cols, epilogue);

}  // namespace

__attribute__((target("avx2,fma"))) bool tileKernelAvx2(int64_t kc, const float* a, const float* b, const float* accIn,
                                                        int64_t ldIn, float* out, int64_t ldOut, int64_t rows,
                                                        int64_t cols, const TileEpilogue* epilogue) {
  if (!registerEpilogue(epilogue)) return false;
  KILN_DECLARE_ACC(accIn, ldIn)
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    _mm_prefetch(reinterpret_cast<const char*>(b + 128), _MM_HINT_T0);
    KILN_STEP(a, b0, b1)
    a += 6;
    b += 16;
  }
  KILN_STORE(out, ldOut, rows, cols, epilogue)
  return true;
}

__attribute__((target("avx2,fma"))) bool offsetTileKernelAvx2(int64_t kc, const float* a, const float* base,
                                                              const int64_t* offsets, const float* accIn, int64_t ldIn,
                                                              float* out, int64_t ldOut, int64_t rows, int64_t cols,
                                                              const TileEpilogue* epilogue) {
  if (!registerEpilogue(epilogue)) return false;
  KILN_DECLARE_ACC(accIn, ldIn)
  for (int64_t k = 0; k < kc; ++k) {
    const float* b = base + offsets[k];
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
    KILN_STEP(a, b0, b1)
    a += 6;
  }
  KILN_STORE(out, ldOut, rows, cols, epilogue)
  return true;
}

// The left half (6×8) of the tile, for a last column panel with at most 8 live columns (a 7×7
// image has 49 pixels: three full panels and one column). Raw stores write 8 columns only.
__attribute__((target("avx2,fma"))) bool halfTileKernelAvx2(int64_t kc, const float* a, const float* b,
                                                            const float* accIn, int64_t ldIn, float* out, int64_t ldOut,
                                                            int64_t rows, int64_t cols, const TileEpilogue* epilogue) {
  if (!registerEpilogue(epilogue)) return false;
  __m256 c00, c10, c20, c30, c40, c50;
  if (accIn != nullptr) {
    c00 = _mm256_loadu_ps(accIn), c10 = _mm256_loadu_ps(accIn + ldIn), c20 = _mm256_loadu_ps(accIn + 2 * ldIn);
    c30 = _mm256_loadu_ps(accIn + 3 * ldIn), c40 = _mm256_loadu_ps(accIn + 4 * ldIn), c50 = _mm256_loadu_ps(accIn + 5 * ldIn);
  } else {
    c00 = c10 = c20 = c30 = c40 = c50 = _mm256_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b);
    c00 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 0), b0, c00);
    c10 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 1), b0, c10);
    c20 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 2), b0, c20);
    c30 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 3), b0, c30);
    c40 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 4), b0, c40);
    c50 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 5), b0, c50);
    a += 6;
    b += 16;
  }
  if (epilogue == nullptr) {
    _mm256_storeu_ps(out, c00), _mm256_storeu_ps(out + ldOut, c10), _mm256_storeu_ps(out + 2 * ldOut, c20);
    _mm256_storeu_ps(out + 3 * ldOut, c30), _mm256_storeu_ps(out + 4 * ldOut, c40), _mm256_storeu_ps(out + 5 * ldOut, c50);
    return true;
  }
  const __m256 z = _mm256_setzero_ps();
  storeTile(c00, z, c10, z, c20, z, c30, z, c40, z, c50, z, out, ldOut, rows, cols < 8 ? cols : 8, epilogue);
  return true;
}

// Tiles of the last row panel when it has fewer than 6 live rows (M = 32 leaves 2): only those
// rows are computed and stored, so a 2-row tail costs a third of a full panel. Offsets: B is
// read in place as in offsetTileKernelAvx2.
template <int R, bool Offsets>
__attribute__((target("avx2,fma"))) bool tailTileKernelAvx2(int64_t kc, const float* a, const float* b,
                                                            const int64_t* offsets, const float* accIn, int64_t ldIn,
                                                            float* out, int64_t ldOut, int64_t rows, int64_t cols,
                                                            const TileEpilogue* epilogue) {
  if (!registerEpilogue(epilogue)) return false;
  __m256 c[R][2];
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i) {
    c[i][0] = accIn != nullptr ? _mm256_loadu_ps(accIn + i * ldIn) : _mm256_setzero_ps();
    c[i][1] = accIn != nullptr ? _mm256_loadu_ps(accIn + i * ldIn + 8) : _mm256_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    const float* bk = Offsets ? b + offsets[k] : b;
    const __m256 b0 = Offsets ? _mm256_loadu_ps(bk) : _mm256_load_ps(bk);
    const __m256 b1 = Offsets ? _mm256_loadu_ps(bk + 8) : _mm256_load_ps(bk + 8);
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      c[i][0] = _mm256_fmadd_ps(ai, b0, c[i][0]);
      c[i][1] = _mm256_fmadd_ps(ai, b1, c[i][1]);
    }
    a += 6;
    if (!Offsets) b += 16;
  }
  if (epilogue == nullptr) {
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      _mm256_storeu_ps(out + i * ldOut, c[i][0]);
      _mm256_storeu_ps(out + i * ldOut + 8, c[i][1]);
    }
    return true;
  }
  const TileEpilogue& e = *epilogue;
  EpilogueRegs r;
  r.alpha = _mm256_set1_ps(e.alpha);
  r.beta = _mm256_set1_ps(e.beta);
  r.scale = e.alpha != 1.0f;
  r.lo = _mm256_set1_ps(e.activation.alpha);
  r.hi = _mm256_set1_ps(e.activation.beta);
  r.slope = _mm256_set1_ps(e.activation.alpha);
  r.zero = _mm256_setzero_ps();
  r.full = cols == kPanelCols;
  r.mask0 = laneMask(cols < 8 ? cols : 8);
  r.mask1 = laneMask(cols > 8 ? cols - 8 : 0);
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i)
    if (i < rows) finishRow(e, r, i, c[i][0], c[i][1], out + i * ldOut);
  return true;
}

template <int R>
bool tailTileKernel(int64_t kc, const float* a, const float* b, const float* accIn, int64_t ldIn, float* out,
                    int64_t ldOut, int64_t rows, int64_t cols, const TileEpilogue* epilogue) {
  return tailTileKernelAvx2<R, false>(kc, a, b, nullptr, accIn, ldIn, out, ldOut, rows, cols, epilogue);
}

template <int R>
bool tailOffsetTileKernel(int64_t kc, const float* a, const float* base, const int64_t* offsets, const float* accIn,
                          int64_t ldIn, float* out, int64_t ldOut, int64_t rows, int64_t cols,
                          const TileEpilogue* epilogue) {
  return tailTileKernelAvx2<R, true>(kc, a, base, offsets, accIn, ldIn, out, ldOut, rows, cols, epilogue);
}

// Kernels by live row count (1…5; 6 is the full kernel).
TileKernel tailTileKernelAvx2For(int64_t rows) {
  switch (rows) {
    case 1: return tailTileKernel<1>;
    case 2: return tailTileKernel<2>;
    case 3: return tailTileKernel<3>;
    case 4: return tailTileKernel<4>;
    case 5: return tailTileKernel<5>;
    default: return tileKernelAvx2;
  }
}

OffsetTileKernel tailOffsetTileKernelAvx2For(int64_t rows) {
  switch (rows) {
    case 1: return tailOffsetTileKernel<1>;
    case 2: return tailOffsetTileKernel<2>;
    case 3: return tailOffsetTileKernel<3>;
    case 4: return tailOffsetTileKernel<4>;
    case 5: return tailOffsetTileKernel<5>;
    default: return offsetTileKernelAvx2;
  }
}

#undef KILN_DECLARE_ACC
#undef KILN_STORE
#undef KILN_STEP

}  // namespace kiln::cpu::program
#endif
