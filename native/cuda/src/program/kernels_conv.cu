// kiln's own convolution kernels: a CUDA-core implicit GEMM that handles every 2-D convolution
// (groups, strides, padding, dilation, any layout) so the addon works without cuDNN, and a
// direct depthwise kernel (memory-bound, where cuDNN has no advantage). Both fuse bias,
// residual and activation into the store. Transposed convolution is a direct gather kernel.
#include "device_support.cuh"
#include "kernels.h"

namespace kiln::cuda {
namespace {

constexpr int kTileM = 64;  // output pixels per block
constexpr int kTileN = 64;  // output channels per block
constexpr int kTileK = 16;  // reduction slice

struct ConvGeometry {
  int64_t batch, inC, inH, inW, outC, outH, outW;
  int kh, kw, groupC, groupM;
  int64_t pixels, reduction;
};

template <typename T>
__global__ void __launch_bounds__(256) implicitGemmConvKernel(T* y, TensorDesc yd, const T* x, TensorDesc xd, const float* w,
                                                              const float* bias, const T* residual, TensorDesc rd, ConvParams p,
                                                              ConvGeometry g) {
  __shared__ float as[kTileK][kTileM];
  __shared__ float bs[kTileK][kTileN + 4];
  const int group = blockIdx.z;
  const int64_t pixel0 = static_cast<int64_t>(blockIdx.x) * kTileM;
  const int channel0 = blockIdx.y * kTileN;
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  float acc[4][4] = {};
  const int khw = g.kh * g.kw;
  for (int64_t k0 = 0; k0 < g.reduction; k0 += kTileK) {
    // A: kTileK × kTileM im2col entries, gathered straight from x.
    for (int e = tid; e < kTileK * kTileM; e += 256) {
      const int kk = e / kTileM, m = e % kTileM;
      const int64_t r = k0 + kk, pixel = pixel0 + m;
      float v = 0.0f;
      if (r < g.reduction && pixel < g.pixels) {
        const int c = static_cast<int>(r / khw), rem = static_cast<int>(r % khw);
        const int fh = rem / g.kw, fw = rem % g.kw;
        const int64_t ow = pixel % g.outW, oh = (pixel / g.outW) % g.outH, n = pixel / (g.outW * g.outH);
        const int64_t ih = oh * p.strides[0] - p.pads[0] + fh * p.dilations[0];
        const int64_t iw = ow * p.strides[1] - p.pads[1] + fw * p.dilations[1];
        if (ih >= 0 && ih < g.inH && iw >= 0 && iw < g.inW) {
          const int64_t ch = static_cast<int64_t>(group) * g.groupC + c;
          v = loadF(x + xd.offset + n * xd.stride[0] + ch * xd.stride[1] + ih * xd.stride[2] + iw * xd.stride[3]);
        }
      }
      as[kk][m] = v;
    }
    // B: kTileK × kTileN weights.
    for (int e = tid; e < kTileK * kTileN; e += 256) {
      const int kk = e / kTileN, j = e % kTileN;
      const int64_t r = k0 + kk;
      const int oc = channel0 + j;
      bs[kk][j] = (r < g.reduction && oc < g.groupM) ? w[(static_cast<int64_t>(group) * g.groupM + oc) * g.reduction + r] : 0.0f;
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
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int64_t pixel = pixel0 + ty * 4 + i;
    if (pixel >= g.pixels) continue;
    const int64_t ow = pixel % g.outW, oh = (pixel / g.outW) % g.outH, n = pixel / (g.outW * g.outH);
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int oc = channel0 + tx * 4 + j;
      if (oc >= g.groupM) continue;
      const int64_t ch = static_cast<int64_t>(group) * g.groupM + oc;
      float v = acc[i][j];
      if (bias != nullptr) v += bias[ch];
      if (residual != nullptr) {
        v += loadF(residual + rd.offset + n * rd.stride[0] + ch * rd.stride[1] + oh * rd.stride[2] + ow * rd.stride[3]);
      }
      storeF(y + yd.offset + n * yd.stride[0] + ch * yd.stride[1] + oh * yd.stride[2] + ow * yd.stride[3], applyActivation(v, p.act));
    }
  }
}

template <typename T>
__global__ void depthwiseConvKernel(T* y, TensorDesc yd, const T* x, TensorDesc xd, const float* w, int kh, int kw,
                                    const float* bias, const T* residual, TensorDesc rd, ConvParams p, int64_t n) {
  int64_t c[kMaxRank];
  const int64_t channels = xd.shape[1], ih0max = xd.shape[2], iw0max = xd.shape[3];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    const int64_t ch = c[1];
    const int64_t base = xd.offset + c[0] * xd.stride[0] + ch * xd.stride[1];
    const int64_t h0 = c[2] * p.strides[0] - p.pads[0], w0 = c[3] * p.strides[1] - p.pads[1];
    float acc = bias != nullptr ? bias[ch] : 0.0f;
    for (int fh = 0; fh < kh; ++fh) {
      const int64_t ih = h0 + fh * p.dilations[0];
      if (ih < 0 || ih >= ih0max) continue;
      for (int fw = 0; fw < kw; ++fw) {
        const int64_t iw = w0 + fw * p.dilations[1];
        if (iw < 0 || iw >= iw0max) continue;
        acc += loadF(x + base + ih * xd.stride[2] + iw * xd.stride[3]) * w[(fh * kw + fw) * channels + ch];
      }
    }
    if (residual != nullptr) acc += loadF(residual + offsetOf(rd, c));
    storeF(y + offsetOf(yd, c), applyActivation(acc, p.act));
  }
}

// One output element per thread: y[n, m, oh, ow] sums x[n, c, ih, iw]·w[c, m mod M/g, i, j] over
// the taps where oh = ih·sH − padTop + i·dH (same for w), c in m's group.
template <typename T>
__global__ void deconvKernel(T* y, TensorDesc yd, const T* x, TensorDesc xd, const float* w, int kh, int kw, const float* bias,
                             ConvParams p, int64_t n) {
  int64_t c[kMaxRank];
  const int64_t inC = xd.shape[1], inH = xd.shape[2], inW = xd.shape[3];
  const int64_t groupC = inC / p.groups, groupM = yd.shape[1] / p.groups;
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    const int64_t m = c[1], group = m / groupM, mInGroup = m % groupM;
    float acc = bias != nullptr ? bias[m] : 0.0f;
    for (int64_t ci = group * groupC; ci < (group + 1) * groupC; ++ci) {
      const int64_t xBase = xd.offset + c[0] * xd.stride[0] + ci * xd.stride[1];
      const float* wBase = w + (ci * groupM + mInGroup) * kh * kw;
      for (int fh = 0; fh < kh; ++fh) {
        const int64_t th = c[2] + p.pads[0] - static_cast<int64_t>(fh) * p.dilations[0];
        if (th < 0 || th % p.strides[0] != 0 || th / p.strides[0] >= inH) continue;
        const int64_t ih = th / p.strides[0];
        for (int fw = 0; fw < kw; ++fw) {
          const int64_t tw = c[3] + p.pads[1] - static_cast<int64_t>(fw) * p.dilations[1];
          if (tw < 0 || tw % p.strides[1] != 0 || tw / p.strides[1] >= inW) continue;
          acc += loadF(x + xBase + ih * xd.stride[2] + (tw / p.strides[1]) * xd.stride[3]) * wBase[fh * kw + fw];
        }
      }
    }
    storeF(y + offsetOf(yd, c), applyActivation(acc, p.act));
  }
}

