// Activation functions that fused epilogues apply (names and alpha/beta meanings follow the
// ActivationType list of @kiln-inference/core's layers.ts).
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

namespace kiln::cpu {

enum class ActivationKind {
  None, Relu, Sigmoid, Tanh, LeakyRelu, Elu, Selu, Softsign, Softplus, Clip, HardSigmoid, ScaledTanh,
  ThresholdedRelu, GeluErf, GeluTanh, Celu, Mish, Swish, HardSwish, Shrink,
};

struct Activation {
  ActivationKind kind = ActivationKind::None;
  float alpha = 0.0f;
  float beta = 0.0f;
};

// Parses an ActivationType name with optional alpha/beta (NaN = use the documented default);
// fails with the list of supported names.
Activation parseActivation(const std::string& type, double alpha, double beta, const std::string& where);

inline float softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }
inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

inline float applyActivation(const Activation& a, float x) {
  switch (a.kind) {
    case ActivationKind::None: return x;
    case ActivationKind::Relu: return x > 0.0f ? x : 0.0f;
    case ActivationKind::Sigmoid: return sigmoid(x);
    case ActivationKind::Tanh: return std::tanh(x);
    case ActivationKind::LeakyRelu: return x >= 0.0f ? x : a.alpha * x;
    case ActivationKind::Elu: return x >= 0.0f ? x : a.alpha * (std::exp(x) - 1.0f);
    case ActivationKind::Selu: return a.beta * (x > 0.0f ? x : a.alpha * (std::exp(x) - 1.0f));
    case ActivationKind::Softsign: return x / (1.0f + std::fabs(x));
    case ActivationKind::Softplus: return softplus(x);
    case ActivationKind::Clip: return std::min(std::max(x, a.alpha), a.beta);
    case ActivationKind::HardSigmoid: return std::min(1.0f, std::max(0.0f, a.alpha * x + a.beta));
    case ActivationKind::ScaledTanh: return a.alpha * std::tanh(a.beta * x);
    case ActivationKind::ThresholdedRelu: return x > a.alpha ? x : 0.0f;
    case ActivationKind::GeluErf: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case ActivationKind::GeluTanh:
      return 0.5f * x * (1.0f + std::tanh(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    case ActivationKind::Celu: return std::max(0.0f, x) + std::min(0.0f, a.alpha * (std::exp(x / a.alpha) - 1.0f));
    case ActivationKind::Mish: return x * std::tanh(softplus(x));
    case ActivationKind::Swish: return x * sigmoid(a.alpha * x);
    case ActivationKind::HardSwish: return x * std::min(1.0f, std::max(0.0f, x / 6.0f + 0.5f));
    case ActivationKind::Shrink: return x < -a.alpha ? x + a.beta : (x > a.alpha ? x - a.beta : 0.0f);
  }
  return x;
}

}  // namespace kiln::cpu
