// cuBLASLt GEMM tactic: row-major y = act(alpha·op(a)·op(b) + bias) computed as the
// column-major product yᵀ = op(b)ᵀ·op(a)ᵀ, with the bias (+ ReLU/GELU) in cuBLASLt's epilogue.
// Taken for gemm ops whose bias is a per-column weight vector (pre-scaled by beta).
#include <cublasLt.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <functional>

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

// Row-major y[m,n] = act(alpha·op(a)·op(b) + bias + c), operands fetched per context.
struct LtProblem {
  int64_t m = 0, n = 0, k = 0;
  bool transA = false, transB = false;
  float alpha = 1.0f;
  ActivationSpec act;
  std::vector<float> bias;  // n values, already scaled; empty = none
  std::function<const void*(ProgramContext&)> a, b, c;  // c: added with beta = 1 (y's layout), or null
  std::function<void*(ProgramContext&)> y;
  std::string label, prefix;
};

std::vector<CompiledOp> ltCandidates(ProgramModel& m, ProgramContext& ctx, const LtProblem& p) {
  cublasLtEpilogue_t epilogue;
  const bool hasBias = !p.bias.empty();
  switch (p.act.kind) {
    case ActKind::None: epilogue = hasBias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT; break;
    case ActKind::Relu: epilogue = hasBias ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU; break;
    case ActKind::GeluTanh: epilogue = hasBias ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_GELU; break;
    default: return {};
  }
  std::shared_ptr<DeviceAllocation> biasBuf;
  if (hasBias) {
    const int64_t bytes = p.n * dtypeBytes(m.storage);
    biasBuf = DeviceAllocation::make(bytes, m.options.device, "cuBLASLt bias");
    if (m.storage == DType::F16) {
      std::vector<__half> half(static_cast<size_t>(p.n));
      for (int64_t i = 0; i < p.n; ++i) half[i] = __float2half_rn(p.bias[i]);
      checkCuda(cudaMemcpy(biasBuf->get(), half.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy (bias upload)");
    } else {
      checkCuda(cudaMemcpy(biasBuf->get(), p.bias.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy (bias upload)");
    }
  }
  const cudaDataType_t type = m.storage == DType::F16 ? CUDA_R_16F : CUDA_R_32F;
  const cublasComputeType_t compute = m.options.precision == Precision::TF32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  cublasLtMatmulDesc_t rawDesc = nullptr;
  checkLt(cublasLtMatmulDescCreate(&rawDesc, compute, CUDA_R_32F), "cublasLtMatmulDescCreate");
  MatmulDescPtr desc(rawDesc, cublasLtMatmulDescDestroy);
  // Lt's A is kiln's b, Lt's B is kiln's a (column-major view of the row-major product).
  const cublasOperation_t opA = p.transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t opB = p.transA ? CUBLAS_OP_T : CUBLAS_OP_N;
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
  LayoutPtr aLayout = p.transB ? layout(type, p.k, p.n, p.k) : layout(type, p.n, p.k, p.n);
  LayoutPtr bLayout = p.transA ? layout(type, p.m, p.k, p.m) : layout(type, p.k, p.m, p.k);
  LayoutPtr dLayout = layout(type, p.n, p.m, p.n);

  cublasLtMatmulPreference_t rawPref = nullptr;
  checkLt(cublasLtMatmulPreferenceCreate(&rawPref), "cublasLtMatmulPreferenceCreate");
  std::shared_ptr<cublasLtMatmulPreferenceOpaque_t> pref(rawPref, cublasLtMatmulPreferenceDestroy);
  const uint64_t wsLimit = static_cast<uint64_t>(std::min<int64_t>(ctx.workspaceBytes(), int64_t{32} << 20));
  checkLt(cublasLtMatmulPreferenceSetAttribute(rawPref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsLimit, sizeof(wsLimit)),
          "cublasLtMatmulPreferenceSetAttribute");
  // Arena offsets may leave operands less aligned than cudaMalloc's 256 bytes; say so.
  uint32_t alignD = alignmentOf(p.y(ctx));
  if (p.c) alignD = std::min(alignD, alignmentOf(p.c(ctx)));
  const uint32_t alignA = alignmentOf(p.b(ctx)), alignB = alignmentOf(p.a(ctx));
  cublasLtMatmulPreferenceSetAttribute(rawPref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &alignA, sizeof(alignA));
  cublasLtMatmulPreferenceSetAttribute(rawPref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &alignB, sizeof(alignB));
  cublasLtMatmulPreferenceSetAttribute(rawPref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &alignD, sizeof(alignD));
  cublasLtMatmulPreferenceSetAttribute(rawPref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &alignD, sizeof(alignD));
  cublasLtMatmulHeuristicResult_t results[4];
  int returned = 0;
  const cublasStatus_t heuristic = cublasLtMatmulAlgoGetHeuristic(ctx.vendor().cublasLt, rawDesc, aLayout.get(), bLayout.get(),
                                                                   dLayout.get(), dLayout.get(), rawPref, 4, results, &returned);
  if (heuristic != CUBLAS_STATUS_SUCCESS || returned == 0) return {};
  std::vector<CompiledOp> candidates;
  for (int i = 0; i < returned && i < 2; ++i) {
    const cublasLtMatmulAlgo_t algo = results[i].algo;
    const size_t wsBytes = results[i].workspaceSize;
    const LtProblem q = p;
    candidates.push_back({p.prefix + std::to_string(i),
                          [=](ProgramContext& ctx) {
                            (void)biasBuf;  // kept alive with the step: the descriptor points at it
                            (void)pref;
                            void* y = q.y(ctx);
                            const float beta = q.c ? 1.0f : 0.0f;
                            const void* c = q.c ? q.c(ctx) : y;
                            checkLt(cublasLtMatmul(ctx.vendor().cublasLt, desc.get(), &q.alpha, q.b(ctx), aLayout.get(), q.a(ctx),
                                                   bLayout.get(), &beta, c, dLayout.get(), y, dLayout.get(), &algo, ctx.workspace(),
                                                   wsBytes, ctx.stream()),
                                    q.label + ": cublasLtMatmul");
                          },
                          static_cast<int64_t>(wsBytes)});
  }
  return candidates;
}

}  // namespace

std::vector<CompiledOp> cublasLtGemmCandidates(ProgramModel& m, ProgramContext& ctx, int index) {
  const OpSpec& op = m.spec.ops[index];
  const ValueSpec& as = m.spec.values[op.a];
  const ValueSpec& bs = m.spec.values[op.w];
  LtProblem p;
  p.m = op.transA ? as.shape[1] : as.shape[0];
  p.k = op.transA ? as.shape[0] : as.shape[1];
  p.n = op.transB ? bs.shape[0] : bs.shape[1];
  p.transA = op.transA;
  p.transB = op.transB;
  p.alpha = op.alpha;
  p.act = op.activation;
  if (op.bias >= 0) {
    const ValueSpec& bias = m.spec.values[op.bias];
    // The epilogue adds one value per column of y: only a weight vector of N values fits.
    if (bias.storage != StorageKind::Weight || bias.elements() != p.n || (bias.shape.size() == 2 && bias.shape[0] != 1)) return {};
    const float* host = m.hostWeight(op.bias);
    p.bias.resize(static_cast<size_t>(p.n));
    for (int64_t i = 0; i < p.n; ++i) p.bias[i] = op.beta * host[i];
  }
  const int a = op.a, b = op.w, y = op.y;
  p.a = [a](ProgramContext& ctx) -> const void* { return ctx.ptr(a); };
  p.b = [b](ProgramContext& ctx) -> const void* { return ctx.ptr(b); };
  p.y = [y](ProgramContext& ctx) { return ctx.ptr(y); };
  p.label = op.label;
  p.prefix = "cublaslt";
  return ltCandidates(m, ctx, p);
}

std::vector<CompiledOp> cublasLtConvCandidates(ProgramModel& m, ProgramContext& ctx, int index) {
  const OpSpec& op = m.spec.ops[index];
  const ValueSpec& ws = m.spec.values[op.w];
  const TensorDesc xd = m.plan.values[op.x].desc, yd = m.plan.values[op.y].desc;
  // A 1×1, stride-1, unpadded convolution over channels-last data is the GEMM
  // y[N·H·W, M] = x[N·H·W, C] · w[M, C]ᵀ, with the residual as Lt's C matrix.
  const bool pointwise = ws.shape[2] == 1 && ws.shape[3] == 1 && op.groups == 1 && op.strides[0] == 1 && op.strides[1] == 1 &&
                         op.pads[0] == 0 && op.pads[1] == 0 && op.pads[2] == 0 && op.pads[3] == 0;
  const bool dense = isNhwc(xd) && isNhwc(yd) && xd.offset == 0 && yd.offset == 0;
  if (!pointwise || !dense) return {};
  if (op.residual >= 0) {
    const TensorDesc rd = m.plan.values[op.residual].desc;
    if (!isNhwc(rd) || rd.offset != 0) return {};
  }
  LtProblem p;
  p.m = yd.shape[0] * yd.shape[2] * yd.shape[3];
  p.k = ws.shape[1];
  p.n = ws.shape[0];
  p.transB = true;
  p.act = op.activation;
  if (op.b >= 0) p.bias = convBias(m, op);
  const std::vector<float> kc = convWeightsKcrs(m, op);  // [M][C][1][1] is row-major [M, C]
  const int64_t bytes = static_cast<int64_t>(kc.size()) * dtypeBytes(m.storage);
  auto weights = DeviceAllocation::make(bytes, m.options.device, "cuBLASLt conv weights");
  if (m.storage == DType::F16) {
    std::vector<__half> half(kc.size());
    for (size_t i = 0; i < kc.size(); ++i) half[i] = __float2half_rn(kc[i]);
    checkCuda(cudaMemcpy(weights->get(), half.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy (weight upload)");
  } else {
    checkCuda(cudaMemcpy(weights->get(), kc.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy (weight upload)");
  }
  const int x = op.x, y = op.y, residual = op.residual;
  p.a = [x](ProgramContext& ctx) -> const void* { return ctx.ptr(x); };
  p.b = [weights](ProgramContext&) -> const void* { return weights->get(); };
  p.y = [y](ProgramContext& ctx) { return ctx.ptr(y); };
  if (residual >= 0) p.c = [residual](ProgramContext& ctx) -> const void* { return ctx.ptr(residual); };
  p.label = op.label;
  p.prefix = "cublaslt_conv";
  return ltCandidates(m, ctx, p);
}

}  // namespace kiln::cuda
