// Strided elementwise kernels: gather (copy, layout/dtype conversion, transpose, slice, pad,
// concat pieces), reshape copies, broadcast binaries, unary math and per-channel affine +
// activation.
// Threads walk the output in its physical order so stores coalesce in NCHW and NHWC alike.
#include "device_support.cuh"
#include "element_access.cuh"
#include "kernels.h"

namespace kiln::cuda {
namespace {

// Where dst's element at coordinates c reads from: its offset in src, or false when the map puts
// it outside src's bounds (a pad).
__device__ __forceinline__ bool gatherSource(const TensorDesc& dd, const TensorDesc& sd, const GatherMap& map, const int64_t* c,
                                             int64_t& srcOffset) {
  srcOffset = sd.offset;
  bool inside = true;
  for (int k = 0; k < dd.rank; ++k) {
    const int64_t s = map.start[k] + c[k] * map.step[k];
    inside = inside && s >= 0 && s < map.bound[k];
    srcOffset += s * sd.stride[k];
  }
  return inside;
}

template <typename D, typename S>
__global__ void gatherKernel(D* dst, TensorDesc dd, const S* src, TensorDesc sd, GatherMap map, float padValue, int64_t n) {
  int64_t c[kMaxRank];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(dd, i, c);
    int64_t srcOffset = 0;
    const bool inside = gatherSource(dd, sd, map, c, srcOffset);
    storeF(dst + offsetOf(dd, c), inside ? loadF(src + srcOffset) : padValue);
  }
}

// gatherKernel for integer and bool values: their bits move unchanged (U: an unsigned type of the
// element's size).
template <typename U>
__global__ void gatherBitsKernel(U* dst, TensorDesc dd, const U* src, TensorDesc sd, GatherMap map, U pad, int64_t n) {
  int64_t c[kMaxRank];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(dd, i, c);
    int64_t srcOffset = 0;
    const bool inside = gatherSource(dd, sd, map, c, srcOffset);
    dst[offsetOf(dd, c)] = inside ? src[srcOffset] : pad;
  }
}

template <typename U>
__global__ void reshapeBitsKernel(U* dst, TensorDesc dd, const U* src, TensorDesc sd, int64_t n) {
  int64_t c[kMaxRank];
  KILN_GRID_STRIDE(i, n) {
    rowMajorCoords(dd, i, c);
    const int64_t outOffset = offsetOf(dd, c);
    rowMajorCoords(sd, i, c);
    dst[outOffset] = src[offsetOf(sd, c)];
  }
}

template <typename D, typename S>
__global__ void reshapeKernel(D* dst, TensorDesc dd, const S* src, TensorDesc sd, int64_t n) {
  int64_t c[kMaxRank];
  KILN_GRID_STRIDE(i, n) {
    rowMajorCoords(dd, i, c);
    const int64_t outOffset = offsetOf(dd, c);
    rowMajorCoords(sd, i, c);
    storeF(dst + outOffset, loadF(src + offsetOf(sd, c)));
  }
}

template <typename T>
__global__ void binaryKernel(BinaryKind op, T* y, TensorDesc yd, const T* a, TensorDesc ad, const T* b, TensorDesc bd,
                             ActivationSpec act, int64_t n) {
  int64_t c[kMaxRank];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    const float v = applyBinary(op, loadF(a + offsetOf(ad, c)), loadF(b + offsetOf(bd, c)));
    storeF(y + offsetOf(yd, c), applyActivation(v, act));
  }
}

template <typename T>
__global__ void unaryKernel(UnaryKind op, T* y, TensorDesc yd, const T* x, TensorDesc xd, int64_t n) {
  int64_t c[kMaxRank];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    storeF(y + offsetOf(yd, c), applyUnary(op, loadF(x + offsetOf(xd, c))));
  }
}

template <typename T>
__global__ void channelAffineKernel(T* y, TensorDesc yd, const T* x, TensorDesc xd, const T* scale, const T* shift, int axis,
                                    ActivationSpec act, int64_t n) {
  int64_t c[kMaxRank];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    float v = loadF(x + offsetOf(xd, c));
    if (scale != nullptr) v *= loadF(scale + c[axis]);
    if (shift != nullptr) v += loadF(shift + c[axis]);
    storeF(y + offsetOf(yd, c), applyActivation(v, act));
  }
}

template <typename D, typename S>
cudaError_t gatherTyped(void* dst, const TensorDesc& dd, const void* src, const TensorDesc& sd, const GatherMap& map, float pad,
                        cudaStream_t stream) {
  const int64_t n = dd.count();
  if (n == 0) return cudaSuccess;
  gatherKernel<D, S><<<gridFor(n), 256, 0, stream>>>(static_cast<D*>(dst), dd, static_cast<const S*>(src), sd, map, pad, n);
  return cudaGetLastError();
}

template <typename D, typename S>
cudaError_t reshapeTyped(void* dst, const TensorDesc& dd, const void* src, const TensorDesc& sd, cudaStream_t stream) {
  const int64_t n = dd.count();
  if (n == 0) return cudaSuccess;
  reshapeKernel<D, S><<<gridFor(n), 256, 0, stream>>>(static_cast<D*>(dst), dd, static_cast<const S*>(src), sd, n);
  return cudaGetLastError();
}

}  // namespace

