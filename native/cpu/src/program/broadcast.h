// numpy broadcasting of N operands to y's shape, for the elementwise kernels (binary, compare,
// where): y's dims with size-1 dims dropped and neighbours merged where every operand is
// contiguous across them, each operand's element stride per dim (0 where it broadcasts), and
// a walk over y's innermost runs. The shapes were validated (kiln/program_validator.h).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "program_op.h"

namespace kiln::cpu::program {

template <size_t N>
struct BroadcastPlan {
  std::vector<int64_t> dims;                    // merged, outermost first; never empty
  std::array<std::vector<int64_t>, N> strides;  // per operand, in elements
};

template <size_t N>
BroadcastPlan<N> planBroadcast(const std::vector<int64_t>& ys, const std::array<const std::vector<int64_t>*, N>& operands) {
  const size_t rank = ys.size();
  std::array<std::vector<int64_t>, N> full;
  for (size_t k = 0; k < N; ++k) {
    const std::vector<int64_t>& s = *operands[k];
    full[k].assign(rank, 0);
    int64_t step = 1;
    for (size_t i = 0; i < s.size(); ++i) {
      const size_t d = rank - 1 - i;
      const int64_t dim = s[s.size() - 1 - i];
      full[k][d] = dim == 1 ? 0 : step;
      step *= dim;
    }
  }
  BroadcastPlan<N> plan;
  for (size_t d = 0; d < rank; ++d) {
    if (ys[d] == 1) continue;
    bool merge = !plan.dims.empty();
    for (size_t k = 0; merge && k < N; ++k) merge = plan.strides[k].back() == full[k][d] * ys[d];
    if (merge) {
      plan.dims.back() *= ys[d];
      for (size_t k = 0; k < N; ++k) plan.strides[k].back() = full[k][d];
      continue;
    }
    plan.dims.push_back(ys[d]);
    for (size_t k = 0; k < N; ++k) plan.strides[k].push_back(full[k][d]);
  }
  if (plan.dims.empty()) {
    plan.dims = {1};
    for (size_t k = 0; k < N; ++k) plan.strides[k] = {0};
  }
  return plan;
}

// fn(row, offsets, inner): y's elements [row·inner, (row + 1)·inner) read operand k from element
// offsets[k] with stride plan.strides[k].back(). Rows run in parallel when the work pays.
template <size_t N, typename Fn>
void forEachBroadcastRow(const BroadcastPlan<N>& plan, Fn&& fn) {
  const size_t rank = plan.dims.size();
  const int64_t inner = plan.dims.back();
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < rank; ++d) rows *= plan.dims[d];
  if (rows == 0 || inner == 0) return;
  parallelFor(rows, inner, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      std::array<int64_t, N> offsets{};
      int64_t rest = r;
      for (size_t d = rank - 1; d-- > 0;) {
        const int64_t i = rest % plan.dims[d];
        rest /= plan.dims[d];
        for (size_t k = 0; k < N; ++k) offsets[k] += i * plan.strides[k][d];
      }
      fn(r, offsets, inner);
    }
  });
}

}  // namespace kiln::cpu::program
