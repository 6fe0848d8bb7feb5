// The CUDA executor's model of a Program (packages/core/src/program.ts), built by parseProgram
// from the shared, fully validated ProgramDesc (kiln/program_desc.h) at create time. Values keep their logical (NCHW, row-major) shapes; where they live on the GPU
// and in which layout is decided later by the layout plan.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "activation_spec.h"
#include "kiln/program_desc.h"

namespace kiln::cuda {

// The shared description's enums (kiln/program_desc.h): one list of storage and op kinds.
using StorageKind = ::kiln::ValueStorage;
using OpKind = ::kiln::OpKind;

struct ValueSpec {
  std::string name;
  std::vector<int64_t> shape;
  StorageKind storage = StorageKind::Arena;
  ::kiln::DType dtype = ::kiln::DType::Float32;  // the Program's dtype (float32 values are stored in the precision's type)
  int64_t index = 0;       // input feed / weight number
  int64_t byteOffset = 0;  // arena byte offset
  bool isFloat() const { return dtype == ::kiln::DType::Float32; }
  int64_t bytes() const { return elements() * ::kiln::dtypeBytes(dtype); }
  int64_t elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

// program.ts PROGRAM_BINARY_OPS, in order ('prelu': a >= 0 ? a : a·b; 'mod' takes the divisor's
// sign, 'fmod' the dividend's).
enum class BinaryKind { Add, Sub, Mul, Div, Max, Min, Pow, Prelu, Mod, Fmod };
inline constexpr const char* kBinaryNames[] = {"add", "sub", "mul", "div", "max", "min", "pow", "prelu", "mod", "fmod"};

// program.ts PROGRAM_COMPARE_OPS, in order.
enum class CompareKind { Equal, Less, LessEqual, Greater, GreaterEqual };
inline constexpr const char* kCompareNames[] = {"equal", "less", "less_equal", "greater", "greater_equal"};

// program.ts PROGRAM_UNARY_OPS, in order.
enum class UnaryKind { Abs, Neg, Exp, Log, Sqrt, Reciprocal, Sin, Cos, Tan, Erf, Floor, Ceil, Round, Sign };
inline constexpr const char* kUnaryNames[] = {"abs", "neg",  "exp",   "log",  "sqrt",  "reciprocal", "sin",
                                              "cos", "tan",  "erf",   "floor", "ceil", "round",      "sign"};

// One op; only the fields of its kind are meaningful. Value ids of absent operands are -1.
struct OpSpec {
  OpKind kind = OpKind::Copy;
  std::string label;  // "op 12 (conv2d → 'resnet.conv1')", for errors and profiles
  int index = -1;          // the op's number in the Program, reported with its tactic
  std::vector<int> fused;  // numbers of the Program ops folded into this one (a residual add)
  int x = -1, w = -1, b = -1, residual = -1, y = -1, a = -1, bias = -1, scale = -1, shift = -1;
  int condition = -1, indices = -1;  // where; gather and gather_nd
  std::vector<int> inputs;  // concat
  int strides[2] = {1, 1};
  int pads[4] = {0, 0, 0, 0};  // top, left, bottom, right
  int dilations[2] = {1, 1};
  int window[2] = {1, 1};
  int groups = 1;
  ActivationSpec activation;
  bool transA = false, transB = false;
  float alpha = 1.0f, beta = 1.0f;
  bool maxPool = true;
  bool countIncludePad = false;
  BinaryKind binary = BinaryKind::Add;
  UnaryKind unary = UnaryKind::Abs;
  CompareKind compare = CompareKind::Equal;
  int axis = 0;  // softmax, concat, gather, arg_reduce; channel_affine's channel axis
  bool argMax = true, selectLastIndex = false;  // arg_reduce
  bool logSoftmax = false;
  std::vector<int64_t> perm, padsNd, starts, steps;
  float padValue = 0.0f;
  int lrnSize = 1;
  float lrnAlpha = 0, lrnBeta = 0, lrnBias = 0;
  int resizeMode = 0;       // 0 nearest, 1 linear
  int coordTransform = 0;   // 0 half_pixel, 1 pytorch_half_pixel, 2 align_corners, 3 asymmetric
  int nearestMode = 0;      // 0 round_prefer_floor, 1 round_prefer_ceil, 2 floor, 3 ceil
  std::string tactic;       // forced by the builder; empty = the executor's choice
};

struct ProgramSpec {
  std::vector<ValueSpec> values;
  std::vector<OpSpec> ops;
  std::vector<int> inputs, outputs;
  int64_t arenaBytes = 0;
  // Host pointers to the weights (typed arrays of their values' dtypes, kept alive by the
  // creating promise).
  std::vector<const void*> weights;
  std::vector<int64_t> weightLengths;
};

}  // namespace kiln::cuda
