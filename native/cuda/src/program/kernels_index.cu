// The index-math kernels: cast, compare, where, integer binary ops, gather, gather_nd and
// arg_reduce, with the semantics program.ts states (the CPU executor's element_cast.h and
// binary_op.cpp implement the same rules). These ops are small next to the convolutions
// around them, so one strided kernel per op reads every storage type through a run-time switch
// instead of a template per type pair.
#include <cstdint>

#include "device_support.cuh"
#include "element_access.cuh"
#include "kernels.h"

namespace kiln::cuda {
namespace {

__global__ void castKernel(void* y, TensorDesc yd, DType yt, const void* x, TensorDesc xd, DType xt, int64_t n) {
  int64_t c[kMaxRank];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    const int64_t from = offsetOf(xd, c), to = offsetOf(yd, c);
    if (isFloatType(xt)) {
      const float v = loadFloat(x, from, xt);
      if (isFloatType(yt)) storeFloat(y, to, yt, v);
      else storeInt(y, to, yt, floatToInt(v, yt));
    } else {
      const int64_t v = loadInt(x, from, xt);
      // Integers reach float through double, as the reference's Number() does.
      if (isFloatType(yt)) storeFloat(y, to, yt, __double2float_rn(static_cast<double>(v)));
      else storeInt(y, to, yt, v);
    }
  }
}

template <typename T>
__device__ __forceinline__ bool holds(CompareKind op, T a, T b) {
  switch (op) {
    case CompareKind::Equal: return a == b;
    case CompareKind::Less: return a < b;
    case CompareKind::LessEqual: return a <= b;
    case CompareKind::Greater: return a > b;
    case CompareKind::GreaterEqual: return a >= b;
  }
  return false;
}

__global__ void compareKernel(CompareKind op, uint8_t* y, TensorDesc yd, const void* a, TensorDesc ad, const void* b, TensorDesc bd,
                              DType t, int64_t n) {
  int64_t c[kMaxRank];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    const int64_t ao = offsetOf(ad, c), bo = offsetOf(bd, c);
    // NaN compares unequal and unordered (IEEE), as in the reference.
    const bool r = isFloatType(t) ? holds(op, loadFloat(a, ao, t), loadFloat(b, bo, t)) : holds(op, loadInt(a, ao, t), loadInt(b, bo, t));
    y[offsetOf(yd, c)] = r ? 1 : 0;
  }
}

// Elements copied as their bits (U: an unsigned type of the element's size).
template <typename U>
__global__ void whereKernel(U* y, TensorDesc yd, const uint8_t* condition, TensorDesc cd, const U* a, TensorDesc ad, const U* b,
                            TensorDesc bd, int64_t n) {
  int64_t c[kMaxRank];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    y[offsetOf(yd, c)] = condition[offsetOf(cd, c)] != 0 ? a[offsetOf(ad, c)] : b[offsetOf(bd, c)];
  }
}

// program.ts integer binary ops, in int64 (int32 operands widen; storing keeps the low 32 bits,
// which is 32-bit wrapping arithmetic): x/0 and x%0 give 0, INT_MIN/−1 wraps, nothing traps.
__device__ __forceinline__ int64_t integerBinary(BinaryKind op, int64_t a, int64_t b) {
  const uint64_t ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  switch (op) {
    case BinaryKind::Add: return static_cast<int64_t>(ua + ub);
    case BinaryKind::Sub: return static_cast<int64_t>(ua - ub);
    case BinaryKind::Mul: return static_cast<int64_t>(ua * ub);
    case BinaryKind::Div:
      if (b == 0) return 0;
      if (b == -1) return static_cast<int64_t>(uint64_t{0} - ua);
      return a / b;
    case BinaryKind::Max: return a > b ? a : b;
    case BinaryKind::Min: return a < b ? a : b;
    case BinaryKind::Mod:
    case BinaryKind::Fmod: {
      if (b == 0 || b == -1) return 0;
      const int64_t r = a % b;
      // 'mod' takes the divisor's sign: |r| < |b| with opposite signs, so r + b cannot overflow.
      return op == BinaryKind::Mod && r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }
    default: return 0;  // pow and prelu are float-only (the validator refuses them on integers)
  }
}

