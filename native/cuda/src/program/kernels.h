// Host entry points of kiln's own CUDA kernels for Program ops. Every launcher enqueues on
// `stream`, never synchronizes (so it can be captured into a CUDA graph), and returns the
// launch error. `DType` is how the pointed-to elements are stored: float values as float or half
// (the program's precision), integer and bool values exactly as the Program types them.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "activation_spec.h"
#include "program_spec.h"
#include "tensor_desc.h"

namespace kiln::cuda {

// Usable in device code too when nvcc compiles the includer.
#ifdef __CUDACC__
#define KILN_HOST_DEVICE __host__ __device__
#else
#define KILN_HOST_DEVICE
#endif

enum class DType { F32, F16, I32, I64, I8, U8, Bool };
KILN_HOST_DEVICE inline bool isFloatType(DType t) { return t == DType::F32 || t == DType::F16; }
KILN_HOST_DEVICE inline int64_t dtypeBytes(DType t) {
  switch (t) {
    case DType::I64: return 8;
    case DType::F32:
    case DType::I32: return 4;
    case DType::F16: return 2;
    case DType::I8:
    case DType::U8:
    case DType::Bool: return 1;
  }
  return 1;
}

// dst[c] = src[start + c·step] per dim (src coordinates outside `bound` read `padValue`). `src`
// is expressed in dst's logical dims (strides permuted for transposes). Converts float ↔ half;
// integer and bool values are copied as they are (dst and src of one type; `padValue` is cast to
// it as program.ts casts a float).
struct GatherMap {
  int64_t start[kMaxRank] = {};
  int64_t step[kMaxRank] = {};
  int64_t bound[kMaxRank] = {};
};
cudaError_t launchGather(void* dst, const TensorDesc& dstDesc, DType dstType, const void* src, const TensorDesc& srcDesc,
                         DType srcType, const GatherMap& map, float padValue, cudaStream_t stream);

// Reshape: the row-major flat index of dst and src match (shapes differ, counts equal).
cudaError_t launchReshapeCopy(void* dst, const TensorDesc& dstDesc, DType dstType, const void* src, const TensorDesc& srcDesc,
                              DType srcType, cudaStream_t stream);

// y = act(a ∘ b); a/b already broadcast to y's logical shape (stride 0 on broadcast dims).
cudaError_t launchBinary(DType t, BinaryKind op, void* y, const TensorDesc& yDesc, const void* a, const TensorDesc& aDesc,
                         const void* b, const TensorDesc& bDesc, ActivationSpec act, cudaStream_t stream);

// y = op(x) elementwise; x and y have the same logical shape (layouts may differ).
cudaError_t launchUnary(DType t, UnaryKind op, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc,
                        cudaStream_t stream);

// y = act(x·scale[c] + shift[c]) with c the coordinate along `channelAxis`; scale and shift
// (contiguous, one per channel, of type t) may be null, which makes this a plain activation.
cudaError_t launchChannelAffine(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc,
                                const void* scale, const void* shift, int channelAxis, ActivationSpec act, cudaStream_t stream);

struct Pool2dParams {
  bool max = true;
  int window[2], strides[2], pads[4], dilations[2];
  bool countIncludePad = false;
};
cudaError_t launchPool2d(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc, const Pool2dParams& p,
                         cudaStream_t stream);
// Mean or max over dims 2.. of x into y (y's spatial dims are 1).
cudaError_t launchGlobalPool(DType t, bool max, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc,
                             cudaStream_t stream);
cudaError_t launchSoftmax(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc, int axis, bool log,
                          cudaStream_t stream);
cudaError_t launchLrn(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc, int size, float alpha,
                      float beta, float bias, cudaStream_t stream);
struct ResizeParams {
  int mode, coordTransform, nearestMode;
};
cudaError_t launchResize2d(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc, const ResizeParams& p,
                           cudaStream_t stream);

// Convolution over NCHW logical descs (any strides): implicit GEMM on CUDA cores. w is float
// [M][C/groups][kH][kW] row-major; bias float [M] or null; residual (y's shape) or null.
struct ConvParams {
  int strides[2], pads[4], dilations[2], groups;
  ActivationSpec act;
};
cudaError_t launchImplicitGemmConv(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc,
                                   const float* w, int kh, int kw, const float* bias, const void* residual,
                                   const TensorDesc& residualDesc, const ConvParams& p, cudaStream_t stream);
// Depthwise convolution (groups = C = M): w is float [kH][kW][C] (channel fastest).
cudaError_t launchDepthwiseConv(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc,
                                const float* w, int kh, int kw, const float* bias, const void* residual,
                                const TensorDesc& residualDesc, const ConvParams& p, cudaStream_t stream);

// Transposed convolution (ONNX ConvTranspose) over NCHW logical descs, computed per output
// element (gather form: no atomics, deterministic). w is float [C][M/groups][kH][kW]; bias
// float [M] or null.
cudaError_t launchDeconv(DType t, void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc, const float* w, int kh,
                         int kw, const float* bias, const ConvParams& p, cudaStream_t stream);

// In place on y (after a library convolution): y = act(y + bias[c] + residual), bias float [C]
// or null, residual (y's shape) or null.
cudaError_t launchConvEpilogue(DType t, void* y, const TensorDesc& yDesc, const float* bias, const void* residual,
                               const TensorDesc& residualDesc, ActivationSpec act, cudaStream_t stream);

// Batched GEMM: y[b] = act(alpha·A[b]·B[b] + beta·bias), A [M,K] and B [K,N] given by element
// strides (transposes are stride swaps), batch b at offsets aOffsets[b] / bOffsets[b] (device
// arrays, null = 0). y is row-major [batch, M, N]. bias is broadcast by its desc to [M, N].
struct GemmShape {
  int64_t m, n, k, batch;
  int64_t aRowStride, aColStride, bRowStride, bColStride;
};
cudaError_t launchGemm(DType t, void* y, const void* a, const void* b, const GemmShape& s, const int64_t* aOffsets,
                       const int64_t* bOffsets, float alpha, float beta, const void* bias, const TensorDesc& biasDesc,
                       ActivationSpec act, cudaStream_t stream);

// The index-math ops (kernels_index.cu), with program.ts semantics: no index ever forms an
// address outside its tensor, no integer operation traps. Float operands may be float or half
// and any layout; integer and bool values are row-major.

// y = x converted to y's type: float → integer truncates and saturates (NaN → 0), integers wrap,
// anything → bool is x ≠ 0.
cudaError_t launchCast(void* y, const TensorDesc& yDesc, DType yType, const void* x, const TensorDesc& xDesc, DType xType,
                       cudaStream_t stream);
// y (bool) = a ∘ b; a and b of `type`, already broadcast to y's logical shape.
cudaError_t launchCompare(CompareKind op, void* y, const TensorDesc& yDesc, const void* a, const TensorDesc& aDesc, const void* b,
                          const TensorDesc& bDesc, DType type, cudaStream_t stream);
// y = condition ? a : b; all broadcast to y's logical shape; a, b and y of `type`.
cudaError_t launchWhere(void* y, const TensorDesc& yDesc, const void* condition, const TensorDesc& conditionDesc, const void* a,
                        const TensorDesc& aDesc, const void* b, const TensorDesc& bDesc, DType type, cudaStream_t stream);
// Integer y = a ∘ b on int32/int64 (add sub mul div max min mod fmod; x/0 and x%0 give 0,
// INT_MIN/−1 wraps); a and b broadcast to y's logical shape.
cudaError_t launchIntegerBinary(BinaryKind op, DType type, void* y, const TensorDesc& yDesc, const void* a, const TensorDesc& aDesc,
                                const void* b, const TensorDesc& bDesc, cudaStream_t stream);
// ONNX Gather along `axis`: y = x[…, indices[j…], …]; an index outside [−n, n) gives zeros.
cudaError_t launchGatherAxis(void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc, DType type, const void* indices,
                             const TensorDesc& indicesDesc, DType indexType, int axis, cudaStream_t stream);
// ONNX GatherND (batch_dims 0): each row of indices' last dim picks a slice of x; a row with an
// index out of range gives zeros.
cudaError_t launchGatherNd(void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc, DType type, const void* indices,
                           const TensorDesc& indicesDesc, DType indexType, cudaStream_t stream);
// The index of the largest (`max`) or smallest value along `axis` (y has that dim 1): first index
// on ties (last with `last`); a NaN is picked only where it comes first.
cudaError_t launchArgReduce(void* y, const TensorDesc& yDesc, DType yType, const void* x, const TensorDesc& xDesc, DType xType, int axis,
                            bool max, bool last, cudaStream_t stream);

}  // namespace kiln::cuda
