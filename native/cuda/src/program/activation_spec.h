// Fused activations (layers.ts ActivationType), shared by host code and device kernels.
#pragma once

#include <string>

namespace kiln::cuda {

enum class ActKind : int {
  None,
  Relu,
  Sigmoid,
  Tanh,
  LeakyRelu,
  Elu,
  Selu,
  Softsign,
  Softplus,
  Clip,
  HardSigmoid,
  ScaledTanh,
  ThresholdedRelu,
  GeluErf,
  GeluTanh,
  Celu,
  Mish,
  Swish,
  HardSwish,
  Shrink,
};

struct ActivationSpec {
  ActKind kind = ActKind::None;
  float alpha = 0.0f;
  float beta = 0.0f;
};

// Reads an ActivationSpec's type name with ONNX defaults for absent alpha/beta (NaN = absent);
// throws an INVALID_ARGUMENT Failure naming `where` for unknown names.
ActivationSpec parseActivationSpec(const std::string& type, double alpha, double beta, const std::string& where);

}  // namespace kiln::cuda