__global__ void integerBinaryKernel(BinaryKind op, DType t, void* y, TensorDesc yd, const void* a, TensorDesc ad, const void* b,
                                    TensorDesc bd, int64_t n) {
  int64_t c[kMaxRank];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    storeInt(y, offsetOf(yd, c), t, integerBinary(op, loadInt(a, offsetOf(ad, c), t), loadInt(b, offsetOf(bd, c), t)));
  }
}

// The element offset of index `v` along a dim of `n`, or −1 outside [−n, n).
__device__ __forceinline__ int64_t wrapIndex(int64_t v, int64_t n) {
  if (v < -n || v >= n) return -1;
  return v < 0 ? v + n : v;
}

// y = x[c0…c(axis−1), indices[c(axis)…c(axis+r−1)], …] with r = indices' rank.
template <typename U>
__global__ void gatherAxisKernel(U* y, TensorDesc yd, const U* x, TensorDesc xd, const void* indices, TensorDesc id, DType it, int axis,
                                 int64_t n) {
  int64_t c[kMaxRank];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    const int64_t at = wrapIndex(loadInt(indices, offsetOf(id, c + axis), it), xd.shape[axis]);
    int64_t from = xd.offset + (at < 0 ? 0 : at) * xd.stride[axis];
    for (int k = 0; k < axis; ++k) from += c[k] * xd.stride[k];
    for (int k = axis + 1; k < xd.rank; ++k) from += c[k - 1 + id.rank] * xd.stride[k];
    y[offsetOf(yd, c)] = at < 0 ? U{0} : x[from];
  }
}

// y[r…, s…] = x[indices[r…, 0], …, indices[r…, k−1], s…] with k = indices' last dim.
template <typename U>
__global__ void gatherNdKernel(U* y, TensorDesc yd, const U* x, TensorDesc xd, const void* indices, TensorDesc id, DType it, int64_t n) {
  int64_t c[kMaxRank];
  int64_t row[kMaxRank];
  const int rowRank = id.rank - 1;
  const int k = static_cast<int>(id.shape[rowRank]);
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    for (int d = 0; d < rowRank; ++d) row[d] = c[d];
    int64_t from = xd.offset;
    bool inside = true;
    for (int j = 0; j < k; ++j) {
      row[rowRank] = j;
      const int64_t at = wrapIndex(loadInt(indices, offsetOf(id, row), it), xd.shape[j]);
      inside = inside && at >= 0;
      from += (at < 0 ? 0 : at) * xd.stride[j];
    }
    for (int d = k; d < xd.rank; ++d) from += c[rowRank + d - k] * xd.stride[d];
    y[offsetOf(yd, c)] = inside ? x[from] : U{0};
  }
}

// The scan of program.ts: replace the best on a strictly better value (or equal, with `last`).
template <typename T>
__device__ __forceinline__ bool better(T v, T best, bool max, bool last) {
  return max ? (last ? v >= best : v > best) : (last ? v <= best : v < best);
}

__global__ void argReduceKernel(void* y, TensorDesc yd, DType yt, const void* x, TensorDesc xd, DType xt, int axis, bool max, bool last,
                                int64_t n) {
  int64_t c[kMaxRank];
  const int64_t length = xd.shape[axis], step = xd.stride[axis];
  KILN_GRID_STRIDE(i, n) {
    physicalCoords(yd, i, c);
    const int64_t first = offsetOf(xd, c);  // c[axis] is 0: y's axis has size 1
    int64_t bestIndex = 0;
    if (isFloatType(xt)) {
      float best = loadFloat(x, first, xt);
      for (int64_t j = 1; j < length; ++j) {
        const float v = loadFloat(x, first + j * step, xt);
        if (better(v, best, max, last)) best = v, bestIndex = j;
      }
    } else {
      int64_t best = loadInt(x, first, xt);
      for (int64_t j = 1; j < length; ++j) {
        const int64_t v = loadInt(x, first + j * step, xt);
        if (better(v, best, max, last)) best = v, bestIndex = j;
      }
    }
    storeInt(y, offsetOf(yd, c), yt, bestIndex);
  }
}

}  // namespace

