// Turns each Program op into a CompiledOp: resolves descs and parameters once, prepares weights
// for the tactic, and for conv2d/gemm times every candidate tactic on the device.
#include <algorithm>
#include <cmath>

#include "../cuda_check.h"
#include "kernels.h"
#include "kernels_fast.h"
#include "kiln/failure.h"
#include "program_executor.h"
#include "tactic_candidates.h"

namespace kiln::cuda {
namespace {

[[noreturn]] void badOp(const OpSpec& op, const std::string& message, const std::string& hint = {}) {
  throw Failure("INVALID_ARGUMENT", "CudaProgram: " + op.label + ": " + message,
                hint.empty() ? "the Program is inconsistent; rebuild the engine (this is a lowering bug if it persists)" : hint);
}

int normalizeAxis(const OpSpec& op, int axis, int rank) {
  const int a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) badOp(op, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return a;
}

GatherMap identityMap(const TensorDesc& d) {
  GatherMap m;
  for (int i = 0; i < d.rank; ++i) {
    m.step[i] = 1;
    m.bound[i] = d.shape[i];
  }
  return m;
}

bool sameDesc(const TensorDesc& a, const TensorDesc& b) {
  if (a.rank != b.rank || a.offset != b.offset) return false;
  for (int i = 0; i < a.rank; ++i)
    if (a.shape[i] != b.shape[i] || (a.shape[i] != 1 && a.stride[i] != b.stride[i])) return false;
  return true;
}

bool isRowMajor(const TensorDesc& d) {
  int64_t s = 1;
  for (int i = d.rank - 1; i >= 0; --i) {
    if (d.shape[i] != 1 && d.stride[i] != s) return false;
    s *= d.shape[i];
  }
  return d.offset == 0;
}

// For a dense value: how flat indices map to channels along `axis` (inner = elements per
// channel step), or false when the value is neither row-major nor NHWC with axis 1.
bool channelStep(const TensorDesc& d, int axis, int64_t& channels, int64_t& inner) {
  if (axis < 0 || axis >= d.rank || !fitsFast(d.count())) return false;
  channels = d.shape[axis];
  if (isNhwc(d) && d.offset == 0 && axis == 1) {
    inner = 1;
    return true;
  }
  if (!isRowMajor(d)) return false;
  inner = 1;
  for (int i = axis + 1; i < d.rank; ++i) inner *= d.shape[i];
  return true;
}

FastConvShape fastShape(const TensorDesc& x, const TensorDesc& y, int kh, int kw, const int* strides, const int* pads, const int* dilations) {
  FastConvShape s;
  s.n = static_cast<unsigned>(x.shape[0]);
  s.c = static_cast<unsigned>(x.shape[1]);
  s.h = static_cast<unsigned>(x.shape[2]);
  s.w = static_cast<unsigned>(x.shape[3]);
  s.oh = static_cast<unsigned>(y.shape[2]);
  s.ow = static_cast<unsigned>(y.shape[3]);
  s.kh = kh;
  s.kw = kw;
  s.sh = strides[0];
  s.sw = strides[1];
  s.pt = pads[0];
  s.pl = pads[1];
  s.pb = pads[2];
  s.pr = pads[3];
  s.dh = dilations[0];
  s.dw = dilations[1];
  return s;
}

bool nhwcPair(const TensorDesc& x, const TensorDesc& y) {
  return isNhwc(x) && isNhwc(y) && x.offset == 0 && y.offset == 0 && fitsFast(x.count()) && fitsFast(y.count()) && x.shape[1] == y.shape[1];
}

// The window geometry and epilogue of a conv2d or deconv2d op, as the kernels take them.
ConvParams convParamsOf(const OpSpec& op) {
  ConvParams p;
  std::copy(op.strides, op.strides + 2, p.strides);
  std::copy(op.pads, op.pads + 4, p.pads);
  std::copy(op.dilations, op.dilations + 2, p.dilations);
  p.groups = op.groups;
  p.act = op.activation;
  return p;
}

void launchCheck(cudaError_t error, const OpSpec& op, const char* what) {
  if (error != cudaSuccess) throw cudaFailure(error, (op.label + ": " + what).c_str());
}

// Resolves the pointer of a weight or activation operand (weights get uploaded now).
void prepareOperand(ProgramModel& m, int id) {
  if (id >= 0 && m.spec.values[id].storage == StorageKind::Weight) m.weight(id);
}

std::shared_ptr<DeviceAllocation> uploadFloats(const std::vector<float>& host, int device, const char* what) {
  auto buffer = DeviceAllocation::make(static_cast<int64_t>(host.size()) * 4, device, what);
  checkCuda(cudaMemcpy(buffer->get(), host.data(), host.size() * 4, cudaMemcpyHostToDevice), "cudaMemcpy (weight upload)");
  return buffer;
}

// Times `candidates` on the context (a warm-up, then the best of three round-robin rounds) and
// returns the fastest that ran; one that fails (unsupported by the library) is dropped.
CompiledOp pickFastest(ProgramContext& ctx, std::vector<CompiledOp> candidates, const OpSpec& op) {
  if (!op.tactic.empty()) {
    auto forced = std::find_if(candidates.begin(), candidates.end(), [&](const CompiledOp& c) { return c.tactic == op.tactic; });
    if (forced == candidates.end()) {
      std::string names;
      for (const auto& c : candidates) names += (names.empty() ? "" : ", ") + c.tactic;
      badOp(op, "tactic '" + op.tactic + "' is not available here", "use one of: " + names + " (or leave the tactic unset)");
    }
    CompiledOp chosen = *forced;
    candidates = {chosen};
  }
  if (candidates.size() == 1) return candidates.front();
  struct Events {
    cudaEvent_t start = nullptr, end = nullptr;
    ~Events() {
      if (start != nullptr) cudaEventDestroy(start);
      if (end != nullptr) cudaEventDestroy(end);
    }
  } events;
  checkCuda(cudaEventCreate(&events.start), "cudaEventCreate");
  checkCuda(cudaEventCreate(&events.end), "cudaEventCreate");
  const cudaEvent_t start = events.start, end = events.end;
  std::string lastError;
  // Every candidate runs once untimed (rejected ones drop out), then all are timed round-robin
  // and each keeps its best round: a GPU still raising its clocks, or a noisy neighbour, then
  // weighs on every candidate alike instead of on whichever came first.
  std::vector<bool> ok(candidates.size(), false);
  for (size_t i = 0; i < candidates.size(); ++i) {
    try {
      candidates[i].enqueue(ctx);
      candidates[i].enqueue(ctx);
      checkCuda(cudaStreamSynchronize(ctx.stream()), "cudaStreamSynchronize (tactic trial)");
      ok[i] = true;
    } catch (const std::exception& e) {
      lastError = candidates[i].tactic + ": " + e.what();
      cudaGetLastError();  // a rejected library call leaves no sticky error; clear launch errors
    }
  }
  std::vector<double> bestTime(candidates.size(), 1e30);
  constexpr int kRounds = 3, kRuns = 3;
  for (int round = 0; round < kRounds; ++round) {
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (!ok[i]) continue;
      checkCuda(cudaEventRecord(start, ctx.stream()), "cudaEventRecord");
      for (int r = 0; r < kRuns; ++r) candidates[i].enqueue(ctx);
      checkCuda(cudaEventRecord(end, ctx.stream()), "cudaEventRecord");
      checkCuda(cudaEventSynchronize(end), "cudaEventSynchronize");
      float ms = 0;
      checkCuda(cudaEventElapsedTime(&ms, start, end), "cudaEventElapsedTime");
      bestTime[i] = std::min(bestTime[i], static_cast<double>(ms));
    }
  }
  int bestIndex = -1;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (ok[i] && (bestIndex < 0 || bestTime[i] < bestTime[bestIndex])) bestIndex = static_cast<int>(i);
  }
  if (bestIndex < 0) throw Failure("CUDA_ERROR", "CudaProgram: " + op.label + ": no tactic ran (" + lastError + ")",
                                   "run this layer on the CPU backend and report the model");
  CompiledOp chosen = candidates[bestIndex];
  for (size_t i = 0; i < candidates.size(); ++i)
    if (ok[i]) chosen.trials.push_back({candidates[i].tactic, bestTime[i] / kRuns, candidates[i].workspaceBytes});
  return chosen;
}

