// cuDNN convolution tactics: the fused convolution + bias (+ residual) + activation call
// (cudnnConvolutionBiasActivationForward) where cuDNN can fuse the activation, and a plain
// cudnnConvolutionForward followed by kiln's epilogue kernel otherwise. The algorithm comes from
// cudnnFindConvolutionForwardAlgorithmEx on the real buffers (cached per convolution shape).
#include <cuda_fp16.h>
#include <cudnn.h>

#include <cmath>
#include <map>
#include <mutex>

#include "../cuda_check.h"
#include "../program/kernels.h"
#include "../program/kernels_fast.h"
#include "../program/tactic_candidates.h"
#include "../program/vendor_handles.h"
#include "kiln/failure.h"

namespace kiln::cuda {
namespace {

void checkCudnn(cudnnStatus_t status, const std::string& call) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  throw Failure("CUDA_ERROR", call + " failed: " + cudnnGetErrorString(status),
                status == CUDNN_STATUS_NOT_SUPPORTED ? "cuDNN does not support this configuration; kiln falls back to its own kernels"
                                                     : "check the cuDNN installation and that it matches the CUDA driver");
}

using TensorDescPtr = std::shared_ptr<cudnnTensorStruct>;
using FilterDescPtr = std::shared_ptr<cudnnFilterStruct>;
using ConvDescPtr = std::shared_ptr<cudnnConvolutionStruct>;
using ActDescPtr = std::shared_ptr<cudnnActivationStruct>;

TensorDescPtr tensorDesc(const TensorDesc& d, cudnnDataType_t type) {
  cudnnTensorDescriptor_t raw = nullptr;
  checkCudnn(cudnnCreateTensorDescriptor(&raw), "cudnnCreateTensorDescriptor");
  TensorDescPtr out(raw, cudnnDestroyTensorDescriptor);
  checkCudnn(cudnnSetTensor4dDescriptorEx(raw, type, static_cast<int>(d.shape[0]), static_cast<int>(d.shape[1]),
                                          static_cast<int>(d.shape[2]), static_cast<int>(d.shape[3]), static_cast<int>(d.stride[0]),
                                          static_cast<int>(d.stride[1]), static_cast<int>(d.stride[2]), static_cast<int>(d.stride[3])),
             "cudnnSetTensor4dDescriptorEx");
  return out;
}

// Process-wide cache of cudnnFind results: identical convolutions (ResNet repeats its blocks)
// are timed once.
std::mutex cacheMutex;
std::map<std::string, std::vector<cudnnConvolutionFwdAlgoPerf_t>> findCache;
// How many of cuDNN's fastest algorithms kiln times itself (with and without the fused epilogue).
constexpr size_t kAlgorithmsTried = 3;

std::string shapeKey(const OpSpec& op, const TensorDesc& x, const TensorDesc& y, int64_t kh, int64_t kw, DType t, Precision p) {
  std::string key;
  for (const TensorDesc* d : {&x, &y})
    for (int i = 0; i < 4; ++i) key += std::to_string(d->shape[i]) + "/" + std::to_string(d->stride[i]) + ",";
  for (int v : {op.strides[0], op.strides[1], op.pads[0], op.pads[1], op.dilations[0], op.dilations[1], op.groups}) key += std::to_string(v) + ",";
  key += std::to_string(kh) + "x" + std::to_string(kw) + (t == DType::F16 ? "h" : "f") + std::to_string(static_cast<int>(p));
  return key;
}

// How the fused call can apply the op's activation, or false.
bool fusedActivation(const ActivationSpec& a, cudnnActivationMode_t& mode, double& coef) {
  switch (a.kind) {
    case ActKind::None: mode = CUDNN_ACTIVATION_IDENTITY; coef = 0; return true;
    case ActKind::Relu: mode = CUDNN_ACTIVATION_RELU; coef = 0; return true;
    case ActKind::Clip:
      if (a.alpha == 0.0f && std::isfinite(a.beta)) {
        mode = CUDNN_ACTIVATION_CLIPPED_RELU;
        coef = a.beta;
        return true;
      }
      return false;
    default: return false;
  }
}

}  // namespace

