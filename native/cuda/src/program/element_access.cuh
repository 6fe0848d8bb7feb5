// Element access for kernels that read and write any storage type at run time (the index-math
// ops, integer data movement): float and half as float, integers and bool widened to int64, and
// program.ts's float → integer cast rule, usable on the host too (a pad value's bits).
#pragma once

#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>

#include "kernels.h"

namespace kiln::cuda {

// A float or half element, as float.
__device__ __forceinline__ float loadFloat(const void* base, int64_t at, DType t) {
  return t == DType::F16 ? __half2float(static_cast<const __half*>(base)[at]) : static_cast<const float*>(base)[at];
}

// An integer or bool element, widened (uint8 and bool zero-extend, the others sign-extend).
__device__ __forceinline__ int64_t loadInt(const void* base, int64_t at, DType t) {
  switch (t) {
    case DType::I32: return static_cast<const int32_t*>(base)[at];
    case DType::I64: return static_cast<const int64_t*>(base)[at];
    case DType::I8: return static_cast<const int8_t*>(base)[at];
    case DType::U8:
    case DType::Bool: return static_cast<const uint8_t*>(base)[at];
    default: return 0;
  }
}

__device__ __forceinline__ void storeFloat(void* base, int64_t at, DType t, float v) {
  if (t == DType::F16) static_cast<__half*>(base)[at] = __float2half_rn(v);
  else static_cast<float*>(base)[at] = v;
}

// Integer `v` stored as integer type t: the low bits (two's complement wrapping), bool as v ≠ 0.
__host__ __device__ __forceinline__ void storeInt(void* base, int64_t at, DType t, int64_t v) {
  switch (t) {
    case DType::I32: static_cast<int32_t*>(base)[at] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); break;
    case DType::I64: static_cast<int64_t*>(base)[at] = v; break;
    case DType::I8: static_cast<int8_t*>(base)[at] = static_cast<int8_t>(static_cast<uint8_t>(static_cast<uint64_t>(v))); break;
    case DType::U8: static_cast<uint8_t*>(base)[at] = static_cast<uint8_t>(static_cast<uint64_t>(v)); break;
    case DType::Bool: static_cast<uint8_t*>(base)[at] = v != 0 ? 1 : 0; break;
    default: break;
  }
}

// Float `v` cast to integer (or bool) type t, as program.ts casts: truncated toward zero and
// saturated at t's range, NaN → 0; bool is v ≠ 0 (NaN included). The result is in t's range.
__host__ __device__ __forceinline__ int64_t floatToInt(float v, DType t) {
  if (t == DType::Bool) return v != 0.0f ? 1 : 0;
  if (isnan(v)) return 0;
  const double d = trunc(static_cast<double>(v));
  switch (t) {
    case DType::I64:  // both bounds are exact doubles (INT64_MAX rounds up to 2^63, hence >=)
      return d <= -9223372036854775808.0 ? INT64_MIN : d >= 9223372036854775807.0 ? INT64_MAX : static_cast<int64_t>(d);
    case DType::I32: return static_cast<int64_t>(d <= -2147483648.0 ? -2147483648.0 : d >= 2147483647.0 ? 2147483647.0 : d);
    case DType::I8: return static_cast<int64_t>(d <= -128.0 ? -128.0 : d >= 127.0 ? 127.0 : d);
    default: return static_cast<int64_t>(d <= 0.0 ? 0.0 : d >= 255.0 ? 255.0 : d);  // uint8
  }
}

// fn(U{}) with U the unsigned type of an element of `t` (what moves its bits).
template <typename Fn>
cudaError_t withBits(DType t, Fn&& fn) {
  switch (dtypeBytes(t)) {
    case 8: return fn(uint64_t{});
    case 4: return fn(uint32_t{});
    case 2: return fn(uint16_t{});
    default: return fn(uint8_t{});
  }
}

}  // namespace kiln::cuda
