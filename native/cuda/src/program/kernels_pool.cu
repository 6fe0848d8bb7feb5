// Window and reduction kernels: 2-D pooling, global pooling, softmax, LRN and 2-D resize, all
// over strided descs (NCHW or NHWC). Accumulation is in float for half data.
#include <cfloat>

#include "device_support.cuh"
#include "kernels.h"

namespace kiln::cuda {
namespace {

template <typename T>
__global__ void pool2dKernel(T* y, TensorDesc yd, const T* x, TensorDesc xd, Pool2dParams p, int64_t n) {
  int64_t c[kMaxRank];
  const int64_t h = xd.shape[2], w = xd.shape[3];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    const int64_t base = xd.offset + c[0] * xd.stride[0] + c[1] * xd.stride[1];
    const int64_t h0 = c[2] * p.strides[0] - p.pads[0];
    const int64_t w0 = c[3] * p.strides[1] - p.pads[1];
    float acc = p.max ? -FLT_MAX : 0.0f;
    int valid = 0, padded = 0;
    for (int kh = 0; kh < p.window[0]; ++kh) {
      const int64_t ih = h0 + kh * p.dilations[0];
      if (ih >= h + p.pads[2]) break;
      const bool rowInside = ih >= 0 && ih < h;
      for (int kw = 0; kw < p.window[1]; ++kw) {
        const int64_t iw = w0 + kw * p.dilations[1];
        if (iw >= w + p.pads[3]) break;
        ++padded;
        if (!rowInside || iw < 0 || iw >= w) continue;
        const float v = loadF(x + base + ih * xd.stride[2] + iw * xd.stride[3]);
        acc = p.max ? fmaxf(acc, v) : acc + v;
        ++valid;
      }
    }
    if (!p.max) acc = acc / static_cast<float>(p.countIncludePad ? (padded > 0 ? padded : 1) : (valid > 0 ? valid : 1));
    storeF(y + offsetOf(yd, c), acc);
  }
}

// Spatial offset of flat spatial index s (dims 2.. of x).
__device__ __forceinline__ int64_t spatialOffset(const TensorDesc& xd, int64_t s) {
  int64_t o = 0;
  for (int k = xd.rank - 1; k >= 2; --k) {
    o += (s % xd.shape[k]) * xd.stride[k];
    s /= xd.shape[k];
  }
  return o;
}

// One thread per (n, c): coalesced when channels are the fastest dim (NHWC).
template <typename T>
__global__ void globalPoolThreadKernel(bool max, T* y, TensorDesc yd, const T* x, TensorDesc xd, int64_t spatial, int64_t n) {
  const int64_t channels = xd.shape[1];
  KILN_GRID_STRIDE(i, n) {
    const int64_t b = i / channels, ch = i % channels;
    const T* base = x + xd.offset + b * xd.stride[0] + ch * xd.stride[1];
    float acc = max ? -FLT_MAX : 0.0f;
    for (int64_t s = 0; s < spatial; ++s) {
      const float v = loadF(base + spatialOffset(xd, s));
      acc = max ? fmaxf(acc, v) : acc + v;
    }
    storeF(y + yd.offset + b * yd.stride[0] + ch * yd.stride[1], max ? acc : acc / static_cast<float>(spatial));
  }
}

// One warp per (n, c): coalesced when the spatial dims are contiguous (NCHW).
template <typename T>
__global__ void globalPoolWarpKernel(bool max, T* y, TensorDesc yd, const T* x, TensorDesc xd, int64_t spatial, int64_t n) {
  const int64_t channels = xd.shape[1];
  const int lane = threadIdx.x & 31;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32; i < n; i += warps) {
    const int64_t b = i / channels, ch = i % channels;
    const T* base = x + xd.offset + b * xd.stride[0] + ch * xd.stride[1];
    float acc = max ? -FLT_MAX : 0.0f;
    for (int64_t s = lane; s < spatial; s += 32) {
      const float v = loadF(base + spatialOffset(xd, s));
      acc = max ? fmaxf(acc, v) : acc + v;
    }
    for (int off = 16; off > 0; off >>= 1) {
      const float o = __shfl_xor_sync(0xffffffffu, acc, off);
      acc = max ? fmaxf(acc, o) : acc + o;
    }
    if (lane == 0) storeF(y + yd.offset + b * yd.stride[0] + ch * yd.stride[1], max ? acc : acc / static_cast<float>(spatial));
  }
}

// Offset of row r (all dims but `axis`, row-major) in desc d.
__device__ __forceinline__ int64_t rowOffset(const TensorDesc& d, int axis, int64_t r) {
  int64_t o = d.offset;
  for (int k = d.rank - 1; k >= 0; --k) {
    if (k == axis) continue;
    o += (r % d.shape[k]) * d.stride[k];
    r /= d.shape[k];
  }
  return o;
}

