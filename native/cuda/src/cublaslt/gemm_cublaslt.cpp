// cuBLASLt GEMM tactic: row-major y = act(alpha·op(a)·op(b) + bias) computed as the
// column-major product yᵀ = op(b)ᵀ·op(a)ᵀ, with the bias (+ ReLU/GELU) in cuBLASLt's epilogue.
// Taken for gemm ops whose bias is a per-column weight vector (pre-scaled by beta).
#include <cublasLt.h>
#include <cuda_fp16.h>

#include "../cuda_check.h"
#include "../program/kernels.h"
#include "../program/tactic_candidates.h"
#include "../program/vendor_handles.h"
#include "kiln/failure.h"

namespace kiln::cuda {
namespace {

void checkLt(cublasStatus_t status, const std::string& call) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw Failure("CUDA_ERROR", call + " failed: " + cublasLtGetStatusString(status),
                status == CUBLAS_STATUS_NOT_SUPPORTED ? "cuBLASLt does not support this configuration; kiln falls back to its own GEMM"
                                                      : "check the CUDA installation (libcublasLt) and the driver");
}

using MatmulDescPtr = std::shared_ptr<cublasLtMatmulDescOpaque_t>;
using LayoutPtr = std::shared_ptr<cublasLtMatrixLayoutOpaque_t>;

LayoutPtr layout(cudaDataType_t type, int64_t rows, int64_t cols, int64_t ld) {
  cublasLtMatrixLayout_t raw = nullptr;
  checkLt(cublasLtMatrixLayoutCreate(&raw, type, static_cast<uint64_t>(rows), static_cast<uint64_t>(cols), ld), "cublasLtMatrixLayoutCreate");
  return LayoutPtr(raw, cublasLtMatrixLayoutDestroy);
}

uint32_t alignmentOf(const void* p) {
  const auto address = reinterpret_cast<uintptr_t>(p);
  uint32_t a = 256;
  while (a > 1 && address % a != 0) a /= 2;
  return a;
}

}  // namespace

