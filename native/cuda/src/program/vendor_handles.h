// Library handles of one execution context, bound to its stream. Each exists only when its
// library's headers were found at configure time.
#pragma once

#include <cuda_runtime_api.h>

#if KILN_HAVE_CUDNN
#include <cudnn.h>
#endif
#if KILN_HAVE_CUBLASLT
#include <cublasLt.h>
#endif

namespace kiln::cuda {

struct VendorHandles {
#if KILN_HAVE_CUDNN
  cudnnHandle_t cudnn = nullptr;
#endif
#if KILN_HAVE_CUBLASLT
  cublasLtHandle_t cublasLt = nullptr;
#endif
  explicit VendorHandles(cudaStream_t stream);
  ~VendorHandles();
  VendorHandles(const VendorHandles&) = delete;
  VendorHandles& operator=(const VendorHandles&) = delete;
};

}  // namespace kiln::cuda