template <typename T>
__global__ void convEpilogueKernel(T* y, TensorDesc yd, const float* bias, const T* residual, TensorDesc rd, ActivationSpec act,
                                   int64_t n) {
  int64_t c[kMaxRank];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    T* out = y + offsetOf(yd, c);
    float v = loadF(out);
    if (bias != nullptr) v += bias[c[1]];
    if (residual != nullptr) v += loadF(residual + offsetOf(rd, c));
    storeF(out, applyActivation(v, act));
  }
}

}  // namespace

cudaError_t launchConvEpilogue(DType t, void* y, const TensorDesc& yDesc, const float* bias, const void* residual,
                               const TensorDesc& residualDesc, ActivationSpec act, cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  if (t == DType::F32) {
    convEpilogueKernel<float><<<gridFor(n), 256, 0, stream>>>(static_cast<float*>(y), yDesc, bias, static_cast<const float*>(residual),
                                                              residualDesc, act, n);
  } else {
    convEpilogueKernel<__half><<<gridFor(n), 256, 0, stream>>>(static_cast<__half*>(y), yDesc, bias,
                                                               static_cast<const __half*>(residual), residualDesc, act, n);
  }
  return cudaGetLastError();
}

cudaError_t launchImplicitGemmConv(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc,
                                   const float* w, int kh, int kw, const float* bias, const void* residual,
                                   const TensorDesc& residualDesc, const ConvParams& p, cudaStream_t stream) {
  ConvGeometry g;
  g.batch = xDesc.shape[0];
  g.inC = xDesc.shape[1];
  g.inH = xDesc.shape[2];
  g.inW = xDesc.shape[3];
  g.outC = yDesc.shape[1];
  g.outH = yDesc.shape[2];
  g.outW = yDesc.shape[3];
  g.kh = kh;
  g.kw = kw;
  g.groupC = static_cast<int>(g.inC / p.groups);
  g.groupM = static_cast<int>(g.outC / p.groups);
  g.pixels = g.batch * g.outH * g.outW;
  g.reduction = static_cast<int64_t>(g.groupC) * kh * kw;
  if (g.pixels == 0 || g.groupM == 0) return cudaSuccess;
  const dim3 grid(static_cast<unsigned>((g.pixels + kTileM - 1) / kTileM), static_cast<unsigned>((g.groupM + kTileN - 1) / kTileN),
                  static_cast<unsigned>(p.groups));
  if (t == DType::F32) {
    implicitGemmConvKernel<float><<<grid, 256, 0, stream>>>(static_cast<float*>(y), yDesc, static_cast<const float*>(x), xDesc, w, bias,
                                                            static_cast<const float*>(residual), residualDesc, p, g);
  } else {
    implicitGemmConvKernel<__half><<<grid, 256, 0, stream>>>(static_cast<__half*>(y), yDesc, static_cast<const __half*>(x), xDesc, w,
                                                             bias, static_cast<const __half*>(residual), residualDesc, p, g);
  }
  return cudaGetLastError();
}

