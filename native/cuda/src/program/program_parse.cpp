#include "program_parse.h"

#include <string>

#include "kiln/program_reader.h"

namespace kiln::cuda {
namespace {

ActivationSpec activationOf(const OpDesc& op, const std::string& where) {
  if (!op.hasActivation || op.activation.type == "none") return {};
  return parseActivationSpec(op.activation.type, op.activation.alpha, op.activation.beta, where + ".activation");
}

// Index of `name` in `names` (validated values only, so always found).
template <size_t N>
int indexOf(const std::string& name, const char* const (&names)[N]) {
  for (size_t i = 0; i < N; ++i)
    if (name == names[i]) return static_cast<int>(i);
  return 0;
}

template <size_t N>
void fixed(const std::vector<int64_t>& from, int (&to)[N]) {
  for (size_t i = 0; i < N && i < from.size(); ++i) to[i] = static_cast<int>(from[i]);  // ≤ INT32_MAX (program_reader)
}

OpSpec toOpSpec(const OpDesc& d, const std::vector<ValueDesc>& values) {
  OpSpec op;
  // The label's tail is the written value's name: the tactic tuner matches profile rows by it.
  op.index = static_cast<int>(d.index);
  op.label = "op " + std::to_string(d.index) + " (" + opKindName(d.kind) + " → '" + values[static_cast<size_t>(d.y)].name + "')";
  op.tactic = d.tactic;
  op.y = static_cast<int>(d.y);
  op.x = static_cast<int>(d.x);
  op.b = static_cast<int>(d.b);
  op.residual = static_cast<int>(d.residual);
  op.a = static_cast<int>(d.a);
  op.bias = static_cast<int>(d.bias);
  op.scale = static_cast<int>(d.scale);
  op.shift = static_cast<int>(d.shift);
  op.condition = static_cast<int>(d.condition);
  op.indices = static_cast<int>(d.indices);
  op.activation = activationOf(d, "CudaProgram.create: " + describeOp(d));
  switch (d.kind) {
    case OpKind::Conv2d:
    case OpKind::Deconv2d:
      op.kind = d.kind;
      op.w = static_cast<int>(d.w);
      fixed(d.strides, op.strides);
      fixed(d.pads, op.pads);
      fixed(d.dilations, op.dilations);
      op.groups = static_cast<int>(d.groups);
      break;
    case OpKind::Gemm:
    case OpKind::BatchedMatmul:
      op.kind = d.kind;
      op.w = static_cast<int>(d.b);  // the executor's GEMMs take b as their "weight" operand
      op.b = -1;
      op.transA = d.transA;
      op.transB = d.transB;
      op.alpha = static_cast<float>(d.alpha);
      op.beta = static_cast<float>(d.beta);
      break;
    case OpKind::Pool2d:
    case OpKind::GlobalPool:
      op.kind = d.kind;
      op.maxPool = d.type == "max";
      fixed(d.window, op.window);
      fixed(d.strides, op.strides);
      fixed(d.pads, op.pads);
      fixed(d.dilations, op.dilations);
      op.countIncludePad = d.countIncludePad;
      break;
    case OpKind::Binary:
      op.kind = OpKind::Binary;
      op.binary = static_cast<BinaryKind>(indexOf(d.type, kBinaryNames));  // validated: always a known name
      break;
    case OpKind::ChannelAffine:
      op.kind = OpKind::ChannelAffine;
      op.axis = static_cast<int>(d.channelAxis);
      break;
    case OpKind::Softmax:
      op.kind = OpKind::Softmax;
      op.axis = static_cast<int>(d.axis);
      op.logSoftmax = d.log;
      break;
    case OpKind::Concat:
      op.kind = OpKind::Concat;
      for (int64_t id : d.inputs) op.inputs.push_back(static_cast<int>(id));
      op.axis = static_cast<int>(d.axis);
      break;
    case OpKind::Transpose:
      op.kind = OpKind::Transpose;
      op.perm = d.perm;
      break;
    case OpKind::Lrn:
      op.kind = OpKind::Lrn;
      op.lrnSize = static_cast<int>(d.size);
      op.lrnAlpha = static_cast<float>(d.alpha);
      op.lrnBeta = static_cast<float>(d.beta);
      op.lrnBias = static_cast<float>(d.lrnBias);
      break;
    case OpKind::Pad:
      op.kind = OpKind::Pad;
      op.padsNd = d.pads;
      op.padValue = static_cast<float>(d.padValue);
      break;
    case OpKind::Slice:
      op.kind = OpKind::Slice;
      op.starts = d.starts;
      op.steps = d.steps;
      break;
    case OpKind::Resize2d: {
      op.kind = OpKind::Resize2d;
      op.resizeMode = d.mode == "linear" ? 1 : 0;
      const char* const transforms[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"};
      const char* const modes[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
      op.coordTransform = indexOf(d.coordinateTransform, transforms);
      op.nearestMode = indexOf(d.nearestMode, modes);
      break;
    }
    case OpKind::Unary:
      op.kind = OpKind::Unary;
      op.unary = static_cast<UnaryKind>(indexOf(d.type, kUnaryNames));
      break;
    case OpKind::Compare:
      op.kind = OpKind::Compare;
      op.compare = static_cast<CompareKind>(indexOf(d.type, kCompareNames));
      break;
    case OpKind::Gather:
      op.kind = OpKind::Gather;
      op.axis = static_cast<int>(d.axis);
      break;
    case OpKind::ArgReduce:
      op.kind = OpKind::ArgReduce;
      op.axis = static_cast<int>(d.axis);
      op.argMax = d.type == "max";
      op.selectLastIndex = d.selectLastIndex;
      break;
    case OpKind::Activation:
    case OpKind::Copy:
    case OpKind::Where:
    case OpKind::Cast:
    case OpKind::GatherNd: op.kind = d.kind; break;
  }
  return op;
}

}  // namespace

ProgramSpec parseProgram(Napi::Object program, const ProgramLimits& limits) {
  const ProgramDesc desc = readProgramDesc(program, limits, "CudaProgram.create");
  checkCudaSupport(desc);
  ProgramSpec spec;
  for (const ValueDesc& v : desc.values) {
    ValueSpec value;
    value.name = v.name;
    value.shape = v.shape;
    value.storage = v.storage;
    value.dtype = v.dtype;
    value.index = v.index;
    value.byteOffset = v.byteOffset;
    spec.values.push_back(std::move(value));
  }
  for (const OpDesc& op : desc.ops) spec.ops.push_back(toOpSpec(op, desc.values));
  for (int64_t id : desc.inputs) spec.inputs.push_back(static_cast<int>(id));
  for (int64_t id : desc.outputs) spec.outputs.push_back(static_cast<int>(id));
  spec.arenaBytes = desc.arenaBytes;
  for (const WeightDesc& w : desc.weights) {
    // The validator matched each weight's array class to the dtype of the values that read it.
    spec.weights.push_back(w.data);
    spec.weightLengths.push_back(w.elements);
  }
  return spec;
}

}  // namespace kiln::cuda
