// Library tactics for conv2d and gemm ops. Each returns the candidates it can offer for the op
// (none when the op is outside what the library handles); compileOp times them against kiln's
// own kernels and keeps the fastest.
#pragma once

#include <vector>

#include "program_executor.h"

namespace kiln::cuda {

#if KILN_HAVE_CUDNN
std::vector<CompiledOp> cudnnConvCandidates(ProgramModel& model, ProgramContext& context, int index);
#endif
#if KILN_HAVE_CUBLASLT
std::vector<CompiledOp> cublasLtGemmCandidates(ProgramModel& model, ProgramContext& context, int index);
// 1×1 stride-1 convolutions over channels-last data, as one GEMM (bias, ReLU, residual fused).
std::vector<CompiledOp> cublasLtConvCandidates(ProgramModel& model, ProgramContext& context, int index);
#endif

// Host-side weight preparation shared by the tactics.
std::vector<float> convWeightsKcrs(ProgramModel& model, const OpSpec& op);  // [M][C/g][kH][kW] as given
std::vector<float> convBias(ProgramModel& model, const OpSpec& op);         // [M] (zeros when absent)

}  // namespace kiln::cuda