CompiledOp compileConv(ProgramModel& m, ProgramContext& ctx, int index) {
  const OpSpec& op = m.spec.ops[index];
  const ValueSpec& xs = m.spec.values[op.x];
  const ValueSpec& ws = m.spec.values[op.w];
  const ValueSpec& ys = m.spec.values[op.y];
  if (xs.shape.size() != 4 || ws.shape.size() != 4 || ys.shape.size() != 4) badOp(op, "conv2d operands must be 4-D (NCHW)");
  if (ws.storage != StorageKind::Weight) {
    throw Failure("UNSUPPORTED_LAYER", "CudaProgram: " + op.label + ": convolution weights computed at run time are not supported on CUDA",
                  "fold the weights into constants, or run this layer on the CPU backend");
  }
  if (op.b >= 0 && m.spec.values[op.b].storage != StorageKind::Weight) {
    throw Failure("UNSUPPORTED_LAYER", "CudaProgram: " + op.label + ": a convolution bias computed at run time is not supported on CUDA",
                  "fold the bias into constants, or run this layer on the CPU backend");
  }
  const int64_t c = xs.shape[1], mOut = ws.shape[0], kh = ws.shape[2], kw = ws.shape[3];
  if (op.groups < 1 || c % op.groups != 0 || mOut % op.groups != 0 || ws.shape[1] != c / op.groups || ys.shape[1] != mOut) {
    badOp(op, "weights [" + std::to_string(mOut) + ", " + std::to_string(ws.shape[1]) + ", …] do not match " + std::to_string(c) +
                  " input channels in " + std::to_string(op.groups) + " group(s)");
  }
  prepareOperand(m, op.residual);
  const int device = m.options.device;
  const ConvParams p = convParamsOf(op);
  const std::vector<float> kcrs = convWeightsKcrs(m, op);
  const auto bias = op.b >= 0 ? uploadFloats(convBias(m, op), device, "a conv bias") : nullptr;
  const DType t = m.storage;
  const int x = op.x, y = op.y, residual = op.residual;
  std::vector<CompiledOp> candidates;
  const bool depthwise = op.groups == c && mOut == c;
  if (depthwise) {
    std::vector<float> hwc(static_cast<size_t>(kh * kw * c));
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < kh * kw; ++i) hwc[i * c + ch] = kcrs[ch * kh * kw + i];
    auto w = uploadFloats(hwc, device, "depthwise conv weights");
    const TensorDesc xd = m.plan.values[x].desc, yd = m.plan.values[y].desc;
    if (nhwcPair(xd, yd) && (residual < 0 || sameDesc(m.plan.values[residual].desc, yd))) {
      const FastConvShape fs = fastShape(xd, yd, static_cast<int>(kh), static_cast<int>(kw), op.strides, op.pads, op.dilations);
      candidates.push_back({"depthwise_nhwc", [=](ProgramContext& ctx) {
                              launchCheck(launchDepthwiseNhwc(t, ctx.ptr(y), ctx.ptr(x), static_cast<const float*>(w->get()),
                                                              bias ? static_cast<const float*>(bias->get()) : nullptr,
                                                              residual >= 0 ? ctx.ptr(residual) : nullptr, fs, p.act, ctx.stream()),
                                          op, "depthwise NHWC conv kernel");
                            }});
    }
    candidates.push_back({"depthwise", [=](ProgramContext& ctx) {
                            const TensorDesc none{};
                            launchCheck(launchDepthwiseConv(t, ctx.ptr(y), ctx.placement(y).desc, ctx.ptr(x), ctx.placement(x).desc,
                                                            static_cast<const float*>(w->get()), static_cast<int>(kh),
                                                            static_cast<int>(kw), bias ? static_cast<const float*>(bias->get()) : nullptr,
                                                            residual >= 0 ? ctx.ptr(residual) : nullptr,
                                                            residual >= 0 ? ctx.placement(residual).desc : none, p, ctx.stream()),
                                        op, "depthwise conv kernel");
                          }});
  }
  // Few input channels: the direct NHWC kernel keeps all weights in shared memory.
  {
    const TensorDesc xd = m.plan.values[x].desc, yd = m.plan.values[y].desc;
    const size_t shared = static_cast<size_t>(kh * kw * (c / op.groups) * mOut) * sizeof(float);
    if (op.groups == 1 && isNhwc(xd) && xd.offset == 0 && fitsFast(xd.count()) && isNhwc(yd) && yd.offset == 0 && fitsFast(yd.count()) && shared <= kDirectConvMaxSharedBytes &&
        (residual < 0 || sameDesc(m.plan.values[residual].desc, yd))) {
      std::vector<float> hwcm(kcrs.size());
      for (int64_t k = 0; k < mOut; ++k)
        for (int64_t ch = 0; ch < c; ++ch)
          for (int64_t i = 0; i < kh * kw; ++i) hwcm[(i * c + ch) * mOut + k] = kcrs[(k * c + ch) * kh * kw + i];
      auto w = uploadFloats(hwcm, device, "direct conv weights");
      FastConvShape fs = fastShape(xd, yd, static_cast<int>(kh), static_cast<int>(kw), op.strides, op.pads, op.dilations);
      const unsigned mCount = static_cast<unsigned>(mOut);
      candidates.push_back({"direct_nhwc", [=](ProgramContext& ctx) {
                              launchCheck(launchDirectNhwc(t, ctx.ptr(y), ctx.ptr(x), static_cast<const float*>(w->get()),
                                                           bias ? static_cast<const float*>(bias->get()) : nullptr,
                                                           residual >= 0 ? ctx.ptr(residual) : nullptr, fs, mCount, p.act, ctx.stream()),
                                          op, "direct NHWC conv kernel");
                            }});
    }
  }
  std::vector<CompiledOp> library;
