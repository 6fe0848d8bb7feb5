// Vectorized fast paths (kernels_fast.cu) for dense values under 2^31 elements. Pointers are
// the values' base addresses; widths adapt to their alignment.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels.h"

namespace kiln::cuda {

bool fitsFast(int64_t elements);

// y = act(y + bias[c] + residual), in place; channel c of flat index i is (i / inner) % channels.
cudaError_t launchEpilogueFast(DType t, void* y, const void* residual, const float* bias, ActivationSpec act, int64_t count,
                               int64_t channels, int64_t inner, cudaStream_t stream);
// y = act(a ∘ b) over identically laid-out operands.
cudaError_t launchBinaryFlat(DType t, BinaryKind op, void* y, const void* a, const void* b, ActivationSpec act, int64_t count,
                             cudaStream_t stream);
// y = act(x·scale[c] + shift[c]) over identically laid-out x and y.
cudaError_t launchAffineFlat(DType t, void* y, const void* x, const void* scale, const void* shift, ActivationSpec act, int64_t count,
                             int64_t channels, int64_t inner, cudaStream_t stream);

struct FastConvShape {
  unsigned n, c, h, w, oh, ow;
  int kh, kw, sh, sw, pt, pl, pb, pr, dh, dw;
};
// Depthwise convolution over NHWC x/y (residual NHWC or null); w is float [kH][kW][C].
cudaError_t launchDepthwiseNhwc(DType t, void* y, const void* x, const float* w, const float* bias, const void* residual,
                                const FastConvShape& s, ActivationSpec act, cudaStream_t stream);
// Dense convolution (groups 1) over NHWC x/y for small C·kH·kW·M: w is float [kH][kW][C][M],
// held in shared memory (at most kDirectConvMaxSharedBytes).
constexpr size_t kDirectConvMaxSharedBytes = 48 * 1024;
cudaError_t launchDirectNhwc(DType t, void* y, const void* x, const float* w, const float* bias, const void* residual,
                             const FastConvShape& s, unsigned m, ActivationSpec act, cudaStream_t stream);
cudaError_t launchPoolNhwc(DType t, void* y, const void* x, const FastConvShape& s, bool max, bool countIncludePad, cudaStream_t stream);

}  // namespace kiln::cuda