cudaError_t launchDeconv(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc, const float* w, int kh,
                         int kw, const float* bias, const ConvParams& p, cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  if (t == DType::F32) {
    deconvKernel<float><<<gridFor(n), 256, 0, stream>>>(static_cast<float*>(y), yDesc, static_cast<const float*>(x), xDesc, w, kh, kw,
                                                        bias, p, n);
  } else {
    deconvKernel<__half><<<gridFor(n), 256, 0, stream>>>(static_cast<__half*>(y), yDesc, static_cast<const __half*>(x), xDesc, w, kh,
                                                         kw, bias, p, n);
  }
  return cudaGetLastError();
}

cudaError_t launchDepthwiseConv(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc,
                                const float* w, int kh, int kw, const float* bias, const void* residual,
                                const TensorDesc& residualDesc, const ConvParams& p, cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  if (t == DType::F32) {
    depthwiseConvKernel<float><<<gridFor(n), 256, 0, stream>>>(static_cast<float*>(y), yDesc, static_cast<const float*>(x), xDesc, w,
                                                               kh, kw, bias, static_cast<const float*>(residual), residualDesc, p, n);
  } else {
    depthwiseConvKernel<__half><<<gridFor(n), 256, 0, stream>>>(static_cast<__half*>(y), yDesc, static_cast<const __half*>(x), xDesc,
                                                                w, kh, kw, bias, static_cast<const __half*>(residual), residualDesc,
                                                                p, n);
  }
  return cudaGetLastError();
}

}  // namespace kiln::cuda