cudaError_t launchGather(void* dst, const TensorDesc& dstDesc, DType dstType, const void* src, const TensorDesc& srcDesc,
                         DType srcType, const GatherMap& map, float padValue, cudaStream_t stream) {
  if (!isFloatType(dstType) || !isFloatType(srcType)) {
    if (dstType != srcType) return cudaErrorInvalidValue;  // integers never change type here (cast does that)
    const int64_t n = dstDesc.count();
    if (n == 0) return cudaSuccess;
    return withBits(dstType, [&](auto bits) {
      using U = decltype(bits);
      U pad{};
      storeInt(&pad, 0, dstType, floatToInt(padValue, dstType));
      gatherBitsKernel<U><<<gridFor(n), 256, 0, stream>>>(static_cast<U*>(dst), dstDesc, static_cast<const U*>(src), srcDesc, map, pad, n);
      return cudaGetLastError();
    });
  }
  if (dstType == DType::F32 && srcType == DType::F32) return gatherTyped<float, float>(dst, dstDesc, src, srcDesc, map, padValue, stream);
  if (dstType == DType::F32) return gatherTyped<float, __half>(dst, dstDesc, src, srcDesc, map, padValue, stream);
  if (srcType == DType::F32) return gatherTyped<__half, float>(dst, dstDesc, src, srcDesc, map, padValue, stream);
  return gatherTyped<__half, __half>(dst, dstDesc, src, srcDesc, map, padValue, stream);
}

cudaError_t launchReshapeCopy(void* dst, const TensorDesc& dstDesc, DType dstType, const void* src, const TensorDesc& srcDesc,
                              DType srcType, cudaStream_t stream) {
  if (!isFloatType(dstType) || !isFloatType(srcType)) {
    if (dstType != srcType) return cudaErrorInvalidValue;
    const int64_t n = dstDesc.count();
    if (n == 0) return cudaSuccess;
    return withBits(dstType, [&](auto bits) {
      using U = decltype(bits);
      reshapeBitsKernel<U><<<gridFor(n), 256, 0, stream>>>(static_cast<U*>(dst), dstDesc, static_cast<const U*>(src), srcDesc, n);
      return cudaGetLastError();
    });
  }
  if (dstType == DType::F32 && srcType == DType::F32) return reshapeTyped<float, float>(dst, dstDesc, src, srcDesc, stream);
  if (dstType == DType::F32) return reshapeTyped<float, __half>(dst, dstDesc, src, srcDesc, stream);
  if (srcType == DType::F32) return reshapeTyped<__half, float>(dst, dstDesc, src, srcDesc, stream);
  return reshapeTyped<__half, __half>(dst, dstDesc, src, srcDesc, stream);
}

cudaError_t launchBinary(DType t, BinaryKind op, void* y, const TensorDesc& yDesc, const void* a, const TensorDesc& aDesc,
                         const void* b, const TensorDesc& bDesc, ActivationSpec act, cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  if (t == DType::F32) {
    binaryKernel<float><<<gridFor(n), 256, 0, stream>>>(op, static_cast<float*>(y), yDesc, static_cast<const float*>(a), aDesc,
                                                        static_cast<const float*>(b), bDesc, act, n);
  } else {
    binaryKernel<__half><<<gridFor(n), 256, 0, stream>>>(op, static_cast<__half*>(y), yDesc, static_cast<const __half*>(a), aDesc,
                                                         static_cast<const __half*>(b), bDesc, act, n);
  }
  return cudaGetLastError();
}

cudaError_t launchUnary(DType t, UnaryKind op, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc,
                        cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  if (t == DType::F32) {
    unaryKernel<float><<<gridFor(n), 256, 0, stream>>>(op, static_cast<float*>(y), yDesc, static_cast<const float*>(x), xDesc, n);
  } else {
    unaryKernel<__half><<<gridFor(n), 256, 0, stream>>>(op, static_cast<__half*>(y), yDesc, static_cast<const __half*>(x), xDesc, n);
  }
  return cudaGetLastError();
}

cudaError_t launchChannelAffine(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc,
                                const void* scale, const void* shift, int channelAxis, ActivationSpec act, cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  if (t == DType::F32) {
    channelAffineKernel<float><<<gridFor(n), 256, 0, stream>>>(static_cast<float*>(y), yDesc, static_cast<const float*>(x), xDesc,
                                                               static_cast<const float*>(scale), static_cast<const float*>(shift),
                                                               channelAxis, act, n);
  } else {
    channelAffineKernel<__half><<<gridFor(n), 256, 0, stream>>>(static_cast<__half*>(y), yDesc, static_cast<const __half*>(x), xDesc,
                                                                static_cast<const __half*>(scale),
                                                                static_cast<const __half*>(shift), channelAxis, act, n);
  }
  return cudaGetLastError();
}

}  // namespace kiln::cuda