template <typename T>
__global__ void softmaxKernel(T* y, TensorDesc yd, const T* x, TensorDesc xd, int axis, bool log, int64_t rows) {
  const int lane = threadIdx.x & 31;
  const int64_t len = xd.shape[axis];
  const int64_t xs = xd.stride[axis], ys = yd.stride[axis];
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32; r < rows; r += warps) {
    const T* xr = x + rowOffset(xd, axis, r);
    T* yr = y + rowOffset(yd, axis, r);
    float m = -FLT_MAX;
    for (int64_t j = lane; j < len; j += 32) m = fmaxf(m, loadF(xr + j * xs));
    for (int off = 16; off > 0; off >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, off));
    float sum = 0.0f;
    for (int64_t j = lane; j < len; j += 32) sum += expf(loadF(xr + j * xs) - m);
    for (int off = 16; off > 0; off >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, off);
    const float logSum = logf(sum);
    for (int64_t j = lane; j < len; j += 32) {
      const float v = loadF(xr + j * xs) - m;
      storeF(yr + j * ys, log ? v - logSum : expf(v) / sum);
    }
  }
}

template <typename T>
__global__ void lrnKernel(T* y, TensorDesc yd, const T* x, TensorDesc xd, int size, float alpha, float beta, float bias, int64_t n) {
  int64_t c[kMaxRank];
  const int64_t channels = xd.shape[1];
  const int before = (size - 1) / 2, after = size - 1 - before;
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    const int64_t ch = c[1];
    const int64_t center = offsetOf(xd, c);
    const int64_t lo = ch - before < 0 ? 0 : ch - before;
    const int64_t hi = ch + after >= channels ? channels - 1 : ch + after;
    float sq = 0.0f;
    for (int64_t k = lo; k <= hi; ++k) {
      const float v = loadF(x + center + (k - ch) * xd.stride[1]);
      sq += v * v;
    }
    storeF(y + offsetOf(yd, c), loadF(x + center) / powf(bias + alpha / size * sq, beta));
  }
}

__device__ __forceinline__ float sourceCoord(int64_t out, int64_t inSize, int64_t outSize, int transform) {
  const float scale = static_cast<float>(outSize) / static_cast<float>(inSize);
  switch (transform) {
    case 0: return (out + 0.5f) / scale - 0.5f;
    case 1: return outSize > 1 ? (out + 0.5f) / scale - 0.5f : 0.0f;
    case 2: return outSize > 1 ? out * static_cast<float>(inSize - 1) / static_cast<float>(outSize - 1) : 0.0f;
    default: return out / scale;
  }
}

__device__ __forceinline__ int64_t nearestIndex(float v, int mode, int64_t size) {
  float r;
  switch (mode) {
    case 0: r = ceilf(v - 0.5f); break;   // round half down
    case 1: r = floorf(v + 0.5f); break;  // round half up
    case 2: r = floorf(v); break;
    default: r = ceilf(v); break;
  }
  const int64_t i = static_cast<int64_t>(r);
  return i < 0 ? 0 : (i >= size ? size - 1 : i);
}

template <typename T>
__global__ void resizeKernel(T* y, TensorDesc yd, const T* x, TensorDesc xd, ResizeParams p, int64_t n) {
  int64_t c[kMaxRank];
  const int r = yd.rank;
  const int64_t ih = xd.shape[r - 2], iw = xd.shape[r - 1], oh = yd.shape[r - 2], ow = yd.shape[r - 1];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    const int64_t outOffset = offsetOf(yd, c);
    const int64_t yy = c[r - 2], xx = c[r - 1];
    c[r - 2] = 0;
    c[r - 1] = 0;
    const int64_t base = offsetOf(xd, c);
    const float sy = sourceCoord(yy, ih, oh, p.coordTransform), sx = sourceCoord(xx, iw, ow, p.coordTransform);
    float v;
    if (p.mode == 0) {
      v = loadF(x + base + nearestIndex(sy, p.nearestMode, ih) * xd.stride[r - 2] + nearestIndex(sx, p.nearestMode, iw) * xd.stride[r - 1]);
    } else {
      const float cy = fminf(fmaxf(sy, 0.0f), static_cast<float>(ih - 1)), cx = fminf(fmaxf(sx, 0.0f), static_cast<float>(iw - 1));
      const int64_t y0 = static_cast<int64_t>(floorf(cy)), x0 = static_cast<int64_t>(floorf(cx));
      const int64_t y1 = y0 + 1 < ih ? y0 + 1 : y0, x1 = x0 + 1 < iw ? x0 + 1 : x0;
      const float fy = cy - y0, fx = cx - x0;
      const int64_t sh = xd.stride[r - 2], sw = xd.stride[r - 1];
      const float v00 = loadF(x + base + y0 * sh + x0 * sw), v01 = loadF(x + base + y0 * sh + x1 * sw);
      const float v10 = loadF(x + base + y1 * sh + x0 * sw), v11 = loadF(x + base + y1 * sh + x1 * sw);
      v = (v00 * (1 - fx) + v01 * fx) * (1 - fy) + (v10 * (1 - fx) + v11 * fx) * fy;
    }
    storeF(y + outOffset, v);
  }
}

}  // namespace

