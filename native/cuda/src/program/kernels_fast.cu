// Vectorized fast paths for the memory-bound ops that dominate CNNs once convolutions run on
// tensor cores: dense (NHWC or NCHW) epilogues, same-layout binaries, per-channel affines,
// NHWC depthwise convolution and NHWC pooling. Each thread moves V contiguous elements (16
// bytes) with 32-bit index arithmetic; the launchers say when a case does not qualify, and the
// strided kernels handle it instead.
#include <cfloat>

#include "device_support.cuh"
#include "kernels_fast.h"

namespace kiln::cuda {
namespace {

template <typename T, int V>
struct alignas(sizeof(T) * V) Vec {
  T v[V];
};

template <typename T, int V>
__device__ __forceinline__ void loadVec(const T* p, float (&out)[V]) {
  const Vec<T, V> vec = *reinterpret_cast<const Vec<T, V>*>(p);
#pragma unroll
  for (int j = 0; j < V; ++j) out[j] = loadF(&vec.v[j]);
}

template <typename T, int V>
__device__ __forceinline__ void storeVec(T* p, const float (&in)[V]) {
  Vec<T, V> vec;
#pragma unroll
  for (int j = 0; j < V; ++j) storeF(&vec.v[j], in[j]);
  *reinterpret_cast<Vec<T, V>*>(p) = vec;
}

// Channel of flat element i: channels-last (inner = 1) or channels-first (inner = H·W).
__device__ __forceinline__ unsigned channelOf(unsigned i, unsigned channels, unsigned inner) {
  return inner == 1 ? i % channels : (i / inner) % channels;
}

template <typename T, int V>
__global__ void epilogueKernel(T* y, const T* residual, const float* bias, ActivationSpec act, unsigned vectors, unsigned channels,
                               unsigned inner) {
  for (unsigned k = blockIdx.x * blockDim.x + threadIdx.x; k < vectors; k += gridDim.x * blockDim.x) {
    const unsigned i0 = k * V;
    float v[V], r[V];
    loadVec<T, V>(y + i0, v);
    if (residual != nullptr) loadVec<T, V>(residual + i0, r);
#pragma unroll
    for (int j = 0; j < V; ++j) {
      float u = v[j];
      if (bias != nullptr) u += bias[channelOf(i0 + j, channels, inner)];
      if (residual != nullptr) u += r[j];
      v[j] = applyActivation(u, act);
    }
    storeVec<T, V>(y + i0, v);
  }
}

template <typename T, int V>
__global__ void binaryFlatKernel(BinaryKind op, T* y, const T* a, const T* b, ActivationSpec act, unsigned vectors) {
  for (unsigned k = blockIdx.x * blockDim.x + threadIdx.x; k < vectors; k += gridDim.x * blockDim.x) {
    float av[V], bv[V];
    loadVec<T, V>(a + k * V, av);
    loadVec<T, V>(b + k * V, bv);
#pragma unroll
    for (int j = 0; j < V; ++j) av[j] = applyActivation(applyBinary(op, av[j], bv[j]), act);
    storeVec<T, V>(y + k * V, av);
  }
}

template <typename T, int V>
__global__ void affineFlatKernel(T* y, const T* x, const T* scale, const T* shift, ActivationSpec act, unsigned vectors,
                                 unsigned channels, unsigned inner) {
  for (unsigned k = blockIdx.x * blockDim.x + threadIdx.x; k < vectors; k += gridDim.x * blockDim.x) {
    const unsigned i0 = k * V;
    float v[V];
    loadVec<T, V>(x + i0, v);
#pragma unroll
    for (int j = 0; j < V; ++j) {
      const unsigned c = channelOf(i0 + j, channels, inner);
      float u = v[j];
      if (scale != nullptr) u *= loadF(scale + c);
      if (shift != nullptr) u += loadF(shift + c);
      v[j] = applyActivation(u, act);
    }
    storeVec<T, V>(y + i0, v);
  }
}

// One thread per V channels of one output pixel; x and y NHWC, w [kH][kW][C] float.
template <typename T, int V>
__global__ void depthwiseNhwcKernel(T* y, const T* x, const float* w, const float* bias, const T* residual, FastConvShape s,
                                    ActivationSpec act) {
  const unsigned cv = s.c / V;
  const unsigned total = s.n * s.oh * s.ow * cv;
  for (unsigned k = blockIdx.x * blockDim.x + threadIdx.x; k < total; k += gridDim.x * blockDim.x) {
    const unsigned c0 = (k % cv) * V;
    unsigned p = k / cv;
    const unsigned ow = p % s.ow;
    p /= s.ow;
    const unsigned oh = p % s.oh;
    const unsigned n = p / s.oh;
    float acc[V];
#pragma unroll
    for (int j = 0; j < V; ++j) acc[j] = bias != nullptr ? bias[c0 + j] : 0.0f;
    const int h0 = static_cast<int>(oh * s.sh) - s.pt, w0 = static_cast<int>(ow * s.sw) - s.pl;
    for (int fh = 0; fh < s.kh; ++fh) {
      const int ih = h0 + fh * s.dh;
      if (ih < 0 || ih >= static_cast<int>(s.h)) continue;
      for (int fw = 0; fw < s.kw; ++fw) {
        const int iw = w0 + fw * s.dw;
        if (iw < 0 || iw >= static_cast<int>(s.w)) continue;
        float xv[V];
        loadVec<T, V>(x + ((static_cast<size_t>(n) * s.h + ih) * s.w + iw) * s.c + c0, xv);
        const float* wp = w + (fh * s.kw + fw) * s.c + c0;
#pragma unroll
        for (int j = 0; j < V; ++j) acc[j] += xv[j] * wp[j];
      }
    }
    const size_t out = ((static_cast<size_t>(n) * s.oh + oh) * s.ow + ow) * s.c + c0;
    if (residual != nullptr) {
      float r[V];
      loadVec<T, V>(residual + out, r);
#pragma unroll
      for (int j = 0; j < V; ++j) acc[j] += r[j];
    }
#pragma unroll
    for (int j = 0; j < V; ++j) acc[j] = applyActivation(acc[j], act);
    storeVec<T, V>(y + out, acc);
  }
}

template <typename T, int V>
__global__ void poolNhwcKernel(T* y, const T* x, FastConvShape s, bool max, bool countIncludePad) {
  const unsigned cv = s.c / V;
  const unsigned total = s.n * s.oh * s.ow * cv;
  for (unsigned k = blockIdx.x * blockDim.x + threadIdx.x; k < total; k += gridDim.x * blockDim.x) {
    const unsigned c0 = (k % cv) * V;
    unsigned p = k / cv;
    const unsigned ow = p % s.ow;
    p /= s.ow;
    const unsigned oh = p % s.oh;
    const unsigned n = p / s.oh;
    float acc[V];
#pragma unroll
    for (int j = 0; j < V; ++j) acc[j] = max ? -FLT_MAX : 0.0f;
    int valid = 0, padded = 0;
    const int h0 = static_cast<int>(oh * s.sh) - s.pt, w0 = static_cast<int>(ow * s.sw) - s.pl;
    for (int fh = 0; fh < s.kh; ++fh) {
      const int ih = h0 + fh * s.dh;
      if (ih >= static_cast<int>(s.h) + s.pb) break;
      for (int fw = 0; fw < s.kw; ++fw) {
        const int iw = w0 + fw * s.dw;
        if (iw >= static_cast<int>(s.w) + s.pr) break;
        ++padded;
        if (ih < 0 || ih >= static_cast<int>(s.h) || iw < 0 || iw >= static_cast<int>(s.w)) continue;
        ++valid;
        float xv[V];
        loadVec<T, V>(x + ((static_cast<size_t>(n) * s.h + ih) * s.w + iw) * s.c + c0, xv);
#pragma unroll
        for (int j = 0; j < V; ++j) acc[j] = max ? fmaxf(acc[j], xv[j]) : acc[j] + xv[j];
      }
    }
    if (!max) {
      const float d = static_cast<float>(countIncludePad ? (padded > 0 ? padded : 1) : (valid > 0 ? valid : 1));
#pragma unroll
      for (int j = 0; j < V; ++j) acc[j] /= d;
    }
    storeVec<T, V>(y + ((static_cast<size_t>(n) * s.oh + oh) * s.ow + ow) * s.c + c0, acc);
  }
}

// Direct convolution for few input channels (stems, MobileNet expansions): one thread per
// output pixel and V output channels, all weights in shared memory as [kH][kW][C][M] floats.
template <typename T, int V>
__global__ void directNhwcKernel(T* y, const T* x, const float* w, const float* bias, const T* residual, FastConvShape s, unsigned m,
                                 ActivationSpec act) {
  extern __shared__ float ws[];
  const unsigned weights = s.kh * s.kw * s.c * m;
  for (unsigned i = threadIdx.x; i < weights; i += blockDim.x) ws[i] = w[i];
  __syncthreads();
  const unsigned mv = m / V;
  const unsigned total = s.n * s.oh * s.ow * mv;
  for (unsigned k = blockIdx.x * blockDim.x + threadIdx.x; k < total; k += gridDim.x * blockDim.x) {
    const unsigned m0 = (k % mv) * V;
    unsigned p = k / mv;
    const unsigned ow = p % s.ow;
    p /= s.ow;
    const unsigned oh = p % s.oh;
    const unsigned n = p / s.oh;
    float acc[V];
#pragma unroll
    for (int j = 0; j < V; ++j) acc[j] = bias != nullptr ? bias[m0 + j] : 0.0f;
    const int h0 = static_cast<int>(oh * s.sh) - s.pt, w0 = static_cast<int>(ow * s.sw) - s.pl;
    for (int fh = 0; fh < s.kh; ++fh) {
      const int ih = h0 + fh * s.dh;
      if (ih < 0 || ih >= static_cast<int>(s.h)) continue;
      for (int fw = 0; fw < s.kw; ++fw) {
        const int iw = w0 + fw * s.dw;
        if (iw < 0 || iw >= static_cast<int>(s.w)) continue;
        const T* xp = x + ((static_cast<size_t>(n) * s.h + ih) * s.w + iw) * s.c;
        const float* wp = ws + ((fh * s.kw + fw) * s.c) * m + m0;
        for (unsigned c = 0; c < s.c; ++c) {
          const float xv = loadF(xp + c);
#pragma unroll
          for (int j = 0; j < V; ++j) acc[j] += xv * wp[c * m + j];
        }
      }
    }
    const size_t out = ((static_cast<size_t>(n) * s.oh + oh) * s.ow + ow) * m + m0;
    if (residual != nullptr) {
      float r[V];
      loadVec<T, V>(residual + out, r);
#pragma unroll
      for (int j = 0; j < V; ++j) acc[j] += r[j];
    }
#pragma unroll
    for (int j = 0; j < V; ++j) acc[j] = applyActivation(acc[j], act);
    storeVec<T, V>(y + out, acc);
  }
}

bool aligned(const void* p, int bytes) { return p == nullptr || reinterpret_cast<uintptr_t>(p) % bytes == 0; }

// Elements per thread: 16 bytes when every pointer and the channel count allow it.
int widthFor(DType t, int64_t channels, std::initializer_list<const void*> pointers) {
  const int wide = t == DType::F16 ? 8 : 4;
  for (int v : {wide, 2, 1}) {
    bool ok = channels % v == 0;
    for (const void* p : pointers) ok = ok && aligned(p, v * static_cast<int>(dtypeBytes(t)));
    if (ok) return v;
  }
  return 1;
}

unsigned blocksFor(unsigned items) {
  const unsigned wanted = (items + 255) / 256;
  return wanted < 1 ? 1 : (wanted > 65535u * 8 ? 65535u * 8 : wanted);
}

template <typename Launch>
cudaError_t withWidth(int width, Launch&& launch) {
  switch (width) {
    case 8: return launch(std::integral_constant<int, 8>{});
    case 4: return launch(std::integral_constant<int, 4>{});
    case 2: return launch(std::integral_constant<int, 2>{});
    default: return launch(std::integral_constant<int, 1>{});
  }
}

template <typename Launch>
cudaError_t dispatch(DType t, int width, Launch&& launch) {
  // float runs at most 4 wide (16 bytes).
  if (t == DType::F32 && width > 4) width = 4;
  return withWidth(width, [&](auto v) -> cudaError_t {
    constexpr int V = decltype(v)::value;
    if (t == DType::F32) {
      if constexpr (V <= 4) return launch(float{}, v);
      return cudaErrorInvalidValue;
    }
    return launch(__half{}, v);
  });
}

}  // namespace

bool fitsFast(int64_t elements) { return elements > 0 && elements < (int64_t{1} << 31); }

cudaError_t launchEpilogueFast(DType t, void* y, const void* residual, const float* bias, ActivationSpec act, int64_t count,
                               int64_t channels, int64_t inner, cudaStream_t stream) {
  const int width = widthFor(t, inner == 1 ? channels : inner, {y, residual});
  return dispatch(t, width, [&](auto tag, auto v) -> cudaError_t {
    using T = decltype(tag);
    constexpr int V = decltype(v)::value;
    const unsigned vectors = static_cast<unsigned>(count / V);
    epilogueKernel<T, V><<<blocksFor(vectors), 256, 0, stream>>>(static_cast<T*>(y), static_cast<const T*>(residual), bias, act, vectors,
                                                                  static_cast<unsigned>(channels), static_cast<unsigned>(inner));
    return cudaGetLastError();
  });
}

cudaError_t launchBinaryFlat(DType t, BinaryKind op, void* y, const void* a, const void* b, ActivationSpec act, int64_t count,
                             cudaStream_t stream) {
  const int width = widthFor(t, count, {y, a, b});
  return dispatch(t, width, [&](auto tag, auto v) -> cudaError_t {
    using T = decltype(tag);
    constexpr int V = decltype(v)::value;
    const unsigned vectors = static_cast<unsigned>(count / V);
    binaryFlatKernel<T, V><<<blocksFor(vectors), 256, 0, stream>>>(op, static_cast<T*>(y), static_cast<const T*>(a),
                                                                    static_cast<const T*>(b), act, vectors);
    return cudaGetLastError();
  });
}

cudaError_t launchAffineFlat(DType t, void* y, const void* x, const void* scale, const void* shift, ActivationSpec act, int64_t count,
                             int64_t channels, int64_t inner, cudaStream_t stream) {
  const int width = widthFor(t, inner == 1 ? channels : inner, {y, x});
  return dispatch(t, width, [&](auto tag, auto v) -> cudaError_t {
    using T = decltype(tag);
    constexpr int V = decltype(v)::value;
    const unsigned vectors = static_cast<unsigned>(count / V);
    affineFlatKernel<T, V><<<blocksFor(vectors), 256, 0, stream>>>(static_cast<T*>(y), static_cast<const T*>(x),
                                                                    static_cast<const T*>(scale), static_cast<const T*>(shift), act,
                                                                    vectors, static_cast<unsigned>(channels),
                                                                    static_cast<unsigned>(inner));
    return cudaGetLastError();
  });
}

cudaError_t launchDepthwiseNhwc(DType t, void* y, const void* x, const float* w, const float* bias, const void* residual,
                                const FastConvShape& s, ActivationSpec act, cudaStream_t stream) {
  const int width = widthFor(t, s.c, {y, x, residual});
  return dispatch(t, width, [&](auto tag, auto v) -> cudaError_t {
    using T = decltype(tag);
    constexpr int V = decltype(v)::value;
    const unsigned total = s.n * s.oh * s.ow * (s.c / V);
    depthwiseNhwcKernel<T, V><<<blocksFor(total), 256, 0, stream>>>(static_cast<T*>(y), static_cast<const T*>(x), w, bias,
                                                                     static_cast<const T*>(residual), s, act);
    return cudaGetLastError();
  });
}

cudaError_t launchDirectNhwc(DType t, void* y, const void* x, const float* w, const float* bias, const void* residual,
                             const FastConvShape& s, unsigned m, ActivationSpec act, cudaStream_t stream) {
  const size_t shared = static_cast<size_t>(s.kh) * s.kw * s.c * m * sizeof(float);
  if (shared > kDirectConvMaxSharedBytes) return cudaErrorInvalidValue;
  const int width = widthFor(t, m, {y, residual});
  return dispatch(t, width, [&](auto tag, auto v) -> cudaError_t {
    using T = decltype(tag);
    constexpr int V = decltype(v)::value;
    const unsigned total = s.n * s.oh * s.ow * (m / V);
    directNhwcKernel<T, V><<<blocksFor(total), 256, shared, stream>>>(static_cast<T*>(y), static_cast<const T*>(x), w, bias,
                                                                       static_cast<const T*>(residual), s, m, act);
    return cudaGetLastError();
  });
}

cudaError_t launchPoolNhwc(DType t, void* y, const void* x, const FastConvShape& s, bool max, bool countIncludePad, cudaStream_t stream) {
  const int width = widthFor(t, s.c, {y, x});
  return dispatch(t, width, [&](auto tag, auto v) -> cudaError_t {
    using T = decltype(tag);
    constexpr int V = decltype(v)::value;
    const unsigned total = s.n * s.oh * s.ow * (s.c / V);
    poolNhwcKernel<T, V><<<blocksFor(total), 256, 0, stream>>>(static_cast<T*>(y), static_cast<const T*>(x), s, max, countIncludePad);
    return cudaGetLastError();
  });
}

}  // namespace kiln::cuda
