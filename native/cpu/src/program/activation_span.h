// Applies a fused activation to a span of floats in place; shared by the elementwise families.
#pragma once

#include <algorithm>
#include <cstdint>

#include "../activation.h"

namespace kiln::cpu::program {

// Applies an activation to a span; the common ones get a loop the compiler vectorizes.
inline void activateSpan(const Activation& act, float* v, int64_t n) {
  switch (act.kind) {
    case ActivationKind::None: return;
    case ActivationKind::Relu:
      for (int64_t i = 0; i < n; ++i) v[i] = v[i] > 0.0f ? v[i] : 0.0f;
      return;
    case ActivationKind::Clip:
      for (int64_t i = 0; i < n; ++i) v[i] = std::min(std::max(v[i], act.alpha), act.beta);
      return;
    default:
      for (int64_t i = 0; i < n; ++i) v[i] = applyActivation(act, v[i]);
  }
}

}  // namespace kiln::cpu::program