cudaError_t launchCast(void* y, const TensorDesc& yDesc, DType yType, const void* x, const TensorDesc& xDesc, DType xType,
                       cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  castKernel<<<gridFor(n), 256, 0, stream>>>(y, yDesc, yType, x, xDesc, xType, n);
  return cudaGetLastError();
}

cudaError_t launchCompare(CompareKind op, void* y, const TensorDesc& yDesc, const void* a, const TensorDesc& aDesc, const void* b,
                          const TensorDesc& bDesc, DType type, cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  compareKernel<<<gridFor(n), 256, 0, stream>>>(op, static_cast<uint8_t*>(y), yDesc, a, aDesc, b, bDesc, type, n);
  return cudaGetLastError();
}

cudaError_t launchWhere(void* y, const TensorDesc& yDesc, const void* condition, const TensorDesc& conditionDesc, const void* a,
                        const TensorDesc& aDesc, const void* b, const TensorDesc& bDesc, DType type, cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  return withBits(type, [&](auto bits) {
    using U = decltype(bits);
    whereKernel<U><<<gridFor(n), 256, 0, stream>>>(static_cast<U*>(y), yDesc, static_cast<const uint8_t*>(condition), conditionDesc,
                                                   static_cast<const U*>(a), aDesc, static_cast<const U*>(b), bDesc, n);
    return cudaGetLastError();
  });
}

cudaError_t launchIntegerBinary(BinaryKind op, DType type, void* y, const TensorDesc& yDesc, const void* a, const TensorDesc& aDesc,
                                const void* b, const TensorDesc& bDesc, cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  integerBinaryKernel<<<gridFor(n), 256, 0, stream>>>(op, type, y, yDesc, a, aDesc, b, bDesc, n);
  return cudaGetLastError();
}

cudaError_t launchGatherAxis(void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc, DType type, const void* indices,
                             const TensorDesc& indicesDesc, DType indexType, int axis, cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  return withBits(type, [&](auto bits) {
    using U = decltype(bits);
    gatherAxisKernel<U><<<gridFor(n), 256, 0, stream>>>(static_cast<U*>(y), yDesc, static_cast<const U*>(x), xDesc, indices, indicesDesc,
                                                        indexType, axis, n);
    return cudaGetLastError();
  });
}

cudaError_t launchGatherNd(void* y, const TensorDesc& yDesc, const void* x, const TensorDesc& xDesc, DType type, const void* indices,
                           const TensorDesc& indicesDesc, DType indexType, cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  return withBits(type, [&](auto bits) {
    using U = decltype(bits);
    gatherNdKernel<U><<<gridFor(n), 256, 0, stream>>>(static_cast<U*>(y), yDesc, static_cast<const U*>(x), xDesc, indices, indicesDesc,
                                                      indexType, n);
    return cudaGetLastError();
  });
}

cudaError_t launchArgReduce(void* y, const TensorDesc& yDesc, DType yType, const void* x, const TensorDesc& xDesc, DType xType, int axis,
                            bool max, bool last, cudaStream_t stream) {
  const int64_t n = yDesc.count();
  if (n == 0) return cudaSuccess;
  argReduceKernel<<<gridFor(n), 256, 0, stream>>>(y, yDesc, yType, x, xDesc, xType, axis, max, last, n);
  return cudaGetLastError();
}

}  // namespace kiln::cuda
