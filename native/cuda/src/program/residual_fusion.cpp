#include "residual_fusion.h"

#include <vector>

#include "layout_plan.h"

namespace kiln::cuda {
namespace {

bool bytesOverlap(const ValueSpec& a, const ValueSpec& b) {
  if (a.storage != StorageKind::Arena || b.storage != StorageKind::Arena) return false;
  return a.byteOffset < b.byteOffset + b.elements() * 4 && b.byteOffset < a.byteOffset + a.elements() * 4;
}

}  // namespace

int fuseResidualAdds(ProgramSpec& spec) {
  const int valueCount = static_cast<int>(spec.values.size());
  std::vector<int> readers(valueCount, 0), producer(valueCount, -1);
  for (size_t i = 0; i < spec.ops.size(); ++i) {
    for (int v : opReads(spec.ops[i])) ++readers[v];
    producer[spec.ops[i].y] = static_cast<int>(i);
  }
  std::vector<bool> isOutput(valueCount, false);
  for (int v : spec.outputs) isOutput[v] = true;
  std::vector<bool> drop(spec.ops.size(), false);
  int fused = 0;
  for (size_t j = 1; j < spec.ops.size(); ++j) {
    OpSpec& add = spec.ops[j];
    if (add.kind != OpKind::Binary || add.binary != BinaryKind::Add || drop[j - 1]) continue;
    OpSpec& conv = spec.ops[j - 1];
    if (conv.kind != OpKind::Conv2d || conv.residual >= 0 || conv.activation.kind != ActKind::None) continue;
    const int out = conv.y;
    if (add.a != out && add.b != out) continue;
    const int r = add.a == out ? add.b : add.a;
    if (r == out || readers[out] != 1 || isOutput[out]) continue;
    const ValueSpec& rv = spec.values[r];
    const ValueSpec& yv = spec.values[add.y];
    if (rv.shape != spec.values[out].shape || yv.shape != rv.shape) continue;
    // The convolution now writes the add's output while it still reads x and r: the output
    // must not overlap x, and may overlap r only exactly (an elementwise in-place write).
    if (bytesOverlap(yv, spec.values[conv.x])) continue;
    if (bytesOverlap(yv, rv) && yv.byteOffset != rv.byteOffset) continue;
    conv.residual = r;
    conv.activation = add.activation;
    conv.y = add.y;
    conv.label += " + " + add.label.substr(0, add.label.find(' ', 3)) + " residual add";
    conv.fused.push_back(add.index);
    drop[j] = true;
    ++fused;
  }
  std::vector<OpSpec> kept;
  for (size_t i = 0; i < spec.ops.size(); ++i)
    if (!drop[i]) kept.push_back(std::move(spec.ops[i]));
  spec.ops = std::move(kept);
  return fused;
}

}  // namespace kiln::cuda
