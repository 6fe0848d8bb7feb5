// kiln's own (batched) GEMM on CUDA cores: 64×64 tiles, 4×4 outputs per thread, float
// accumulation, transposes as stride swaps, fused bias/alpha/beta/activation epilogue. The
// fallback when cuBLASLt is absent, and the batched_matmul tactic for broadcast batches.
#include "device_support.cuh"
#include "kernels.h"

namespace kiln::cuda {
namespace {

constexpr int kTile = 64;
constexpr int kTileK = 16;

template <typename T>
__global__ void __launch_bounds__(256) gemmKernel(T* y, const T* a, const T* b, GemmShape s, const int64_t* aOffsets,
                                                  const int64_t* bOffsets, float alpha, float beta, const T* bias, TensorDesc bd,
                                                  ActivationSpec act) {
  __shared__ float as[kTileK][kTile];
  __shared__ float bs[kTileK][kTile + 4];
  const int64_t batch = blockIdx.z;
  const T* ab = a + (aOffsets != nullptr ? aOffsets[batch] : 0);
  const T* bb = b + (bOffsets != nullptr ? bOffsets[batch] : 0);
  const int64_t row0 = static_cast<int64_t>(blockIdx.y) * kTile, col0 = static_cast<int64_t>(blockIdx.x) * kTile;
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  float acc[4][4] = {};
  for (int64_t k0 = 0; k0 < s.k; k0 += kTileK) {
    for (int e = tid; e < kTileK * kTile; e += 256) {
      // Walk A along k fastest when A is k-contiguous (transA), rows fastest otherwise.
      const int kk = s.aColStride == 1 ? e % kTileK : e / kTile;
      const int m = s.aColStride == 1 ? e / kTileK : e % kTile;
      const int64_t r = row0 + m, k = k0 + kk;
      as[kk][m] = (r < s.m && k < s.k) ? loadF(ab + r * s.aRowStride + k * s.aColStride) : 0.0f;
    }
    for (int e = tid; e < kTileK * kTile; e += 256) {
      const int kk = s.bColStride == 1 ? e / kTile : e % kTileK;
      const int j = s.bColStride == 1 ? e % kTile : e / kTileK;
      const int64_t c = col0 + j, k = k0 + kk;
      bs[kk][j] = (c < s.n && k < s.k) ? loadF(bb + k * s.bRowStride + c * s.bColStride) : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTileK; ++kk) {
      float av[4], bv[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) av[i] = as[kk][ty * 4 + i];
#pragma unroll
      for (int j = 0; j < 4; ++j) bv[j] = bs[kk][tx * 4 + j];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] += av[i] * bv[j];
    }
    __syncthreads();
  }
  T* yb = y + batch * s.m * s.n;
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int64_t r = row0 + ty * 4 + i;
    if (r >= s.m) continue;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int64_t c = col0 + tx * 4 + j;
      if (c >= s.n) continue;
      float v = alpha * acc[i][j];
      if (bias != nullptr) v += beta * loadF(bias + bd.offset + r * bd.stride[0] + c * bd.stride[1]);
      storeF(yb + r * s.n + c, applyActivation(v, act));
    }
  }
}

}  // namespace

cudaError_t launchGemm(DType t, void* y, const void* a, const void* b, const GemmShape& s, const int64_t* aOffsets,
                       const int64_t* bOffsets, float alpha, float beta, const void* bias, const TensorDesc& biasDesc,
                       ActivationSpec act, cudaStream_t stream) {
  if (s.m == 0 || s.n == 0 || s.batch == 0) return cudaSuccess;
  const dim3 grid(static_cast<unsigned>((s.n + kTile - 1) / kTile), static_cast<unsigned>((s.m + kTile - 1) / kTile),
                  static_cast<unsigned>(s.batch));
  if (t == DType::F32) {
    gemmKernel<float><<<grid, 256, 0, stream>>>(static_cast<float*>(y), static_cast<const float*>(a), static_cast<const float*>(b), s,
                                                aOffsets, bOffsets, alpha, beta, static_cast<const float*>(bias), biasDesc, act);
  } else {
    gemmKernel<__half><<<grid, 256, 0, stream>>>(static_cast<__half*>(y), static_cast<const __half*>(a), static_cast<const __half*>(b),
                                                 s, aOffsets, bOffsets, alpha, beta, static_cast<const __half*>(bias), biasDesc, act);
  }
  return cudaGetLastError();
}

}  // namespace kiln::cuda
