#include "layout_plan.h"

#include <algorithm>
#include <numeric>

namespace kiln::cuda {
namespace {

int findRoot(std::vector<int>& parent, int v) {
  while (parent[v] != v) v = parent[v] = parent[parent[v]];
  return v;
}

}  // namespace

DType storageTypeOf(::kiln::DType dtype, DType storage) {
  switch (dtype) {
    case ::kiln::DType::Float32: return storage;
    case ::kiln::DType::Int32: return DType::I32;
    case ::kiln::DType::Int64: return DType::I64;
    case ::kiln::DType::Int8: return DType::I8;
    case ::kiln::DType::Uint8: return DType::U8;
    case ::kiln::DType::Bool: return DType::Bool;
  }
  return storage;
}

std::vector<int> opReads(const OpSpec& op) {
  std::vector<int> ids;
  for (int v : {op.x, op.w, op.b, op.residual, op.a, op.bias, op.scale, op.shift, op.condition, op.indices}) {
    if (v >= 0) ids.push_back(v);
  }
  for (int v : op.inputs) ids.push_back(v);
  return ids;
}

LayoutPlan planLayout(const ProgramSpec& spec, DType storage, bool channelsLast) {
  const int count = static_cast<int>(spec.values.size());
  const int opCount = static_cast<int>(spec.ops.size());
  LayoutPlan plan;
  plan.values.resize(count);
  plan.firstWrite.assign(count, -1);
  plan.lastUse.assign(count, -1);
  plan.arenaElements = spec.arenaBytes / 4;
  std::vector<bool> rowMajorOnly(count, false);
  for (int i = 0; i < opCount; ++i) {
    const OpSpec& op = spec.ops[i];
    if (plan.firstWrite[op.y] < 0) plan.firstWrite[op.y] = i;
    plan.lastUse[op.y] = i;
    for (int v : opReads(op)) plan.lastUse[v] = i;
    if (op.kind == OpKind::Gemm || op.kind == OpKind::BatchedMatmul) {
      for (int v : {op.a, op.w, op.bias, op.y}) {
        if (v >= 0) rowMajorOnly[v] = true;
      }
    }
  }
  for (int v : spec.outputs) plan.lastUse[v] = opCount;
  // A value no op writes is a view (a reshape, or a concat whose inputs were written into its
  // slices): it comes alive with the values that hold its bytes when it is first read.
  std::vector<int> firstRead(count, -1);
  for (int i = 0; i < opCount; ++i)
    for (int v : opReads(spec.ops[i]))
      if (firstRead[v] < 0) firstRead[v] = i;
  auto byteEnd = [&](int v) { return spec.values[v].byteOffset + spec.values[v].bytes(); };
  // Float values and the exact region's values never share storage, whatever their offsets.
  auto sameRegion = [&](int u, int v) { return spec.values[u].isFloat() == spec.values[v].isFloat(); };
  std::vector<int> start(plan.firstWrite);
  for (int v = 0; v < count; ++v) {
    if (spec.values[v].storage != StorageKind::Arena || plan.firstWrite[v] >= 0 || firstRead[v] < 0) continue;
    // The latest writers of each byte of v before its first read: sweep writers newest first.
    std::vector<int> writers;
    for (int u = 0; u < count; ++u) {
      if (u == v || !sameRegion(u, v) || spec.values[u].storage != StorageKind::Arena || plan.firstWrite[u] < 0 ||
          plan.firstWrite[u] >= firstRead[v])
        continue;
      if (spec.values[u].byteOffset < byteEnd(v) && spec.values[v].byteOffset < byteEnd(u)) writers.push_back(u);
    }
    std::sort(writers.begin(), writers.end(), [&](int a, int b) { return plan.firstWrite[a] > plan.firstWrite[b]; });
    std::vector<std::pair<int64_t, int64_t>> covered;
    int earliest = firstRead[v];
    for (int u : writers) {
      const int64_t lo = std::max(spec.values[u].byteOffset, spec.values[v].byteOffset), hi = std::min(byteEnd(u), byteEnd(v));
      bool hidden = false;  // fully covered by newer writers: stale, not part of the view
      for (const auto& [a, b] : covered)
        if (a <= lo && hi <= b) hidden = true;
      if (hidden) continue;
      covered.emplace_back(lo, hi);
      earliest = std::min(earliest, plan.firstWrite[u]);
    }
    start[v] = earliest;
  }
  // Values that share arena bytes while both are live form one group: they must agree on layout.
  std::vector<int> parent(count);
  std::iota(parent.begin(), parent.end(), 0);
  for (int u = 0; u < count; ++u) {
    const ValueSpec& a = spec.values[u];
    if (a.storage != StorageKind::Arena || a.elements() == 0) continue;
    for (int v = u + 1; v < count; ++v) {
      const ValueSpec& b = spec.values[v];
      if (b.storage != StorageKind::Arena || b.elements() == 0 || !sameRegion(u, v)) continue;
      const bool bytesOverlap = a.byteOffset < byteEnd(v) && b.byteOffset < byteEnd(u);
      if (!bytesOverlap) continue;
      if ((start[u] < 0 && plan.lastUse[u] < 0) || (start[v] < 0 && plan.lastUse[v] < 0)) continue;  // dead values
      const bool livesOverlap = start[u] <= plan.lastUse[v] && start[v] <= plan.lastUse[u];
      if (livesOverlap) parent[findRoot(parent, u)] = findRoot(parent, v);
    }
  }
  // A group may go channels-last when all members are the same 4-D value at the same offset
  // (in-place chains) and none is read by a GEMM.
  std::vector<int> groupOk(count, -1);  // -1 unknown, 0 no, 1 yes
  for (int v = 0; v < count; ++v) {
    const ValueSpec& s = spec.values[v];
    const int root = findRoot(parent, v);
    const ValueSpec& r = spec.values[root];
    bool ok = channelsLast && s.isFloat() && s.shape.size() == 4 && !rowMajorOnly[v];
    if (s.storage == StorageKind::Arena) ok = ok && s.shape == r.shape && s.byteOffset == r.byteOffset;
    if (s.storage == StorageKind::Weight) ok = false;
    if (groupOk[root] != 0) groupOk[root] = ok ? 1 : 0;
  }
  // The exact region spans the integer and bool arena values (from an 8-byte aligned start, so
  // every value stays aligned to its size).
  int64_t exactBegin = -1, exactEnd = 0;
  for (int v = 0; v < count; ++v) {
    const ValueSpec& s = spec.values[v];
    if (s.storage != StorageKind::Arena || s.isFloat()) continue;
    exactBegin = exactBegin < 0 ? s.byteOffset : std::min(exactBegin, s.byteOffset);
    exactEnd = std::max(exactEnd, byteEnd(v));
  }
  exactBegin = exactBegin < 0 ? 0 : exactBegin / 8 * 8;
  plan.exactBytes = std::max<int64_t>(exactEnd - exactBegin, 0);
  for (int v = 0; v < count; ++v) {
    const ValueSpec& s = spec.values[v];
    ValuePlacement& p = plan.values[v];
    p.type = storageTypeOf(s.dtype, storage);
    const bool nhwc = groupOk[findRoot(parent, v)] == 1;
    p.desc = nhwc ? nhwcDesc(s.shape) : rowMajorDesc(s.shape);
    if (s.storage != StorageKind::Arena) continue;
    if (s.isFloat()) p.arenaElement = s.byteOffset / 4;
    else p.exactByte = s.byteOffset - exactBegin;
  }
  return plan;
}

}  // namespace kiln::cuda