std::vector<CompiledOp> cublasLtGemmCandidates(ProgramModel& m, ProgramContext& ctx, int index) {
  const OpSpec& op = m.spec.ops[index];
  cublasLtEpilogue_t epilogue;
  const bool hasBias = op.bias >= 0;
  switch (op.activation.kind) {
    case ActKind::None: epilogue = hasBias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT; break;
    case ActKind::Relu: epilogue = hasBias ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU; break;
    case ActKind::GeluTanh: epilogue = hasBias ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_GELU; break;
    default: return {};
  }
  const ValueSpec& as = m.spec.values[op.a];
  const ValueSpec& bs = m.spec.values[op.w];
  const int64_t mRows = op.transA ? as.shape[1] : as.shape[0];
  const int64_t k = op.transA ? as.shape[0] : as.shape[1];
  const int64_t n = op.transB ? bs.shape[0] : bs.shape[1];
  std::shared_ptr<DeviceAllocation> biasBuf;
  if (hasBias) {
    const ValueSpec& bias = m.spec.values[op.bias];
    // The epilogue adds one value per column of y: only a weight vector of N values fits.
    if (bias.storage != StorageKind::Weight || bias.elements() != n || (bias.shape.size() == 2 && bias.shape[0] != 1)) return {};
    const float* host = m.hostWeight(op.bias);
    const int64_t bytes = n * dtypeBytes(m.storage);
    biasBuf = DeviceAllocation::make(bytes, m.options.device, "cuBLASLt bias");
    if (m.storage == DType::F16) {
      std::vector<__half> half(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) half[i] = __float2half_rn(op.beta * host[i]);
      checkCuda(cudaMemcpy(biasBuf->get(), half.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy (bias upload)");
    } else {
      std::vector<float> scaled(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) scaled[i] = op.beta * host[i];
      checkCuda(cudaMemcpy(biasBuf->get(), scaled.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy (bias upload)");
    }
  }
  const cudaDataType_t type = m.storage == DType::F16 ? CUDA_R_16F : CUDA_R_32F;
  const cublasComputeType_t compute = m.options.precision == Precision::TF32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  cublasLtMatmulDesc_t rawDesc = nullptr;
  checkLt(cublasLtMatmulDescCreate(&rawDesc, compute, CUDA_R_32F), "cublasLtMatmulDescCreate");
  MatmulDescPtr desc(rawDesc, cublasLtMatmulDescDestroy);
  // Lt's A is kiln's b, Lt's B is kiln's a (column-major view of the row-major product).
  const cublasOperation_t opA = op.transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t opB = op.transA ? CUBLAS_OP_T : CUBLAS_OP_N;
  checkLt(cublasLtMatmulDescSetAttribute(rawDesc, CUBLASLT_MATMUL_DESC_TRANSA, &opA, sizeof(opA)), "cublasLtMatmulDescSetAttribute");
  checkLt(cublasLtMatmulDescSetAttribute(rawDesc, CUBLASLT_MATMUL_DESC_TRANSB, &opB, sizeof(opB)), "cublasLtMatmulDescSetAttribute");
  checkLt(cublasLtMatmulDescSetAttribute(rawDesc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue)),
          "cublasLtMatmulDescSetAttribute");
  if (biasBuf) {
    const void* biasPtr = biasBuf->get();
    checkLt(cublasLtMatmulDescSetAttribute(rawDesc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &biasPtr, sizeof(biasPtr)),
            "cublasLtMatmulDescSetAttribute");
  }
  // b stored [K,N] (or [N,K] when transposed) is column-major N×K (K×N); a likewise.
  LayoutPtr aLayout = op.transB ? layout(type, k, n, k) : layout(type, n, k, n);
  LayoutPtr bLayout = op.transA ? layout(type, mRows, k, mRows) : layout(type, k, mRows, k);
  LayoutPtr dLayout = layout(type, n, mRows, n);

  cublasLtMatmulPreference_t rawPref = nullptr;
  checkLt(cublasLtMatmulPreferenceCreate(&rawPref), "cublasLtMatmulPreferenceCreate");
  std::shared_ptr<cublasLtMatmulPreferenceOpaque_t> pref(rawPref, cublasLtMatmulPreferenceDestroy);
  const uint64_t wsLimit = static_cast<uint64_t>(std::min<int64_t>(ctx.workspaceBytes(), int64_t{32} << 20));
  checkLt(cublasLtMatmulPreferenceSetAttribute(rawPref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsLimit, sizeof(wsLimit)),
          "cublasLtMatmulPreferenceSetAttribute");
  // Arena offsets may leave operands less aligned than cudaMalloc's 256 bytes; say so.
  const uint32_t alignA = alignmentOf(ctx.ptr(op.w)), alignB = alignmentOf(ctx.ptr(op.a)), alignD = alignmentOf(ctx.ptr(op.y));
  cublasLtMatmulPreferenceSetAttribute(rawPref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &alignA, sizeof(alignA));
  cublasLtMatmulPreferenceSetAttribute(rawPref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &alignB, sizeof(alignB));
  cublasLtMatmulPreferenceSetAttribute(rawPref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &alignD, sizeof(alignD));
  cublasLtMatmulPreferenceSetAttribute(rawPref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &alignD, sizeof(alignD));
  cublasLtMatmulHeuristicResult_t results[4];
  int returned = 0;
  const cublasStatus_t heuristic = cublasLtMatmulAlgoGetHeuristic(ctx.vendor().cublasLt, rawDesc, aLayout.get(), bLayout.get(),
                                                                   dLayout.get(), dLayout.get(), rawPref, 4, results, &returned);
  if (heuristic != CUBLAS_STATUS_SUCCESS || returned == 0) return {};
  const int a = op.a, b = op.w, y = op.y;
  const float alpha = op.alpha;
  std::vector<CompiledOp> candidates;
  for (int i = 0; i < returned && i < 2; ++i) {
    const cublasLtMatmulAlgo_t algo = results[i].algo;
    const size_t wsBytes = results[i].workspaceSize;
    candidates.push_back({"cublaslt" + std::to_string(i),
                          [=](ProgramContext& ctx) {
                            const float beta = 0.0f;
                            (void)biasBuf;  // kept alive with the step: the descriptor points at it
                            (void)pref;
                            checkLt(cublasLtMatmul(ctx.vendor().cublasLt, desc.get(), &alpha, ctx.ptr(b), aLayout.get(), ctx.ptr(a),
                                                   bLayout.get(), &beta, ctx.ptr(y), dLayout.get(), ctx.ptr(y), dLayout.get(), &algo,
                                                   ctx.workspace(), wsBytes, ctx.stream()),
                                    op.label + ": cublasLtMatmul");
                          },
                          static_cast<int64_t>(wsBytes)});
  }
  return candidates;
}

}  // namespace kiln::cuda