std::vector<CompiledOp> cudnnConvCandidates(ProgramModel& m, ProgramContext& ctx, int index) {
  const OpSpec& op = m.spec.ops[index];
  // cuDNN pads symmetrically only.
  if (op.pads[0] != op.pads[2] || op.pads[1] != op.pads[3]) return {};
  const TensorDesc xd = m.plan.values[op.x].desc, yd = m.plan.values[op.y].desc;
  const ValueSpec& ws = m.spec.values[op.w];
  const int64_t mOut = ws.shape[0], cg = ws.shape[1], kh = ws.shape[2], kw = ws.shape[3];
  for (const TensorDesc* d : {&xd, &yd})
    for (int i = 0; i < 4; ++i)
      if (d->shape[i] > INT32_MAX || d->stride[i] > INT32_MAX) return {};
  const cudnnDataType_t type = m.storage == DType::F16 ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
  const cudnnMathType_t math = m.options.precision == Precision::FP32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH;
  const bool nhwc = isNhwc(xd);
  const int device = m.options.device;

  TensorDescPtr xDesc = tensorDesc(xd, type), yDesc = tensorDesc(yd, type);
  cudnnFilterDescriptor_t rawFilter = nullptr;
  checkCudnn(cudnnCreateFilterDescriptor(&rawFilter), "cudnnCreateFilterDescriptor");
  FilterDescPtr wDesc(rawFilter, cudnnDestroyFilterDescriptor);
  checkCudnn(cudnnSetFilter4dDescriptor(rawFilter, type, nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW, static_cast<int>(mOut),
                                        static_cast<int>(cg), static_cast<int>(kh), static_cast<int>(kw)),
             "cudnnSetFilter4dDescriptor");
  cudnnConvolutionDescriptor_t rawConv = nullptr;
  checkCudnn(cudnnCreateConvolutionDescriptor(&rawConv), "cudnnCreateConvolutionDescriptor");
  ConvDescPtr convDesc(rawConv, cudnnDestroyConvolutionDescriptor);
  checkCudnn(cudnnSetConvolution2dDescriptor(rawConv, op.pads[0], op.pads[1], op.strides[0], op.strides[1], op.dilations[0],
                                             op.dilations[1], CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
             "cudnnSetConvolution2dDescriptor");
  checkCudnn(cudnnSetConvolutionGroupCount(rawConv, op.groups), "cudnnSetConvolutionGroupCount");
  checkCudnn(cudnnSetConvolutionMathType(rawConv, math), "cudnnSetConvolutionMathType");
  int outDims[4];
  checkCudnn(cudnnGetConvolution2dForwardOutputDim(rawConv, xDesc.get(), rawFilter, &outDims[0], &outDims[1], &outDims[2], &outDims[3]),
             "cudnnGetConvolution2dForwardOutputDim");
  for (int i = 0; i < 4; ++i) {
    if (outDims[i] != yd.shape[i]) {
      throw Failure("INVALID_ARGUMENT", "CudaProgram: " + op.label + ": y's shape does not match the convolution's output",
                    "the Program is inconsistent; rebuild the engine");
    }
  }

  // Weights in the filter layout and storage type; bias in the storage type (cuDNN's fused call
  // takes it in y's type) and in float (kiln's epilogue).
  const std::vector<float> kcrs = convWeightsKcrs(m, op);
  std::vector<float> filter(kcrs.size());
  if (nhwc) {
    for (int64_t k = 0; k < mOut; ++k)
      for (int64_t c = 0; c < cg; ++c)
        for (int64_t i = 0; i < kh * kw; ++i) filter[(k * kh * kw + i) * cg + c] = kcrs[(k * cg + c) * kh * kw + i];
  } else {
    filter = kcrs;
  }
  const std::vector<float> biasF = convBias(m, op);
  auto upload = [&](const std::vector<float>& host, const char* what) {
    const int64_t bytes = static_cast<int64_t>(host.size()) * dtypeBytes(m.storage);
    auto buffer = DeviceAllocation::make(bytes, device, what);
    if (m.storage == DType::F16) {
      std::vector<__half> half(host.size());
      for (size_t i = 0; i < host.size(); ++i) half[i] = __float2half_rn(host[i]);
      checkCuda(cudaMemcpy(buffer->get(), half.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy (weight upload)");
    } else {
      checkCuda(cudaMemcpy(buffer->get(), host.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy (weight upload)");
    }
    return buffer;
  };
  auto wBuf = upload(filter, "cuDNN conv weights");
  auto biasBuf = upload(biasF, "cuDNN conv bias");
  std::shared_ptr<DeviceAllocation> biasFloat;
  if (op.b >= 0) {
    biasFloat = DeviceAllocation::make(static_cast<int64_t>(biasF.size()) * 4, device, "conv bias");
    checkCuda(cudaMemcpy(biasFloat->get(), biasF.data(), biasF.size() * 4, cudaMemcpyHostToDevice), "cudaMemcpy (bias upload)");
  }
  TensorDesc bd{};
  bd.rank = 4;
  bd.shape[0] = 1;
  bd.shape[1] = mOut;
  bd.shape[2] = bd.shape[3] = 1;
  bd.stride[0] = mOut;
  bd.stride[1] = 1;
  bd.stride[2] = bd.stride[3] = 1;
  TensorDescPtr biasDesc = tensorDesc(bd, type);

  // The fastest algorithms for this shape, timed by cuDNN on the context's buffers.
  const std::string key = shapeKey(op, xd, yd, kh, kw, m.storage, m.options.precision);
  std::vector<cudnnConvolutionFwdAlgoPerf_t> best;
  {
    std::lock_guard<std::mutex> lock(cacheMutex);
    auto hit = findCache.find(key);
    if (hit != findCache.end()) best = hit->second;
  }
  if (best.empty()) {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    int returned = 0;
    checkCudnn(cudnnFindConvolutionForwardAlgorithmEx(ctx.vendor().cudnn, xDesc.get(), ctx.ptr(op.x), rawFilter, wBuf->get(), rawConv,
                                                      yDesc.get(), ctx.ptr(op.y), CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, perf,
                                                      ctx.workspace(), static_cast<size_t>(ctx.workspaceBytes())),
               "cudnnFindConvolutionForwardAlgorithmEx");
    for (int i = 0; i < returned && best.size() < kAlgorithmsTried; ++i) {
      if (perf[i].status != CUDNN_STATUS_SUCCESS) continue;
      if (static_cast<int64_t>(perf[i].memory) > ctx.workspaceBytes()) continue;
      // FP32 mode must not use TF32 tensor-core math.
      if (m.options.precision == Precision::FP32 && perf[i].mathType != CUDNN_FMA_MATH && perf[i].mathType != CUDNN_DEFAULT_MATH) continue;
      best.push_back(perf[i]);
    }
    if (best.empty()) return {};
    std::lock_guard<std::mutex> lock(cacheMutex);
    findCache[key] = best;
  }
  // Each algorithm runs with the math type cuDNN timed it with.
  auto convFor = [&](cudnnMathType_t mathType) {
    cudnnConvolutionDescriptor_t raw = nullptr;
    checkCudnn(cudnnCreateConvolutionDescriptor(&raw), "cudnnCreateConvolutionDescriptor");
    ConvDescPtr desc(raw, cudnnDestroyConvolutionDescriptor);
    checkCudnn(cudnnSetConvolution2dDescriptor(raw, op.pads[0], op.pads[1], op.strides[0], op.strides[1], op.dilations[0], op.dilations[1],
                                               CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
               "cudnnSetConvolution2dDescriptor");
    checkCudnn(cudnnSetConvolutionGroupCount(raw, op.groups), "cudnnSetConvolutionGroupCount");
    checkCudnn(cudnnSetConvolutionMathType(raw, mathType), "cudnnSetConvolutionMathType");
    return desc;
  };
  // The fused call with IDENTITY only runs IMPLICIT_PRECOMP_GEMM; its workspace must be asked for.
  size_t precompBytes = 0;
  const bool precompOk = cudnnGetConvolutionForwardWorkspaceSize(ctx.vendor().cudnn, xDesc.get(), rawFilter, rawConv, yDesc.get(),
                                                                 CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM,
                                                                 &precompBytes) == CUDNN_STATUS_SUCCESS &&
                         static_cast<int64_t>(precompBytes) <= ctx.workspaceBytes();

  const int x = op.x, y = op.y, residual = op.residual;
  const DType t = m.storage;
  const TensorDesc rd = residual >= 0 ? m.plan.values[residual].desc : TensorDesc{};
  const ActivationSpec act = op.activation;
  const int64_t elt = dtypeBytes(t);
  std::vector<CompiledOp> candidates;

  cudnnActivationMode_t mode;
  double coef = 0;
  const bool residualMatches = residual < 0 || (std::equal(rd.stride, rd.stride + 4, yd.stride));
  if (fusedActivation(act, mode, coef) && residualMatches) {
    cudnnActivationDescriptor_t rawAct = nullptr;
    checkCudnn(cudnnCreateActivationDescriptor(&rawAct), "cudnnCreateActivationDescriptor");
    ActDescPtr actDesc(rawAct, cudnnDestroyActivationDescriptor);
    checkCudnn(cudnnSetActivationDescriptor(rawAct, mode, CUDNN_NOT_PROPAGATE_NAN, coef), "cudnnSetActivationDescriptor");
    std::vector<std::pair<cudnnConvolutionFwdAlgoPerf_t, bool>> algos;  // (perf, from find)
    if (mode != CUDNN_ACTIVATION_IDENTITY) {
      for (const auto& perf : best) algos.emplace_back(perf, true);
    }
    bool precompListed = false;
    for (const auto& [perf, found] : algos) precompListed = precompListed || perf.algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
    if (precompOk && !precompListed) {
      cudnnConvolutionFwdAlgoPerf_t perf = best.front();
      perf.algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
      perf.memory = precompBytes;
      perf.mathType = math;
      algos.emplace_back(perf, false);
    }
    for (const auto& [perf, found] : algos) {
      const cudnnConvolutionFwdAlgo_t algo = perf.algo;
      const size_t wsBytes = perf.memory;
      ConvDescPtr conv = convFor(perf.mathType);
      candidates.push_back({"cudnn_fused_algo" + std::to_string(static_cast<int>(algo)),
                            [=](ProgramContext& ctx) {
                              const float one = 1.0f, zero = 0.0f;
                              void* out = static_cast<char*>(ctx.ptr(y)) + yd.offset * elt;
                              const void* z = residual >= 0 ? static_cast<const char*>(ctx.ptr(residual)) + rd.offset * elt : out;
                              checkCudnn(cudnnConvolutionBiasActivationForward(
                                             ctx.vendor().cudnn, &one, xDesc.get(), static_cast<const char*>(ctx.ptr(x)) + xd.offset * elt,
                                             wDesc.get(), wBuf->get(), conv.get(), algo, ctx.workspace(), wsBytes, residual >= 0 ? &one : &zero,
                                             yDesc.get(), z, biasDesc.get(), biasBuf->get(), actDesc.get(), yDesc.get(), out),
                                         op.label + ": cudnnConvolutionBiasActivationForward");
                            },
                            static_cast<int64_t>(wsBytes)});
    }
  }
  // Plain convolution, then bias/residual/activation in one kiln pass. A residual stored where
  // y goes (an in-place add folded into this convolution) is added by cuDNN itself (beta = 1)
  // before it is overwritten; the epilogue then skips it.
  const ValuePlacement& yp = m.plan.values[y];
  const bool residualInPlace = residual >= 0 && m.spec.values[residual].storage == StorageKind::Arena &&
                               m.plan.values[residual].arenaElement == yp.arenaElement && residualMatches;
  const int epilogueResidual = residualInPlace ? -1 : residual;
  const bool needsEpilogue = op.b >= 0 || epilogueResidual >= 0 || act.kind != ActKind::None;
  const bool nhwcY = isNhwc(yd) && yd.offset == 0;
  bool rowMajorY = yd.offset == 0;
  for (int i = 3, stride = 1; i >= 0; --i) {
    if (yd.shape[i] != 1 && yd.stride[i] != stride) rowMajorY = false;
    stride *= static_cast<int>(yd.shape[i]);
  }
  const bool fastEpilogue = fitsFast(yd.count()) && (nhwcY || rowMajorY) && (epilogueResidual < 0 || residualMatches);
  const int64_t epiCount = yd.count(), epiChannels = yd.shape[1], epiInner = nhwcY ? 1 : yd.shape[2] * yd.shape[3];
  for (const auto& perf : best) {
    const cudnnConvolutionFwdAlgo_t algo = perf.algo;
    const size_t wsBytes = perf.memory;
    ConvDescPtr conv = convFor(perf.mathType);
    candidates.push_back(
        {"cudnn_algo" + std::to_string(static_cast<int>(algo)) + (needsEpilogue ? "+epilogue" : ""),
         [=](ProgramContext& ctx) {
           const float one = 1.0f, zero = 0.0f;
           void* out = static_cast<char*>(ctx.ptr(y)) + yd.offset * elt;
           checkCudnn(cudnnConvolutionForward(ctx.vendor().cudnn, &one, xDesc.get(), static_cast<const char*>(ctx.ptr(x)) + xd.offset * elt,
                                              wDesc.get(), wBuf->get(), conv.get(), algo, ctx.workspace(), wsBytes,
                                              residualInPlace ? &one : &zero, yDesc.get(), out),
                      op.label + ": cudnnConvolutionForward");
           if (!needsEpilogue) return;
           const float* biasPtr = biasFloat ? static_cast<const float*>(biasFloat->get()) : nullptr;
           const void* res = epilogueResidual >= 0 ? ctx.ptr(epilogueResidual) : nullptr;
           const cudaError_t e = fastEpilogue ? launchEpilogueFast(t, ctx.ptr(y), res, biasPtr, act, epiCount, epiChannels, epiInner, ctx.stream())
                                              : launchConvEpilogue(t, ctx.ptr(y), yd, biasPtr, res, rd, act, ctx.stream());
           if (e != cudaSuccess) throw cudaFailure(e, (op.label + ": conv epilogue kernel").c_str());
         },
         static_cast<int64_t>(wsBytes)});
  }
  return candidates;
}

}  // namespace kiln::cuda
