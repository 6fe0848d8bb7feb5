// How a value's logical elements sit in memory: logical shape (the Program's, NCHW for images)
// with per-dimension element strides, plus the physical order of the dimensions (outermost
// first). NHWC is just NCHW's shape with strides {HWC, 1, WC, C} and order {0, 2, 3, 1}, so one
// strided kernel serves both layouts, broadcasting (stride 0), transposes and sub-blocks.
#pragma once

#include <cstdint>
#include <vector>

namespace kiln::cuda {

constexpr int kMaxRank = 8;

struct TensorDesc {
  int rank = 0;
  int64_t shape[kMaxRank] = {};
  int64_t stride[kMaxRank] = {};
  int order[kMaxRank] = {};  // physical order, outermost first (dense values only)
  int64_t offset = 0;        // element offset of logical index 0 from the base pointer

  int64_t count() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= shape[i];
    return n;
  }
};

// Dense row-major strides for `shape`.
TensorDesc rowMajorDesc(const std::vector<int64_t>& shape);
// Dense channels-last strides for a 4-D NCHW logical shape.
TensorDesc nhwcDesc(const std::vector<int64_t>& shape);
// `desc` seen with `rank` dims, leading dims added with size 1 (numpy broadcasting), and each
// dim of size 1 that `target` has larger given stride 0.
TensorDesc broadcastTo(const TensorDesc& desc, const TensorDesc& target);
bool isNhwc(const TensorDesc& desc);

}  // namespace kiln::cuda
