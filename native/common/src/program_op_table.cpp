#include "kiln/program_op_table.h"

#include <iterator>

namespace kiln {
namespace {

// Integer attribute bounds the generated table names: window-like attributes fit int32 (the
// CUDA kernels' type); offsets and axes stay far past any tensor's dims.
constexpr int64_t kMaxAttr = 2147483647;
constexpr int64_t kMaxOffset = int64_t{1} << 40;

#include "program_op_table.generated.inc"

static_assert(std::size(kOpInfos) == static_cast<size_t>(kOpKindCount), "the op table and OpKind come from one list");

}  // namespace

const OpInfo& opInfo(OpKind kind) { return kOpInfos[static_cast<int>(kind)]; }

std::vector<OperandRef> operandsOf(const OpDesc& op) {
  const OpInfo& info = opInfo(op.kind);
  std::vector<OperandRef> out;
  for (size_t i = 0; i < info.operandCount; ++i) {
    const OperandInfo& o = info.operands[i];
    if (o.list != nullptr) {
      for (int64_t id : op.*o.list) out.push_back({&o, id});
    } else {
      out.push_back({&o, op.*o.id});
    }
  }
  return out;
}

}  // namespace kiln