#if KILN_HAVE_CUDNN
  library = cudnnConvCandidates(m, ctx, index);
#endif
#if KILN_HAVE_CUBLASLT
  for (auto& lt : cublasLtConvCandidates(m, ctx, index)) library.push_back(std::move(lt));
#endif
  // The CUDA-core implicit GEMM always works; with a library present it is only worth timing
  // on small convolutions (it would lose the large ones by a wide margin anyway).
  const double macs = static_cast<double>(ys.elements()) * static_cast<double>(ws.shape[1] * kh * kw);
  if (library.empty() || macs < 3e8 || op.tactic == "implicit_gemm") {
    auto w = uploadFloats(kcrs, device, "conv weights");
    candidates.push_back({"implicit_gemm", [=](ProgramContext& ctx) {
                            const TensorDesc none{};
                            launchCheck(launchImplicitGemmConv(t, ctx.ptr(y), ctx.placement(y).desc, ctx.ptr(x),
                                                               ctx.placement(x).desc, static_cast<const float*>(w->get()),
                                                               static_cast<int>(kh), static_cast<int>(kw),
                                                               bias ? static_cast<const float*>(bias->get()) : nullptr,
                                                               residual >= 0 ? ctx.ptr(residual) : nullptr,
                                                               residual >= 0 ? ctx.placement(residual).desc : none, p, ctx.stream()),
                                        op, "implicit-GEMM conv kernel");
                          }});
  }
  for (auto& l : library) candidates.push_back(std::move(l));
  return pickFastest(ctx, std::move(candidates), op);
}