cudaError_t launchPool2d(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc, const Pool2dParams& p,
                         cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  if (t == DType::F32) {
    pool2dKernel<float><<<gridFor(n), 256, 0, stream>>>(static_cast<float*>(y), yDesc, static_cast<const float*>(x), xDesc, p, n);
  } else {
    pool2dKernel<__half><<<gridFor(n), 256, 0, stream>>>(static_cast<__half*>(y), yDesc, static_cast<const __half*>(x), xDesc, p, n);
  }
  return cudaGetLastError();
}

cudaError_t launchGlobalPool(DType t, bool max, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc,
                             cudaStream_t stream) {
  const int64_t n = xDesc.shape[0] * xDesc.shape[1];
  int64_t spatial = 1;
  for (int k = 2; k < xDesc.rank; ++k) spatial *= xDesc.shape[k];
  if (n == 0) return cudaSuccess;
  const bool channelsFastest = xDesc.stride[1] == 1 && spatial > 1;
  if (channelsFastest) {
    if (t == DType::F32) {
      globalPoolThreadKernel<float><<<gridFor(n), 256, 0, stream>>>(max, static_cast<float*>(y), yDesc, static_cast<const float*>(x),
                                                                    xDesc, spatial, n);
    } else {
      globalPoolThreadKernel<__half><<<gridFor(n), 256, 0, stream>>>(max, static_cast<__half*>(y), yDesc,
                                                                     static_cast<const __half*>(x), xDesc, spatial, n);
    }
  } else {
    const unsigned blocks = gridFor(n * 32);
    if (t == DType::F32) {
      globalPoolWarpKernel<float><<<blocks, 256, 0, stream>>>(max, static_cast<float*>(y), yDesc, static_cast<const float*>(x), xDesc,
                                                              spatial, n);
    } else {
      globalPoolWarpKernel<__half><<<blocks, 256, 0, stream>>>(max, static_cast<__half*>(y), yDesc, static_cast<const __half*>(x),
                                                               xDesc, spatial, n);
    }
  }
  return cudaGetLastError();
}

cudaError_t launchSoftmax(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc, int axis, bool log,
                          cudaStream_t stream) {
  const int64_t len = xDesc.shape[axis];
  if (len == 0 || xDesc.count() == 0) return cudaSuccess;
  const int64_t rows = xDesc.count() / len;
  const unsigned blocks = gridFor(rows * 32);
  if (t == DType::F32) {
    softmaxKernel<float><<<blocks, 256, 0, stream>>>(static_cast<float*>(y), yDesc, static_cast<const float*>(x), xDesc, axis, log, rows);
  } else {
    softmaxKernel<__half><<<blocks, 256, 0, stream>>>(static_cast<__half*>(y), yDesc, static_cast<const __half*>(x), xDesc, axis, log,
                                                      rows);
  }
  return cudaGetLastError();
}

cudaError_t launchLrn(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc, int size, float alpha,
                      float beta, float bias, cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  if (t == DType::F32) {
    lrnKernel<float><<<gridFor(n), 256, 0, stream>>>(static_cast<float*>(y), yDesc, static_cast<const float*>(x), xDesc, size, alpha,
                                                     beta, bias, n);
  } else {
    lrnKernel<__half><<<gridFor(n), 256, 0, stream>>>(static_cast<__half*>(y), yDesc, static_cast<const __half*>(x), xDesc, size,
                                                      alpha, beta, bias, n);
  }
  return cudaGetLastError();
}

cudaError_t launchResize2d(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc, const ResizeParams& p,
                           cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  if (t == DType::F32) {
    resizeKernel<float><<<gridFor(n), 256, 0, stream>>>(static_cast<float*>(y), yDesc, static_cast<const float*>(x), xDesc, p, n);
  } else {
    resizeKernel<__half><<<gridFor(n), 256, 0, stream>>>(static_cast<__half*>(y), yDesc, static_cast<const __half*>(x), xDesc, p, n);
  }
  return cudaGetLastError();
}

}  // namespace kiln::cuda
