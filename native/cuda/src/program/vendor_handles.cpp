#include "vendor_handles.h"

#include <string>

#include "kiln/failure.h"

namespace kiln::cuda {

VendorHandles::VendorHandles(cudaStream_t stream) {
  (void)stream;
#if KILN_HAVE_CUDNN
  const cudnnStatus_t created = cudnnCreate(&cudnn);
  if (created != CUDNN_STATUS_SUCCESS) {
    throw Failure("CUDA_ERROR", std::string("cudnnCreate failed: ") + cudnnGetErrorString(created),
                  "cuDNN could not start: check that libcudnn matches the CUDA driver, or rebuild kiln_cuda.node with -DKILN_WITH_CUDNN=OFF");
  }
  cudnnSetStream(cudnn, stream);
#endif
#if KILN_HAVE_CUBLASLT
  const cublasStatus_t lt = cublasLtCreate(&cublasLt);
  if (lt != CUBLAS_STATUS_SUCCESS) {
#if KILN_HAVE_CUDNN
    cudnnDestroy(cudnn);
#endif
    throw Failure("CUDA_ERROR", std::string("cublasLtCreate failed: ") + cublasLtGetStatusString(lt),
                  "cuBLASLt could not start: check the CUDA installation, or rebuild kiln_cuda.node with -DKILN_WITH_CUBLASLT=OFF");
  }
#endif
}

VendorHandles::~VendorHandles() {
#if KILN_HAVE_CUDNN
  if (cudnn != nullptr) cudnnDestroy(cudnn);
#endif
#if KILN_HAVE_CUBLASLT
  if (cublasLt != nullptr) cublasLtDestroy(cublasLt);
#endif
}

}  // namespace kiln::cuda
