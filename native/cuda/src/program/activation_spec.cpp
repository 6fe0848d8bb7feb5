#include "activation_spec.h"

#include <cmath>
#include <limits>

#include "kiln/failure.h"

namespace kiln::cuda {
namespace {

struct Entry {
  const char* name;
  ActKind kind;
  float alpha, beta;  // ONNX defaults of the same function
};

constexpr float kInf = std::numeric_limits<float>::infinity();
const Entry kEntries[] = {
    {"relu", ActKind::Relu, 0, 0},
    {"sigmoid", ActKind::Sigmoid, 0, 0},
    {"tanh", ActKind::Tanh, 0, 0},
    {"leaky_relu", ActKind::LeakyRelu, 0.01f, 0},
    {"elu", ActKind::Elu, 1.0f, 0},
    {"selu", ActKind::Selu, 1.67326319217681884765625f, 1.05070102214813232421875f},
    {"softsign", ActKind::Softsign, 0, 0},
    {"softplus", ActKind::Softplus, 0, 0},
    {"clip", ActKind::Clip, -kInf, kInf},
    {"hard_sigmoid", ActKind::HardSigmoid, 0.2f, 0.5f},
    {"scaled_tanh", ActKind::ScaledTanh, 1.0f, 1.0f},
    {"thresholded_relu", ActKind::ThresholdedRelu, 1.0f, 0},
    {"gelu_erf", ActKind::GeluErf, 0, 0},
    {"gelu_tanh", ActKind::GeluTanh, 0, 0},
    {"celu", ActKind::Celu, 1.0f, 0},
    {"mish", ActKind::Mish, 0, 0},
    {"swish", ActKind::Swish, 1.0f, 0},
    {"hard_swish", ActKind::HardSwish, 0, 0},
    {"shrink", ActKind::Shrink, 0.5f, 0.0f},
};

}  // namespace

ActivationSpec parseActivationSpec(const std::string& type, double alpha, double beta, const std::string& where) {
  for (const Entry& e : kEntries) {
    if (type != e.name) continue;
    ActivationSpec spec{e.kind, std::isnan(alpha) ? e.alpha : static_cast<float>(alpha), std::isnan(beta) ? e.beta : static_cast<float>(beta)};
    if (spec.kind == ActKind::Celu && spec.alpha == 0.0f) failArgument(where, "celu needs a non-zero alpha");
    return spec;
  }
  std::string names;
  for (const Entry& e : kEntries) names += std::string(names.empty() ? "" : ", ") + e.name;
  failArgument(where, "unknown activation '" + type + "'", "use one of: " + names);
}

}  // namespace kiln::cuda