CompiledOp compileGemm(ProgramModel& m, ProgramContext& ctx, int index) {
  const OpSpec& op = m.spec.ops[index];
  const ValueSpec& as = m.spec.values[op.a];
  const ValueSpec& bs = m.spec.values[op.w];
  const ValueSpec& ys = m.spec.values[op.y];
  if (as.shape.size() != 2 || bs.shape.size() != 2 || ys.shape.size() != 2) badOp(op, "gemm operands must be 2-D");
  GemmShape s;
  s.m = op.transA ? as.shape[1] : as.shape[0];
  s.k = op.transA ? as.shape[0] : as.shape[1];
  s.n = op.transB ? bs.shape[0] : bs.shape[1];
  const int64_t kb = op.transB ? bs.shape[1] : bs.shape[0];
  if (kb != s.k || ys.shape[0] != s.m || ys.shape[1] != s.n) badOp(op, "operand shapes do not agree with y's [M, N]");
  s.batch = 1;
  s.aRowStride = op.transA ? 1 : as.shape[1];
  s.aColStride = op.transA ? as.shape[1] : 1;
  s.bRowStride = op.transB ? 1 : bs.shape[1];
  s.bColStride = op.transB ? bs.shape[1] : 1;
  prepareOperand(m, op.a);
  prepareOperand(m, op.w);
  prepareOperand(m, op.bias);
  TensorDesc biasDesc{};
  if (op.bias >= 0) {
    TensorDesc y2 = rowMajorDesc(ys.shape);
    const ValueSpec& bias = m.spec.values[op.bias];
    if (bias.shape.size() > 2) badOp(op, "bias must broadcast to [M, N]");
    biasDesc = broadcastTo(rowMajorDesc(bias.shape), y2);
  }
  const DType t = m.storage;
  const int a = op.a, b = op.w, y = op.y, biasId = op.bias;
  const float alpha = op.alpha, beta = op.beta;
  const ActivationSpec act = op.activation;
  std::vector<CompiledOp> candidates;
  candidates.push_back({"gemm", [=](ProgramContext& ctx) {
                          launchCheck(launchGemm(t, ctx.ptr(y), ctx.ptr(a), ctx.ptr(b), s, nullptr, nullptr, alpha, beta,
                                                 biasId >= 0 ? ctx.ptr(biasId) : nullptr, biasDesc, act, ctx.stream()),
                                      op, "GEMM kernel");
                        }});
#if KILN_HAVE_CUBLASLT
  for (auto& c : cublasLtGemmCandidates(m, ctx, index)) candidates.push_back(std::move(c));
#endif
  return pickFastest(ctx, std::move(candidates), op);
}

