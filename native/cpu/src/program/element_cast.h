// program.ts cast semantics for one element, defined for every input (no undefined behaviour):
// float → integer truncates toward zero and saturates at the type's range, NaN → 0; integer →
// narrower integer wraps (two's complement); anything → bool is x ≠ 0; integers → float go
// through double, as the reference interpreter's Number() does.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

#include "element_types.h"

namespace kiln::cpu::program {

// A double rounded to float32 as Math.fround does, defined for every input: past float32's
// range (from the midpoint above its largest finite value) it is ±Infinity, NaN stays NaN.
inline float roundToFloat32(double v) {
  constexpr double kMax = static_cast<double>(std::numeric_limits<float>::max());
  constexpr double kOverflow = 3.4028235677973366e38;  // 2^128 − 2^103: rounds up to Infinity
  if (std::isnan(v)) return std::numeric_limits<float>::quiet_NaN();
  if (v >= kOverflow) return std::numeric_limits<float>::infinity();
  if (v <= -kOverflow) return -std::numeric_limits<float>::infinity();
  if (v > kMax) return std::numeric_limits<float>::max();
  if (v < -kMax) return -std::numeric_limits<float>::max();
  return static_cast<float>(v);
}

template <DType To, DType From>
inline ElementOf<To> castElement(ElementOf<From> v) {
  using T = ElementOf<To>;
  if constexpr (To == DType::Bool) {
    return v != 0 ? 1 : 0;
  } else if constexpr (To == DType::Float32) {
    return static_cast<float>(static_cast<double>(v));
  } else if constexpr (From == DType::Float32) {
    if (std::isnan(v)) return 0;
    const double t = std::trunc(static_cast<double>(v));
    // Both bounds are exact doubles (INT64_MAX rounds up to 2^63, hence >=).
    constexpr double lo = static_cast<double>(std::numeric_limits<T>::min());
    constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
    if (t <= lo) return std::numeric_limits<T>::min();
    if (t >= hi) return std::numeric_limits<T>::max();
    return static_cast<T>(t);
  } else {
    // Integer → integer: modular (two's complement) as GCC and Clang define it, and C++20 requires.
    return static_cast<T>(v);
  }
}

}  // namespace kiln::cpu::program
