#include "kiln/program_desc.h"

namespace kiln {

std::string describeOp(const OpDesc& op) {
  std::string s = "op " + std::to_string(op.index) + " (" + opKindName(op.kind);
  if (!op.label.empty()) s += ", layer '" + op.label + "'";
  return s + ")";
}

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace kiln