CompiledOp compileBatchedMatmul(ProgramModel& m, const OpSpec& op) {
  const ValueSpec& as = m.spec.values[op.a];
  const ValueSpec& bs = m.spec.values[op.w];
  const ValueSpec& ys = m.spec.values[op.y];
  const int r = static_cast<int>(ys.shape.size());
  if (r < 2 || as.shape.size() < 2 || bs.shape.size() < 2) badOp(op, "batched_matmul operands must have rank ≥ 2");
  GemmShape s;
  s.m = as.shape[as.shape.size() - 2];
  s.k = as.shape.back();
  s.n = bs.shape.back();
  if (bs.shape[bs.shape.size() - 2] != s.k || ys.shape[r - 2] != s.m || ys.shape[r - 1] != s.n) {
    badOp(op, "operand shapes do not agree ([…, M, K] × […, K, N] → […, M, N])");
  }
  s.aRowStride = s.k;
  s.aColStride = 1;
  s.bRowStride = s.n;
  s.bColStride = 1;
  // Per-batch element offsets of a and b, with numpy broadcasting of the batch dims.
  std::vector<int64_t> yBatch(ys.shape.begin(), ys.shape.end() - 2);
  s.batch = 1;
  for (int64_t d : yBatch) s.batch *= d;
  auto offsets = [&](const ValueSpec& v) {
    std::vector<int64_t> batchShape(v.shape.begin(), v.shape.end() - 2);
    const int64_t matrix = v.shape[v.shape.size() - 2] * v.shape.back();
    std::vector<int64_t> strides(batchShape.size());
    int64_t st = matrix;
    for (int i = static_cast<int>(batchShape.size()) - 1; i >= 0; --i) {
      strides[i] = batchShape[i] == 1 ? 0 : st;
      st *= batchShape[i];
    }
    std::vector<int64_t> out(static_cast<size_t>(s.batch));
    for (int64_t bi = 0; bi < s.batch; ++bi) {
      int64_t rem = bi, off = 0;
      for (int d = static_cast<int>(yBatch.size()) - 1; d >= 0; --d) {
        const int64_t coord = rem % yBatch[d];
        rem /= yBatch[d];
        const int vd = d - (static_cast<int>(yBatch.size()) - static_cast<int>(batchShape.size()));
        if (vd >= 0) off += coord * strides[vd];
      }
      out[bi] = off;
    }
    return out;
  };
  const std::vector<int64_t> ao = offsets(as), bo = offsets(bs);
  const int device = m.options.device;
  auto offsetBuffer = DeviceAllocation::make(static_cast<int64_t>(ao.size() + bo.size()) * 8, device, "batched matmul offsets");
  std::vector<int64_t> both(ao);
  both.insert(both.end(), bo.begin(), bo.end());
  checkCuda(cudaMemcpy(offsetBuffer->get(), both.data(), both.size() * 8, cudaMemcpyHostToDevice), "cudaMemcpy");
  prepareOperand(m, op.a);
  prepareOperand(m, op.w);
  const DType t = m.storage;
  const int a = op.a, b = op.w, y = op.y;
  const int64_t batches = s.batch;
  return {"gemm", [=](ProgramContext& ctx) {
            const auto* offs = static_cast<const int64_t*>(offsetBuffer->get());
            launchCheck(launchGemm(t, ctx.ptr(y), ctx.ptr(a), ctx.ptr(b), s, offs, offs + batches, 1.0f, 0.0f, nullptr, TensorDesc{},
                                   ActivationSpec{}, ctx.stream()),
                        op, "batched GEMM kernel");
          }};
}

// ConvTranspose: weights [C, M/groups, kH, kW] stay in that order (the kernel gathers per output).
// Shapes, groups and the output size were checked by the shared validator.
CompiledOp compileDeconv(ProgramModel& m, const OpSpec& op) {
  const auto& V = m.spec.values;
  if (V[op.w].storage != StorageKind::Weight) badOp(op, "its weights must be a constant", "run this layer on the CPU backend");
  const auto& ws = V[op.w].shape;
  const auto& ys = V[op.y].shape;
  const int64_t mOut = ys[1], kh = ws[2], kw = ws[3];
  std::vector<float> bias;
  if (op.b >= 0) {
    if (V[op.b].storage != StorageKind::Weight) badOp(op, "its bias must be a constant", "run this layer on the CPU backend");
    const float* b = m.hostWeight(op.b);
    bias.assign(b, b + mOut);
  }
  const float* w = m.hostWeight(op.w);
  const int device = m.options.device;
  const auto weights = uploadFloats(std::vector<float>(w, w + V[op.w].elements()), device, "transposed conv weights");
  const auto biasBuffer = bias.empty() ? nullptr : uploadFloats(bias, device, "a transposed conv bias");
  const ConvParams p = convParamsOf(op);
  const DType t = m.storage;
  const int x = op.x, y = op.y;
  const TensorDesc xd = m.plan.values[x].desc, yd = m.plan.values[y].desc;
  return {"deconv2d", [=](ProgramContext& ctx) {
            launchCheck(launchDeconv(t, ctx.ptr(y), yd, ctx.ptr(x), xd, static_cast<const float*>(weights->get()), static_cast<int>(kh),
                                     static_cast<int>(kw), biasBuffer ? static_cast<const float*>(biasBuffer->get()) : nullptr, p,
                                     ctx.stream()),
                        op, "transposed conv kernel");
          }};
}

}  // namespace

