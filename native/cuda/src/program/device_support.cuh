// Device helpers shared by kiln's own kernels: float/half loads and stores (math is always in
// float), activations, and strided index arithmetic over TensorDesc.
#pragma once

#include <cuda_fp16.h>

#include "activation_spec.h"
#include "program_spec.h"
#include "tensor_desc.h"

namespace kiln::cuda {

template <typename T>
__device__ __forceinline__ float loadF(const T* p) {
  return static_cast<float>(*p);
}
template <>
__device__ __forceinline__ float loadF<__half>(const __half* p) {
  return __half2float(*p);
}

template <typename T>
__device__ __forceinline__ void storeF(T* p, float v) {
  *p = v;
}
template <>
__device__ __forceinline__ void storeF<__half>(__half* p, float v) {
  *p = __float2half_rn(v);
}

__device__ __forceinline__ float sigmoidF(float x) { return 1.0f / (1.0f + __expf(-x)); }
__device__ __forceinline__ float softplusF(float x) { return x > 20.0f ? x : log1pf(expf(x)); }

__device__ __forceinline__ float applyActivation(float x, const ActivationSpec& a) {
  switch (a.kind) {
    case ActKind::None: return x;
    case ActKind::Relu: return fmaxf(x, 0.0f);
    case ActKind::Sigmoid: return sigmoidF(x);
    case ActKind::Tanh: return tanhf(x);
    case ActKind::LeakyRelu: return x >= 0.0f ? x : a.alpha * x;
    case ActKind::Elu: return x >= 0.0f ? x : a.alpha * (expf(x) - 1.0f);
    case ActKind::Selu: return a.beta * (x > 0.0f ? x : a.alpha * (expf(x) - 1.0f));
    case ActKind::Softsign: return x / (1.0f + fabsf(x));
    case ActKind::Softplus: return softplusF(x);
    case ActKind::Clip: return fminf(fmaxf(x, a.alpha), a.beta);
    case ActKind::HardSigmoid: return fminf(1.0f, fmaxf(0.0f, a.alpha * x + a.beta));
    case ActKind::ScaledTanh: return a.alpha * tanhf(a.beta * x);
    case ActKind::ThresholdedRelu: return x > a.alpha ? x : 0.0f;
    case ActKind::GeluErf: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case ActKind::GeluTanh: return 0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    case ActKind::Celu: return fmaxf(0.0f, x) + fminf(0.0f, a.alpha * (expf(x / a.alpha) - 1.0f));
    case ActKind::Mish: return x * tanhf(softplusF(x));
    case ActKind::Swish: return x * sigmoidF(a.alpha * x);
    case ActKind::HardSwish: return x * fminf(1.0f, fmaxf(0.0f, x / 6.0f + 0.5f));
    case ActKind::Shrink: return x < -a.alpha ? x + a.beta : (x > a.alpha ? x - a.beta : 0.0f);
  }
  return x;
}

// program.ts binary ops on floats ('prelu': b is the slope where a < 0).
__device__ __forceinline__ float applyBinary(BinaryKind op, float a, float b) {
  switch (op) {
    case BinaryKind::Add: return a + b;
    case BinaryKind::Sub: return a - b;
    case BinaryKind::Mul: return a * b;
    case BinaryKind::Div: return a / b;
    case BinaryKind::Max: return fmaxf(a, b);
    case BinaryKind::Min: return fminf(a, b);
    case BinaryKind::Pow: return powf(a, b);
    case BinaryKind::Prelu: return a >= 0.0f ? a : a * b;
    case BinaryKind::Mod:
    case BinaryKind::Fmod: {
      // fmod is exact in double; 'mod' moves a non-zero remainder to the divisor's sign.
      double r = fmod(static_cast<double>(a), static_cast<double>(b));
      if (op == BinaryKind::Mod && r != 0 && !isnan(r) && (r < 0) != (b < 0)) r += static_cast<double>(b);
      return static_cast<float>(r);
    }
  }
  return 0.0f;
}

// program.ts unary ops with ONNX semantics ('round' is half to even, as rintf rounds).
__device__ __forceinline__ float applyUnary(UnaryKind op, float x) {
  switch (op) {
    case UnaryKind::Abs: return fabsf(x);
    case UnaryKind::Neg: return -x;
    case UnaryKind::Exp: return expf(x);
    case UnaryKind::Log: return logf(x);
    case UnaryKind::Sqrt: return sqrtf(x);
    case UnaryKind::Reciprocal: return 1.0f / x;
    case UnaryKind::Sin: return sinf(x);
    case UnaryKind::Cos: return cosf(x);
    case UnaryKind::Tan: return tanf(x);
    case UnaryKind::Erf: return erff(x);
    case UnaryKind::Floor: return floorf(x);
    case UnaryKind::Ceil: return ceilf(x);
    case UnaryKind::Round: return rintf(x);
    case UnaryKind::Sign: return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x);
  }
  return x;
}

// Logical coordinates of the element at physical position `i` of a dense value, so that
// consecutive threads write consecutive addresses whatever the layout.
__device__ __forceinline__ void physicalCoords(const TensorDesc& d, int64_t i, int64_t* c) {
  for (int k = d.rank - 1; k >= 0; --k) {
    const int dim = d.order[k];
    c[dim] = i % d.shape[dim];
    i /= d.shape[dim];
  }
}

// Logical coordinates of row-major flat index `i` (reshape semantics).
__device__ __forceinline__ void rowMajorCoords(const TensorDesc& d, int64_t i, int64_t* c) {
  for (int k = d.rank - 1; k >= 0; --k) {
    c[k] = i % d.shape[k];
    i /= d.shape[k];
  }
}

__device__ __forceinline__ int64_t offsetOf(const TensorDesc& d, const int64_t* c) {
  int64_t o = d.offset;
  for (int k = 0; k < d.rank; ++k) o += c[k] * d.stride[k];
  return o;
}

#define KILN_GRID_STRIDE(i, n) \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += static_cast<int64_t>(gridDim.x) * blockDim.x)

// Blocks for a grid-stride loop over n items: enough to fill any GPU, capped for the launch limit.
inline unsigned gridFor(int64_t n, unsigned threads = 256) {
  const int64_t wanted = (n + threads - 1) / threads;
  return static_cast<unsigned>(wanted < 1 ? 1 : (wanted > 65535 * 8 ? 65535 * 8 : wanted));
}

}  // namespace kiln::cuda
