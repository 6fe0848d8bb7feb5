#include "tensor_desc.h"

#include "kiln/failure.h"

namespace kiln::cuda {

TensorDesc rowMajorDesc(const std::vector<int64_t>& shape) {
  if (shape.size() > static_cast<size_t>(kMaxRank)) {
    throw Failure("UNSUPPORTED_LAYER", "a value of rank " + std::to_string(shape.size()) + " exceeds the CUDA executor's rank limit of 8",
                  "reshape the model's tensors to rank 8 or less, or run this layer on the CPU backend");
  }
  TensorDesc d;
  d.rank = static_cast<int>(shape.size());
  int64_t s = 1;
  for (int i = d.rank - 1; i >= 0; --i) {
    d.shape[i] = shape[i];
    d.stride[i] = s;
    d.order[i] = i;
    s *= shape[i];
  }
  return d;
}

TensorDesc nhwcDesc(const std::vector<int64_t>& shape) {
  TensorDesc d = rowMajorDesc(shape);
  const int64_t c = shape[1], h = shape[2], w = shape[3];
  d.stride[0] = h * w * c;
  d.stride[1] = 1;
  d.stride[2] = w * c;
  d.stride[3] = c;
  d.order[0] = 0;
  d.order[1] = 2;
  d.order[2] = 3;
  d.order[3] = 1;
  return d;
}

TensorDesc broadcastTo(const TensorDesc& desc, const TensorDesc& target) {
  TensorDesc out = target;
  out.offset = desc.offset;
  const int lead = target.rank - desc.rank;
  for (int i = 0; i < target.rank; ++i) {
    const int j = i - lead;
    if (j < 0 || desc.shape[j] == 1) {
      out.stride[i] = 0;
    } else {
      out.stride[i] = desc.stride[j];
    }
  }
  return out;
}

bool isNhwc(const TensorDesc& desc) { return desc.rank == 4 && desc.stride[1] == 1 && desc.shape[1] > 1; }

}  // namespace kiln::cuda