CompiledOp compileOp(ProgramModel& m, ProgramContext& ctx, int index) {
  const OpSpec& op = m.spec.ops[index];
  const auto& V = m.spec.values;
  const DType t = m.storage;
  const DType yt = m.plan.values[op.y].type;  // how y is stored: data movement keeps it, index ops choose by it
  const int x = op.x, y = op.y;
  for (int id : opReads(op)) prepareOperand(m, id);
  if (V[op.y].storage != StorageKind::Arena) badOp(op, "its output '" + V[op.y].name + "' is not an arena value");
  auto desc = [&](int id) { return m.plan.values[id].desc; };
  auto same = [&](int a, int b) {
    if (V[a].shape != V[b].shape) badOp(op, "'" + V[a].name + "' and '" + V[b].name + "' must have the same shape");
  };
  switch (op.kind) {
    case OpKind::Conv2d: return compileConv(m, ctx, index);
    case OpKind::Gemm: return compileGemm(m, ctx, index);
    case OpKind::BatchedMatmul: return compileBatchedMatmul(m, op);
    case OpKind::Copy: {
      if (V[x].elements() != V[y].elements()) badOp(op, "copy needs equal element counts");
      const TensorDesc xd = desc(x), yd = desc(y);
      return {"copy", [=](ProgramContext& ctx) {
                launchCheck(launchReshapeCopy(ctx.ptr(y), yd, yt, ctx.ptr(x), xd, yt, ctx.stream()), op, "copy kernel");
              }};
    }
    case OpKind::Transpose:
    case OpKind::Slice:
    case OpKind::Pad: {
      const TensorDesc xd = desc(x), yd = desc(y);
      const int rank = xd.rank;
      if (yd.rank != rank) badOp(op, "input and output ranks differ");
      TensorDesc src = xd;
      GatherMap map = identityMap(xd);
      if (op.kind == OpKind::Transpose) {
        if (static_cast<int>(op.perm.size()) != rank) badOp(op, "perm must list every axis");
        for (int d = 0; d < rank; ++d) {
          src.shape[d] = xd.shape[op.perm[d]];
          src.stride[d] = xd.stride[op.perm[d]];
          map.bound[d] = xd.shape[op.perm[d]];
          if (src.shape[d] != yd.shape[d]) badOp(op, "y's shape is not the permuted input shape");
        }
      } else if (op.kind == OpKind::Slice) {
        if (static_cast<int>(op.starts.size()) != rank || static_cast<int>(op.steps.size()) != rank) badOp(op, "starts/steps need one entry per axis");
        for (int d = 0; d < rank; ++d) {
          map.start[d] = op.starts[d];
          map.step[d] = op.steps[d];
        }
      } else {
        if (static_cast<int>(op.padsNd.size()) != 2 * rank) badOp(op, "pads need 2 entries per axis");
        for (int d = 0; d < rank; ++d) map.start[d] = -op.padsNd[d];
      }
      const float value = op.padValue;
      return {op.kind == OpKind::Pad ? "pad" : op.kind == OpKind::Slice ? "slice" : "transpose", [=](ProgramContext& ctx) {
                launchCheck(launchGather(ctx.ptr(y), yd, yt, ctx.ptr(x), src, yt, map, value, ctx.stream()), op, "gather kernel");
              }};
    }
    case OpKind::Concat: {
      const TensorDesc yd = desc(y);
      const int axis = normalizeAxis(op, op.axis, yd.rank);
      std::vector<std::pair<int, TensorDesc>> pieces;
      int64_t at = 0;
      for (int in : op.inputs) {
        TensorDesc part = yd;
        part.shape[axis] = V[in].shape[axis];
        part.offset = yd.offset + at * yd.stride[axis];
        at += V[in].shape[axis];
        pieces.emplace_back(in, part);
      }
      if (at != yd.shape[axis]) badOp(op, "the inputs do not add up to y along the axis");
      std::vector<TensorDesc> srcs;
      for (int in : op.inputs) srcs.push_back(desc(in));
      return {"concat", [=](ProgramContext& ctx) {
                for (size_t i = 0; i < pieces.size(); ++i) {
                  launchCheck(launchGather(ctx.ptr(y), pieces[i].second, yt, ctx.ptr(pieces[i].first), srcs[i], yt,
                                           identityMap(pieces[i].second), 0.0f, ctx.stream()),
                              op, "concat kernel");
                }
              }};
    }
    case OpKind::Binary: {
      const TensorDesc yd = desc(y);
      if (V[op.a].shape.size() > V[y].shape.size() || V[op.b].shape.size() > V[y].shape.size()) badOp(op, "operands outrank y");
      const TensorDesc ad = broadcastTo(desc(op.a), yd), bd = broadcastTo(desc(op.b), yd);
      const int a = op.a, b = op.b;
      const BinaryKind kind = op.binary;
      const ActivationSpec act = op.activation;
      if (!isFloatType(yt)) {
        return {"integer_binary", [=](ProgramContext& ctx) {
                  launchCheck(launchIntegerBinary(kind, yt, ctx.ptr(y), yd, ctx.ptr(a), ad, ctx.ptr(b), bd, ctx.stream()), op, "integer binary kernel");
                }};
      }
      if (sameDesc(ad, yd) && sameDesc(bd, yd) && fitsFast(yd.count()) && (isRowMajor(yd) || (isNhwc(yd) && yd.offset == 0))) {
        const int64_t count = yd.count();
        return {"binary_flat", [=](ProgramContext& ctx) {
                  launchCheck(launchBinaryFlat(t, kind, ctx.ptr(y), ctx.ptr(a), ctx.ptr(b), act, count, ctx.stream()), op, "binary kernel");
                }};
      }
      return {"binary", [=](ProgramContext& ctx) {
                launchCheck(launchBinary(t, kind, ctx.ptr(y), yd, ctx.ptr(a), ad, ctx.ptr(b), bd, act, ctx.stream()), op, "binary kernel");
              }};
    }
    case OpKind::Activation:
    case OpKind::ChannelAffine: {
      same(x, y);
      const TensorDesc xd = desc(x), yd = desc(y);
      const int axis = op.kind == OpKind::ChannelAffine ? normalizeAxis(op, op.axis, yd.rank) : 0;
      const int scale = op.scale, shift = op.shift;
      for (int id : {scale, shift}) {
        if (id >= 0 && V[id].elements() != (yd.rank > 0 ? yd.shape[axis] : 1)) badOp(op, "scale/shift need one value per channel");
      }
      const ActivationSpec act = op.activation;
      int64_t channels = 1, inner = 1;
      if (sameDesc(xd, yd) && channelStep(yd, axis, channels, inner)) {
        const int64_t count = yd.count();
        return {op.kind == OpKind::Activation ? "activation_flat" : "channel_affine_flat", [=](ProgramContext& ctx) {
                  launchCheck(launchAffineFlat(t, ctx.ptr(y), ctx.ptr(x), scale >= 0 ? ctx.ptr(scale) : nullptr,
                                               shift >= 0 ? ctx.ptr(shift) : nullptr, act, count, channels, inner, ctx.stream()),
                              op, "channel affine kernel");
                }};
      }
      return {op.kind == OpKind::Activation ? "activation" : "channel_affine", [=](ProgramContext& ctx) {
                launchCheck(launchChannelAffine(t, ctx.ptr(y), yd, ctx.ptr(x), xd, scale >= 0 ? ctx.ptr(scale) : nullptr,
                                                shift >= 0 ? ctx.ptr(shift) : nullptr, axis, act, ctx.stream()),
                            op, "channel affine kernel");
              }};
    }
    case OpKind::Pool2d: {
      const TensorDesc xd = desc(x), yd = desc(y);
      if (xd.rank != 4 || yd.rank != 4) badOp(op, "pool2d operands must be 4-D (NCHW)");
      Pool2dParams p;
      p.max = op.maxPool;
      std::copy(op.window, op.window + 2, p.window);
      std::copy(op.strides, op.strides + 2, p.strides);
      std::copy(op.pads, op.pads + 4, p.pads);
      std::copy(op.dilations, op.dilations + 2, p.dilations);
      p.countIncludePad = op.countIncludePad;
      if (nhwcPair(xd, yd)) {
        const FastConvShape fs = fastShape(xd, yd, op.window[0], op.window[1], op.strides, op.pads, op.dilations);
        const bool max = op.maxPool, includePad = op.countIncludePad;
        return {"pool2d_nhwc", [=](ProgramContext& ctx) {
                  launchCheck(launchPoolNhwc(t, ctx.ptr(y), ctx.ptr(x), fs, max, includePad, ctx.stream()), op, "NHWC pool kernel");
                }};
      }
      return {"pool2d", [=](ProgramContext& ctx) {
                launchCheck(launchPool2d(t, ctx.ptr(y), yd, ctx.ptr(x), xd, p, ctx.stream()), op, "pool kernel");
              }};
    }
    case OpKind::GlobalPool: {
      const TensorDesc xd = desc(x), yd = desc(y);
      if (xd.rank < 3 || yd.rank != xd.rank) badOp(op, "global_pool needs an N C spatial… input and y of the same rank");
      const bool max = op.maxPool;
      return {"global_pool", [=](ProgramContext& ctx) {
                launchCheck(launchGlobalPool(t, max, ctx.ptr(y), yd, ctx.ptr(x), xd, ctx.stream()), op, "global pool kernel");
              }};
    }
    case OpKind::Softmax: {
      same(x, y);
      const TensorDesc xd = desc(x), yd = desc(y);
      const int axis = normalizeAxis(op, op.axis, xd.rank);
      const bool log = op.logSoftmax;
      return {"softmax", [=](ProgramContext& ctx) {
                launchCheck(launchSoftmax(t, ctx.ptr(y), yd, ctx.ptr(x), xd, axis, log, ctx.stream()), op, "softmax kernel");
              }};
    }
    case OpKind::Lrn: {
      same(x, y);
      const TensorDesc xd = desc(x), yd = desc(y);
      if (xd.rank < 2) badOp(op, "lrn needs a channel axis");
      const OpSpec o = op;
      return {"lrn", [=](ProgramContext& ctx) {
                launchCheck(launchLrn(t, ctx.ptr(y), yd, ctx.ptr(x), xd, o.lrnSize, o.lrnAlpha, o.lrnBeta, o.lrnBias, ctx.stream()), o,
                            "lrn kernel");
              }};
    }
    case OpKind::Resize2d: {
      const TensorDesc xd = desc(x), yd = desc(y);
      if (xd.rank < 2 || yd.rank != xd.rank) badOp(op, "resize2d needs equal ranks ≥ 2");
      const ResizeParams p{op.resizeMode, op.coordTransform, op.nearestMode};
      return {"resize2d", [=](ProgramContext& ctx) {
                launchCheck(launchResize2d(t, ctx.ptr(y), yd, ctx.ptr(x), xd, p, ctx.stream()), op, "resize kernel");
              }};
    }
    case OpKind::Unary: {
      same(x, y);
      const TensorDesc xd = desc(x), yd = desc(y);
      const UnaryKind kind = op.unary;
      return {"unary", [=](ProgramContext& ctx) {
                launchCheck(launchUnary(t, kind, ctx.ptr(y), yd, ctx.ptr(x), xd, ctx.stream()), op, "unary kernel");
              }};
    }
    case OpKind::Deconv2d: return compileDeconv(m, op);
    case OpKind::Cast: {
      same(x, y);
      const TensorDesc xd = desc(x), yd = desc(y);
      const DType xt = m.plan.values[x].type;
      return {"cast", [=](ProgramContext& ctx) {
                launchCheck(launchCast(ctx.ptr(y), yd, yt, ctx.ptr(x), xd, xt, ctx.stream()), op, "cast kernel");
              }};
    }
    case OpKind::Compare: {
      const TensorDesc yd = desc(y);
      if (V[op.a].shape.size() > V[y].shape.size() || V[op.b].shape.size() > V[y].shape.size()) badOp(op, "operands outrank y");
      const TensorDesc ad = broadcastTo(desc(op.a), yd), bd = broadcastTo(desc(op.b), yd);
      const int a = op.a, b = op.b;
      const DType operandType = m.plan.values[a].type;
      const CompareKind kind = op.compare;
      return {"compare", [=](ProgramContext& ctx) {
                launchCheck(launchCompare(kind, ctx.ptr(y), yd, ctx.ptr(a), ad, ctx.ptr(b), bd, operandType, ctx.stream()), op, "compare kernel");
              }};
    }
    case OpKind::Where: {
      const TensorDesc yd = desc(y);
      for (int id : {op.condition, op.a, op.b})
        if (V[id].shape.size() > V[y].shape.size()) badOp(op, "operands outrank y");
      const TensorDesc cd = broadcastTo(desc(op.condition), yd), ad = broadcastTo(desc(op.a), yd), bd = broadcastTo(desc(op.b), yd);
      const int condition = op.condition, a = op.a, b = op.b;
      return {"where", [=](ProgramContext& ctx) {
                launchCheck(launchWhere(ctx.ptr(y), yd, ctx.ptr(condition), cd, ctx.ptr(a), ad, ctx.ptr(b), bd, yt, ctx.stream()), op, "where kernel");
              }};
    }
    case OpKind::Gather: {
      const TensorDesc xd = desc(x), yd = desc(y), id = desc(op.indices);
      const int axis = normalizeAxis(op, op.axis, xd.rank);
      if (yd.rank != xd.rank - 1 + id.rank) badOp(op, "y's rank is not x's rank − 1 + the indices' rank");
      const int indices = op.indices;
      const DType it = m.plan.values[indices].type;
      return {"gather", [=](ProgramContext& ctx) {
                launchCheck(launchGatherAxis(ctx.ptr(y), yd, ctx.ptr(x), xd, yt, ctx.ptr(indices), id, it, axis, ctx.stream()), op, "gather kernel");
              }};
    }
    case OpKind::GatherNd: {
      const TensorDesc xd = desc(x), yd = desc(y), id = desc(op.indices);
      if (id.rank < 1 || id.shape[id.rank - 1] > xd.rank || yd.rank != id.rank - 1 + xd.rank - id.shape[id.rank - 1]) {
        badOp(op, "the indices' last dim or y's rank does not fit x");
      }
      const int indices = op.indices;
      const DType it = m.plan.values[indices].type;
      return {"gather_nd", [=](ProgramContext& ctx) {
                launchCheck(launchGatherNd(ctx.ptr(y), yd, ctx.ptr(x), xd, yt, ctx.ptr(indices), id, it, ctx.stream()), op, "gather_nd kernel");
              }};
    }
    case OpKind::ArgReduce: {
      const TensorDesc xd = desc(x), yd = desc(y);
      const int axis = normalizeAxis(op, op.axis, xd.rank);
      if (yd.rank != xd.rank || yd.shape[axis] != 1 || xd.shape[axis] < 1) badOp(op, "arg_reduce needs a non-empty axis and y with that dim 1");
      const DType xt = m.plan.values[x].type;
      const bool max = op.argMax, last = op.selectLastIndex;
      return {"arg_reduce", [=](ProgramContext& ctx) {
                launchCheck(launchArgReduce(ctx.ptr(y), yd, yt, ctx.ptr(x), xd, xt, axis, max, last, ctx.stream()), op, "arg_reduce kernel");
              }};
    }
  }
  badOp(op, "unknown op kind");
}

std::vector<float> convWeightsKcrs(ProgramModel& m, const OpSpec& op) {
  const float* w = m.hostWeight(op.w);
  return std::vector<float>(w, w + m.spec.values[op.w].elements());
}

std::vector<float> convBias(ProgramModel& m, const OpSpec& op) {
  const int64_t mOut = m.spec.values[op.w].shape[0];
  std::vector<float> bias(static_cast<size_t>(mOut), 0.0f);
  if (op.b >= 0) {
    if (m.spec.values[op.b].elements() != mOut) badOp(op, "the bias needs one value per output channel");
    const float* b = m.hostWeight(op.b);
    std::copy(b, b + mOut, bias.begin());
  }
  return bias;
}

}  // namespace kiln::cuda
