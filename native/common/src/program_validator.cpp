#include "kiln/program_validator.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <utility>

#include "kiln/failure.h"
#include "kiln/program_op_table.h"
#include "program_check.h"

namespace kiln {
namespace {

const char* const kBinaryTypes[] = {"add", "sub", "mul", "div", "max", "min", "pow", "prelu", "mod", "fmod"};
const char* const kCompareTypes[] = {"equal", "less", "less_equal", "greater", "greater_equal"};
const char* const kUnaryTypes[] = {"abs", "neg", "exp", "log", "sqrt", "reciprocal", "sin",
                                   "cos", "tan", "erf", "floor", "ceil", "round", "sign"};
const char* const kActivationTypes[] = {"none",        "relu",        "sigmoid",          "tanh",     "leaky_relu", "elu",       "selu",
                                        "softsign",    "softplus",    "clip",             "hard_sigmoid", "scaled_tanh", "thresholded_relu",
                                        "gelu_erf",    "gelu_tanh",   "celu",             "mish",     "swish",      "hard_swish", "shrink"};

template <size_t N>
bool oneOf(const std::string& s, const char* const (&names)[N]) {
  for (const char* n : names)
    if (s == n) return true;
  return false;
}

[[noreturn]] void failLimit(const std::string& caller, const std::string& what, const std::string& limit, int64_t value, int64_t max,
                            FailureLayer layer = {}) {
  throw Failure("RESOURCE_LIMIT",
                caller + ": " + what + " needs " + std::to_string(value) + ", over the limit " + limit + " = " + std::to_string(max),
                "the limit " + limit + " guards against hostile or corrupted models; if this model really needs more, raise it in "
                "the options' limits",
                std::move(layer));
}

[[noreturn]] void failProgram(const std::string& caller, const std::string& message, const std::string& hint = {},
                              FailureLayer layer = {}) {
  throw Failure("INVALID_ARGUMENT", caller + ": " + message, hint, std::move(layer));
}

// The window attributes shared by conv2d, deconv2d and pool2d.
void checkWindowFields(const OpCheck& c, const OpDesc& op) {
  c.ints(op.strides, 2, 1, "strides");
  c.ints(op.dilations, 2, 1, "dilations");
  c.ints(op.pads, 4, 0, "pads [top, left, bottom, right]");
}

// Declared OH/OW against the window arithmetic (pooling in ceil mode may add one window).
void checkWindowOutput(const OpCheck& c, const OpDesc& op, const Shape& xs, const Shape& ys, const int64_t kernel[2], bool allowCeil) {
  for (int d = 0; d < 2; ++d) {
    const int64_t floor = windowOutput(xs[2 + d], kernel[d], op.strides[d], op.pads[d], op.pads[d + 2], op.dilations[d], false);
    int64_t ceil = windowOutput(xs[2 + d], kernel[d], op.strides[d], op.pads[d], op.pads[d + 2], op.dilations[d], true);
    // ONNX ceil mode: the extra window must start inside the input or its begin padding.
    int64_t lastStart = 0;
    if (ceil > floor && (!mulOk(ceil - 1, op.strides[d], &lastStart) || lastStart >= xs[2 + d] + op.pads[d])) ceil -= 1;
    const int64_t got = ys[2 + d];
    const int64_t most = allowCeil ? std::max(floor, ceil) : floor;
    if (floor >= 0 && got >= floor && got <= most) continue;
    c.fail(std::string(d == 0 ? "OH" : "OW") + " = " + std::to_string(got) + " does not follow from the window (" +
               (floor < 0 ? std::string("the dilated window does not fit the padded input")
                          : "expected " + std::to_string(floor) + (most > floor ? " or " + std::to_string(most) : "")) +
               ")",
           op.y, "y's spatial dims must be the window arithmetic's result");
  }
}

void checkConv(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x), w = c.id("w", op.w), y = op.y;
  const int64_t b = c.optionalId("b", op.b), r = c.optionalId("residual", op.residual);
  const Shape& xs = c.shape(x);
  const Shape& ws = c.shape(w);
  const Shape& ys = c.shape(y);
  c.require(xs.size() == 4, "x must be [N, C, H, W]", x);
  c.require(ws.size() == 4, "w must be [M, C/groups, kH, kW]", w);
  checkWindowFields(c, op);
  const int64_t g = op.groups;
  c.require(g >= 1 && xs[1] % g == 0 && ws[0] % g == 0, "groups = " + std::to_string(g) + " must divide the input and output channels", w);
  int64_t channels = 0;
  c.require(mulOk(ws[1], g, &channels) && channels == xs[1], "w[1] · groups must equal the input channels " + std::to_string(xs[1]), w);
  c.require(ws[2] >= 1 && ws[3] >= 1, "kernel dims must be >= 1", w);
  c.require(ys.size() == 4 && ys[0] == xs[0] && ys[1] == ws[0], "y must be [N, M, OH, OW] with N = " + std::to_string(xs[0]) + ", M = " +
                                                                     std::to_string(ws[0]),
            y);
  const int64_t kernel[2] = {ws[2], ws[3]};
  checkWindowOutput(c, op, xs, ys, kernel, false);
  if (b >= 0) c.require(c.size(b) == ws[0], "the bias must have M = " + std::to_string(ws[0]) + " elements", b);
  if (r >= 0) c.require(c.shape(r) == ys, "the residual must have y's shape " + shapeText(ys), r);
  c.activation(op.hasActivation, op.activation);
}

void checkDeconv(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x), w = c.id("w", op.w), y = op.y;
  const int64_t b = c.optionalId("b", op.b);
  const Shape& xs = c.shape(x);
  const Shape& ws = c.shape(w);
  const Shape& ys = c.shape(y);
  c.require(xs.size() == 4, "x must be [N, C, H, W]", x);
  c.require(ws.size() == 4, "w must be [C, M/groups, kH, kW]", w);
  checkWindowFields(c, op);
  const int64_t g = op.groups;
  c.require(g >= 1 && xs[1] % g == 0, "groups = " + std::to_string(g) + " must divide the input channels " + std::to_string(xs[1]), x);
  c.require(ws[0] == xs[1], "w[0] must equal the input channels " + std::to_string(xs[1]), w);
  c.require(ws[2] >= 1 && ws[3] >= 1, "kernel dims must be >= 1", w);
  int64_t m = 0;
  c.require(mulOk(ws[1], g, &m), "w[1] · groups overflows", w);
  c.require(ys.size() == 4 && ys[0] == xs[0] && ys[1] == m,
            "y must be [N, M, OH, OW] with N = " + std::to_string(xs[0]) + " and M = w[1] · groups = " + std::to_string(m), y);
  for (int d = 0; d < 2; ++d) {
    // (size − 1)·stride − padBegin − padEnd + dilation·(kernel − 1) + 1, overflow-checked.
    int64_t natural = 0, span = 0;
    const bool ok = mulOk(xs[2 + d] - 1, op.strides[d], &natural) && addOk(natural, -op.pads[d], &natural) &&
                    addOk(natural, -op.pads[d + 2], &natural) && mulOk(op.dilations[d], ws[2 + d] - 1, &span) &&
                    addOk(natural, span, &natural) && addOk(natural, 1, &natural);
    c.require(ok && ys[2 + d] >= 1 && ys[2 + d] >= natural,
              std::string(d == 0 ? "OH" : "OW") + " must be at least 1 and at least the deconvolution's size " +
                  (ok ? std::to_string(natural) : std::string("(overflows)")) + " (more is output padding)",
              y);
  }
  if (b >= 0) c.require(c.size(b) == m, "the bias must have M = " + std::to_string(m) + " elements", b);
  c.activation(op.hasActivation, op.activation);
}

void checkGemm(const OpCheck& c, const OpDesc& op) {
  const int64_t a = c.id("a", op.a), b = c.id("b", op.b), y = op.y;
  const int64_t bias = c.optionalId("bias", op.bias);
  const Shape& as = c.shape(a);
  const Shape& bs = c.shape(b);
  c.require(as.size() == 2, "a must be a matrix", a);
  c.require(bs.size() == 2, "b must be a matrix", b);
  const int64_t m = op.transA ? as[1] : as[0], k = op.transA ? as[0] : as[1];
  const int64_t kb = op.transB ? bs[1] : bs[0], n = op.transB ? bs[0] : bs[1];
  c.require(k == kb, "inner dimensions differ (op(a) is " + shapeText({m, k}) + ", op(b) is " + shapeText({kb, n}) + ")", b);
  c.require(c.shape(y) == Shape{m, n}, "y must be [M, N] = " + shapeText({m, n}), y);
  if (bias >= 0) {
    const Shape& s = c.shape(bias);
    Shape full(s.size() < 2 ? 2 - s.size() : 0, 1);
    full.insert(full.end(), s.begin(), s.end());
    c.require(s.size() <= 2 && (full[0] == 1 || full[0] == m) && (full[1] == 1 || full[1] == n),
              "the bias must broadcast to [M, N] = " + shapeText({m, n}), bias);
  }
  c.require(std::isfinite(op.alpha) && std::isfinite(op.beta), "alpha and beta must be finite numbers");
  c.activation(op.hasActivation, op.activation);
}

void checkBatchedMatmul(const OpCheck& c, const OpDesc& op) {
  const int64_t a = c.id("a", op.a), b = c.id("b", op.b), y = op.y;
  const Shape& as = c.shape(a);
  const Shape& bs = c.shape(b);
  c.require(as.size() >= 2, "a must have rank >= 2", a);
  c.require(bs.size() >= 2, "b must have rank >= 2", b);
  const int64_t m = as[as.size() - 2], k = as[as.size() - 1], n = bs[bs.size() - 1];
  c.require(bs[bs.size() - 2] == k, "b's rows must equal a's columns " + std::to_string(k), b);
  const size_t rank = std::max(as.size(), bs.size());
  Shape want(rank, 1);
  for (size_t i = 0; i + 2 < rank; ++i) {
    const size_t fromEnd = rank - i;
    const int64_t ad = as.size() >= fromEnd ? as[as.size() - fromEnd] : 1;
    const int64_t bd = bs.size() >= fromEnd ? bs[bs.size() - fromEnd] : 1;
    c.require(ad == bd || ad == 1 || bd == 1, "batch dims of a " + shapeText(as) + " and b " + shapeText(bs) + " do not broadcast", b);
    want[i] = ad == 1 ? bd : ad;
  }
  want[rank - 2] = m;
  want[rank - 1] = n;
  c.require(c.shape(y) == want, "y must be " + shapeText(want), y);
}

void checkPool(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x), y = op.y;
  c.require(op.type == "max" || op.type == "average", "type must be 'max' or 'average', got '" + op.type + "'");
  const Shape& xs = c.shape(x);
  const Shape& ys = c.shape(y);
  c.require(xs.size() == 4, "x must be [N, C, H, W]", x);
  c.ints(op.window, 2, 1, "window");
  checkWindowFields(c, op);
  c.require(ys.size() == 4 && ys[0] == xs[0] && ys[1] == xs[1], "y must be [N, C, OH, OW]", y);
  const int64_t kernel[2] = {op.window[0], op.window[1]};
  checkWindowOutput(c, op, xs, ys, kernel, true);
}

void checkGlobalPool(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x), y = op.y;
  c.require(op.type == "max" || op.type == "average", "type must be 'max' or 'average', got '" + op.type + "'");
  const Shape& xs = c.shape(x);
  c.require(xs.size() >= 3, "x must be [N, C, spatial...]", x);
  Shape want = xs;
  for (size_t i = 2; i < want.size(); ++i) want[i] = 1;
  c.require(c.shape(y) == want, "y must be " + shapeText(want), y);
}

// Numpy broadcasting of `s` to `ys`: right-aligned, each dim equal or 1.
bool broadcastsTo(const Shape& s, const Shape& ys) {
  if (s.size() > ys.size()) return false;
  for (size_t i = 1; i <= s.size(); ++i) {
    const int64_t d = s[s.size() - i];
    if (d != 1 && d != ys[ys.size() - i]) return false;
  }
  return true;
}

// y is exactly the numpy broadcast of `operands` (named together as `names`), each of which
// broadcasts to it.
void checkBroadcast(const OpCheck& c, std::initializer_list<std::pair<const char*, int64_t>> operands, int64_t y, const char* names) {
  const Shape& ys = c.shape(y);
  Shape want;
  for (const auto& [field, id] : operands) {
    const Shape& s = c.shape(id);
    c.require(broadcastsTo(s, ys), "does not broadcast to y " + shapeText(ys), id);
    Shape next(std::max(want.size(), s.size()));
    for (size_t i = 1; i <= next.size(); ++i) {
      const int64_t dw = i <= want.size() ? want[want.size() - i] : 1, ds = i <= s.size() ? s[s.size() - i] : 1;
      next[next.size() - i] = dw == 1 ? ds : dw;
    }
    want = std::move(next);
  }
  c.require(ys == want, std::string("y must be the broadcast of ") + names + " = " + shapeText(want), y);
}

void checkBinary(const OpCheck& c, const OpDesc& op) {
  const int64_t a = c.id("a", op.a), b = c.id("b", op.b), y = op.y;
  c.require(isProgramBinaryType(op.type), "unknown binary type '" + op.type + "'", -1,
            "use add, sub, mul, div, max, min, pow, prelu, mod or fmod");
  if (c.dtype(a) != DType::Float32) {
    c.require(op.type != "pow" && op.type != "prelu", "'" + op.type + "' takes float32 operands", a);
    c.require(!op.hasActivation, "a fused activation needs float32 operands", a);
  }
  checkBroadcast(c, {{"a", a}, {"b", b}}, y, "a and b");
  c.activation(op.hasActivation, op.activation);
}

void checkCompare(const OpCheck& c, const OpDesc& op) {
  const int64_t a = c.id("a", op.a), b = c.id("b", op.b);
  c.require(oneOf(op.type, kCompareTypes), "unknown compare type '" + op.type + "'", -1, "see PROGRAM_COMPARE_OPS in @kiln-inference/core");
  checkBroadcast(c, {{"a", a}, {"b", b}}, op.y, "a and b");
}

void checkWhere(const OpCheck& c, const OpDesc& op) {
  const int64_t condition = c.id("condition", op.condition), a = c.id("a", op.a), b = c.id("b", op.b);
  checkBroadcast(c, {{"condition", condition}, {"a", a}, {"b", b}}, op.y, "condition, a and b");
}

void checkGather(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x), indices = c.id("indices", op.indices);
  const Shape& xs = c.shape(x);
  const size_t axis = static_cast<size_t>(c.axis(op.axis, xs.size(), x));
  Shape want(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(axis));
  want.insert(want.end(), c.shape(indices).begin(), c.shape(indices).end());
  want.insert(want.end(), xs.begin() + static_cast<std::ptrdiff_t>(axis) + 1, xs.end());
  c.require(c.shape(op.y) == want, "y must be x's dims with the axis replaced by indices' dims = " + shapeText(want), op.y);
}

void checkGatherNd(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x), indices = c.id("indices", op.indices);
  const Shape& xs = c.shape(x);
  const Shape& is = c.shape(indices);
  c.require(!is.empty() && is.back() <= static_cast<int64_t>(xs.size()), "indices " + shapeText(is) + " need a last dim <= x's rank",
            indices);
  Shape want(is.begin(), is.end() - 1);
  want.insert(want.end(), xs.begin() + is.back(), xs.end());
  c.require(c.shape(op.y) == want, "y must be indices' dims but the last, then x's dims past the indexed ones = " + shapeText(want), op.y);
}

void checkArgReduce(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x);
  c.require(op.type == "max" || op.type == "min", "type must be 'max' or 'min', got '" + op.type + "'");
  const Shape& xs = c.shape(x);
  const size_t axis = static_cast<size_t>(c.axis(op.axis, xs.size(), x));
  c.require(xs[axis] > 0, "axis " + std::to_string(axis) + " is empty: there is no index to pick", x);
  Shape want = xs;
  want[axis] = 1;
  c.require(c.shape(op.y) == want, "y must be x's shape with the axis 1 = " + shapeText(want), op.y);
}

void checkCast(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x);
  c.require(c.shape(op.y) == c.shape(x), "must have x's shape " + shapeText(c.shape(x)), op.y);
}

void checkSameSize(const OpCheck& c, int64_t x, int64_t y) {
  c.require(c.size(x) == c.size(y), "must have x's element count " + std::to_string(c.size(x)), y);
}

void checkChannelAffine(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x), y = op.y;
  const int64_t scale = c.optionalId("scale", op.scale), shift = c.optionalId("shift", op.shift);
  const Shape& xs = c.shape(x);
  c.require(c.shape(y) == xs, "must have x's shape " + shapeText(xs), y);
  c.require(op.channelAxis >= 0 && op.channelAxis < static_cast<int64_t>(xs.size()),
            "channelAxis " + std::to_string(op.channelAxis) + " is not an axis of x", x);
  const int64_t channels = xs[static_cast<size_t>(op.channelAxis)];
  if (scale >= 0) c.require(c.size(scale) == channels, "scale must have one value per channel (" + std::to_string(channels) + ")", scale);
  if (shift >= 0) c.require(c.size(shift) == channels, "shift must have one value per channel (" + std::to_string(channels) + ")", shift);
  c.activation(op.hasActivation, op.activation);
}

void checkSoftmax(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x), y = op.y;
  c.require(c.shape(y) == c.shape(x), "must have x's shape", y);
  // A scalar has no axis to check (its softmax is 1).
  if (!c.shape(x).empty()) c.axis(op.axis, c.shape(x).size(), x);
}

void checkConcat(const OpCheck& c, const OpDesc& op) {
  const int64_t y = op.y;
  c.require(!op.inputs.empty(), "needs at least one input");
  const Shape& ys = c.shape(y);
  const size_t axis = static_cast<size_t>(c.axis(op.axis, ys.size(), y));
  int64_t total = 0;
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const int64_t id = c.id(("inputs[" + std::to_string(i) + "]").c_str(), op.inputs[i]);
    const Shape& s = c.shape(id);
    bool same = s.size() == ys.size();
    for (size_t j = 0; same && j < s.size(); ++j) same = j == axis || s[j] == ys[j];
    c.require(same, "concat input " + std::to_string(i) + " differs from y " + shapeText(ys) + " in rank or outside the concat axis " +
                        std::to_string(axis),
              id);
    c.require(addOk(total, s[axis], &total), "the inputs' sizes along the concat axis overflow", id);
  }
  c.require(total == ys[axis],
            "the inputs' sizes along axis " + std::to_string(axis) + " add up to " + std::to_string(total) + ", not " +
                std::to_string(ys[axis]),
            y);
}

void checkTranspose(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x), y = op.y;
  const Shape& xs = c.shape(x);
  std::vector<bool> seen(xs.size(), false);
  bool ok = op.perm.size() == xs.size();
  for (size_t i = 0; ok && i < op.perm.size(); ++i) {
    const int64_t p = op.perm[i];
    ok = p >= 0 && p < static_cast<int64_t>(xs.size()) && !seen[static_cast<size_t>(p)];
    if (ok) seen[static_cast<size_t>(p)] = true;
  }
  c.require(ok, "perm " + shapeText(op.perm) + " is not a permutation of x's axes", x);
  Shape want(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) want[i] = xs[static_cast<size_t>(op.perm[i])];
  c.require(c.shape(y) == want, "must be x's shape permuted by perm, " + shapeText(want), y);
}

void checkLrn(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x), y = op.y;
  c.require(c.shape(x).size() >= 2, "needs a channel axis (rank >= 2)", x);
  c.require(c.shape(y) == c.shape(x), "must have x's shape", y);
  c.require(op.size >= 1, "size " + std::to_string(op.size) + " must be an integer >= 1");
  c.require(std::isfinite(op.alpha) && std::isfinite(op.beta) && std::isfinite(op.lrnBias), "alpha, beta and bias must be finite numbers");
}

void checkPad(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x), y = op.y;
  const Shape& xs = c.shape(x);
  const Shape& ys = c.shape(y);
  c.require(op.pads.size() == 2 * xs.size() && ys.size() == xs.size(), "pads need [begin…, end…] for every axis of x", x);
  for (size_t i = 0; i < xs.size(); ++i) {
    int64_t want = 0;
    const bool ok = addOk(xs[i], op.pads[i], &want) && addOk(want, op.pads[i + xs.size()], &want);
    c.require(ok && ys[i] == want, "axis " + std::to_string(i) + " must be x's size plus its pads", y);
  }
}

void checkSlice(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x), y = op.y;
  const Shape& xs = c.shape(x);
  const Shape& ys = c.shape(y);
  c.require(op.starts.size() == xs.size() && op.steps.size() == xs.size() && ys.size() == xs.size(),
            "starts and steps need one integer per axis of x, and y x's rank", x);
  for (size_t i = 0; i < xs.size(); ++i) {
    const int64_t start = op.starts[i], step = op.steps[i];
    c.require(step != 0, "steps must be non-zero", x);
    if (ys[i] == 0) continue;
    int64_t last = 0;
    const bool ok = mulOk(ys[i] - 1, step, &last) && addOk(last, start, &last);
    c.require(ok && start >= 0 && start < xs[i] && last >= 0 && last < xs[i],
              "axis " + std::to_string(i) + ": start " + std::to_string(start) + " with step " + std::to_string(step) +
                  " reads outside x for y's " + std::to_string(ys[i]) + " elements",
              x);
  }
}

void checkResize(const OpCheck& c, const OpDesc& op) {
  const int64_t x = c.id("x", op.x), y = op.y;
  const Shape& xs = c.shape(x);
  const Shape& ys = c.shape(y);
  bool ok = xs.size() >= 2 && ys.size() == xs.size();
  for (size_t i = 0; ok && i + 2 < xs.size(); ++i) ok = xs[i] == ys[i];
  c.require(ok, "x and y need the same rank >= 2 and may differ only in the last two dims", y);
  c.require(op.mode == "nearest" || op.mode == "linear", "mode '" + op.mode + "' must be 'nearest' or 'linear'");
  const char* const transforms[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"};
  c.require(oneOf(op.coordinateTransform, transforms), "unknown coordinateTransform '" + op.coordinateTransform + "'");
  const char* const modes[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  c.require(oneOf(op.nearestMode, modes), "unknown nearestMode '" + op.nearestMode + "'");
  const size_t r = xs.size();
  c.require((xs[r - 1] > 0 && xs[r - 2] > 0) || ys[r - 1] == 0 || ys[r - 2] == 0, "cannot resize an empty image to a non-empty one", x);
}

}  // namespace

// The per-op checks of the ops whose checks live here; other families register theirs in their own files.
KILN_PROGRAM_OP_CHECK(conv2d) { checkConv(c, op); }
KILN_PROGRAM_OP_CHECK(deconv2d) { checkDeconv(c, op); }
KILN_PROGRAM_OP_CHECK(gemm) { checkGemm(c, op); }
KILN_PROGRAM_OP_CHECK(batched_matmul) { checkBatchedMatmul(c, op); }
KILN_PROGRAM_OP_CHECK(pool2d) { checkPool(c, op); }
KILN_PROGRAM_OP_CHECK(global_pool) { checkGlobalPool(c, op); }
KILN_PROGRAM_OP_CHECK(binary) { checkBinary(c, op); }
KILN_PROGRAM_OP_CHECK(compare) { checkCompare(c, op); }
KILN_PROGRAM_OP_CHECK(where) { checkWhere(c, op); }
KILN_PROGRAM_OP_CHECK(cast) { checkCast(c, op); }
KILN_PROGRAM_OP_CHECK(gather) { checkGather(c, op); }
KILN_PROGRAM_OP_CHECK(gather_nd) { checkGatherNd(c, op); }
KILN_PROGRAM_OP_CHECK(arg_reduce) { checkArgReduce(c, op); }
KILN_PROGRAM_OP_CHECK(activation) {
  checkSameSize(c, op.x, op.y);
  c.require(op.hasActivation, "needs an activation");
}
KILN_PROGRAM_OP_CHECK(unary) {
  checkSameSize(c, op.x, op.y);
  c.require(isProgramUnaryType(op.type), "unknown unary type '" + op.type + "'", -1, "see PROGRAM_UNARY_OPS in @kiln-inference/core");
}
KILN_PROGRAM_OP_CHECK(channel_affine) { checkChannelAffine(c, op); }
KILN_PROGRAM_OP_CHECK(softmax) { checkSoftmax(c, op); }
KILN_PROGRAM_OP_CHECK(concat) { checkConcat(c, op); }
KILN_PROGRAM_OP_CHECK(copy) { checkSameSize(c, op.x, op.y); }
KILN_PROGRAM_OP_CHECK(transpose) { checkTranspose(c, op); }
KILN_PROGRAM_OP_CHECK(lrn) { checkLrn(c, op); }
KILN_PROGRAM_OP_CHECK(pad) { checkPad(c, op); }
KILN_PROGRAM_OP_CHECK(slice) { checkSlice(c, op); }
KILN_PROGRAM_OP_CHECK(resize2d) { checkResize(c, op); }

namespace {

// Each kind's check, indexed by OpKind (from the generated op list: a kind without one fails to link).
const OpCheckFn kOpChecks[] = {
#define KILN_OP_CHECK_ENTRY(Enum, name) KILN_PROGRAM_OP_CHECK_NAME(name),
    KILN_PROGRAM_OPS(KILN_OP_CHECK_ENTRY)
#undef KILN_OP_CHECK_ENTRY
};

std::string dtypeSetText(DTypeSet set) {
  std::string s;
  for (int d = 0; d < kDTypeCount; ++d)
    if (set & dtypeBit(static_cast<DType>(d))) s += (s.empty() ? "" : " or ") + std::string(kDTypeNames[d]);
  return s;
}

// Every operand id is a value of the program and every dtype follows the op's descriptor
// (a list operand's values share one dtype).
void checkDTypes(const OpCheck& c, const OpDesc& op) {
  const std::vector<OperandRef> operands = operandsOf(op);
  auto first = [&](const char* field) -> const OperandRef* {
    for (const OperandRef& o : operands)
      if (o.id >= 0 && std::string(o.info->field) == field) return &o;
    return nullptr;
  };
  size_t listIndex = 0;
  for (const OperandRef& o : operands) {
    if (o.id < 0) continue;  // an absent optional operand (the reader read every required one)
    const std::string field = o.info->list != nullptr ? std::string(o.info->field) + "[" + std::to_string(listIndex++) + "]" : o.info->field;
    c.id(field.c_str(), o.id);
  }
  for (const OperandRef& o : operands) {
    if (o.id < 0) continue;
    const DType dtype = c.dtype(o.id);
    const OperandRef* head = first(o.info->field);
    c.require(dtype == c.dtype(head->id),
              "every " + std::string(o.info->field) + " value must have one dtype (" + dtypeName(c.dtype(head->id)) + ")", o.id);
    if (o.info->same != nullptr) {
      const OperandRef* other = first(o.info->same);
      if (other == nullptr) continue;
      const DType want = c.dtype(other->id);
      c.require(dtype == want,
                std::string(o.info->field) + " is " + dtypeName(dtype) + " but must have " + o.info->same + "'s dtype " + dtypeName(want),
                o.id);
    } else {
      c.require((o.info->dtypes & dtypeBit(dtype)) != 0,
                std::string(o.info->field) + " is " + dtypeName(dtype) + " but must be " + dtypeSetText(o.info->dtypes), o.id);
    }
  }
}

// The output shares arena bytes with no operand except where `Sharing` allows it: a kernel
// reading x while writing y over it would read what it already wrote.
void checkOverlap(const OpCheck& c, const OpDesc& op) {
  const ValueDesc& y = c.value(op.y);
  const int64_t yBegin = y.byteOffset, yEnd = y.byteOffset + dtypeBytes(y.dtype) * y.elements;
  if (yBegin == yEnd) return;
  // Concat inputs sit one after another in y when every dim before the axis is 1.
  bool contiguousSlices = op.kind == OpKind::Concat;
  if (contiguousSlices) {
    const int64_t rank = static_cast<int64_t>(y.shape.size());
    const int64_t axis = op.axis < 0 ? op.axis + rank : op.axis;
    for (int64_t i = 0; i < axis; ++i) contiguousSlices = contiguousSlices && y.shape[static_cast<size_t>(i)] == 1;
  }
  int64_t sliceStart = yBegin;
  std::vector<OperandRef> operands = operandsOf(op);
  operands.pop_back();  // y itself
  for (const OperandRef& ref : operands) {
    if (ref.id < 0) continue;
    const struct {
      const char* field;
      int64_t id;
      Sharing sharing;
    } o{ref.info->field, ref.id, ref.info->sharing};
    const ValueDesc& v = c.value(o.id);
    const int64_t bytes = dtypeBytes(v.dtype) * v.elements;
    const int64_t begin = v.byteOffset, end = v.byteOffset + bytes;
    const int64_t sliceBegin = sliceStart, sliceEnd = sliceStart + bytes;
    if (o.sharing == Sharing::Slice && contiguousSlices) sliceStart = sliceEnd;
    if (v.storage != ValueStorage::Arena || begin == end || end <= yBegin || yEnd <= begin) continue;
    if (o.sharing == Sharing::Exact && begin == yBegin && end == yEnd) continue;
    if (o.sharing == Sharing::Slice && contiguousSlices && begin == sliceBegin && end == sliceEnd) continue;
    c.fail(std::string(o.field) + " occupies arena bytes [" + std::to_string(begin) + ", " + std::to_string(end) + ") which overlap y's [" +
               std::to_string(yBegin) + ", " + std::to_string(yEnd) + ")",
           o.id,
           o.sharing == Sharing::Exact   ? std::string(o.field) + " may share y's bytes only exactly (same offset and size)"
           : o.sharing == Sharing::Slice ? "a concat input may share y's bytes only as its own contiguous slice of y"
                                         : "the op reads " + std::string(o.field) + " while writing y, so they must not overlap");
  }
}

void checkShapes(const OpCheck& c, const OpDesc& op);

void checkOp(const ProgramDesc& p, const OpDesc& op, const std::string& caller) {
  OpCheck c(p, op, caller);
  checkShapes(c, op);
  checkOverlap(c, op);
}

void checkShapes(const OpCheck& c, const OpDesc& op) {
  c.id("y", op.y);
  c.require(c.value(op.y).storage == ValueStorage::Arena, "writes a value that is not in the arena (ops may only write 'arena' values)",
            op.y);
  checkDTypes(c, op);
  c.activation(op.hasActivation, op.activation);
  kOpChecks[static_cast<int>(op.kind)](c, op);
}

// The op that writes a value, else the first that reads it, so a value over a limit or with bad
// storage names its layer (ops are read but not yet checked: ids may be anything).
FailureLayer ownerOf(const ProgramDesc& p, int64_t id) {
  auto layerOf = [&](const OpDesc& op) {
    return FailureLayer{op.label.empty() ? p.values[static_cast<size_t>(id)].name : op.label, opKindName(op.kind), op.index};
  };
  for (const OpDesc& op : p.ops)
    if (op.y == id) return layerOf(op);
  for (const OpDesc& op : p.ops)
    for (const OperandRef& o : operandsOf(op))
      if (o.id == id) return layerOf(op);
  return {};
}

void checkValues(const ProgramDesc& p, const ProgramLimits& limits, const std::string& caller) {
  for (size_t id = 0; id < p.values.size(); ++id) {
    const ValueDesc& v = p.values[id];
    const std::string what = "value " + std::to_string(id) + " '" + v.name + "'";
    const int64_t n = saturatingElements(v.shape);
    if (n < 0) failProgram(caller, what + " has shape " + shapeText(v.shape) + "; dims must be integers >= 0");
    // Sizes first: a hostile shape is a RESOURCE_LIMIT naming the value, as in TypeScript.
    if (n > limits.maxTensorElements) failLimit(caller, what, "maxTensorElements", n, limits.maxTensorElements, ownerOf(p, id));
    const int64_t bytes = dtypeBytes(v.dtype);
    if (n > limits.maxTensorBytes / bytes) {
      failLimit(caller, what + " in bytes", "maxTensorBytes", n > INT64_MAX / bytes ? INT64_MAX : bytes * n, limits.maxTensorBytes,
                ownerOf(p, id));
    }
    if (n != v.elements) failProgram(caller, what + " has an inconsistent element count");
    // A zero-size value still indexes with its other dims: they too must stay within kMaxElements.
    Shape nonZero;
    for (int64_t d : v.shape)
      if (d != 0) nonZero.push_back(d);
    if (saturatingElements(nonZero) > kMaxProgramElements) {
      failProgram(caller, what + " has shape " + shapeText(v.shape) + " whose non-zero dims span more than 2^40 elements");
    }
  }
}

// Where each value lives: feed and weight numbers, the weight's array class and length, arena
// bytes aligned to the dtype and inside the arena. Runs once the ops are read, so a failure names
// the op that writes (or reads) the value.
void checkStorage(const ProgramDesc& p, const std::string& caller) {
  const int64_t feeds = static_cast<int64_t>(p.inputs.size());
  const int64_t weights = static_cast<int64_t>(p.weights.size());
  for (size_t id = 0; id < p.values.size(); ++id) {
    const ValueDesc& v = p.values[id];
    const std::string what = "value " + std::to_string(id) + " '" + v.name + "'";
    const int64_t n = v.elements, bytes = dtypeBytes(v.dtype);
    switch (v.storage) {
      case ValueStorage::Input:
        if (v.index < 0 || v.index >= feeds) {
          failProgram(caller, what + " storage.index = " + std::to_string(v.index) + " is outside [0, " + std::to_string(feeds - 1) +
                                  "]: it reads feed " + std::to_string(v.index) + " but the program has " + std::to_string(feeds) +
                                  " inputs",
                      "'input' storage indices must be < program.inputs.length");
        }
        break;
      case ValueStorage::Weight:
        if (v.index < 0 || v.index >= weights) {
          failProgram(caller, what + " storage.index = " + std::to_string(v.index) + " is outside [0, " + std::to_string(weights - 1) +
                                  "]: the program has " + std::to_string(weights) + " weights",
                      "'weight' storage indices must be < program.weights.length");
        }
        if (p.weights[static_cast<size_t>(v.index)].array != arrayClassOf(v.dtype)) {
          failProgram(caller, "weight " + std::to_string(v.index) + " (for " + what + ", " + dtypeName(v.dtype) + ") must be a " +
                                  arrayClassName(arrayClassOf(v.dtype)) + ", got a " +
                                  arrayClassName(p.weights[static_cast<size_t>(v.index)].array),
                      "a weight's typed array must match its value's dtype (PROGRAM_DTYPE_ARRAYS in @kiln-inference/core)", ownerOf(p, id));
        }
        if (p.weights[static_cast<size_t>(v.index)].elements != n) {
          failProgram(caller, what + " " + shapeText(v.shape) + " needs " + std::to_string(n) + " elements but weight " +
                                  std::to_string(v.index) + " has " + std::to_string(p.weights[static_cast<size_t>(v.index)].elements),
                      "the weight array must hold exactly the value's elements");
        }
        break;
      case ValueStorage::Arena: {
        int64_t end = 0;
        if (v.byteOffset < 0 || v.byteOffset % bytes != 0 || !addOk(v.byteOffset, bytes * n, &end) || end > p.arenaBytes) {
          const bool misaligned = v.byteOffset % bytes != 0;
          failProgram(caller, what + " occupies arena bytes [" + std::to_string(v.byteOffset) + ", " + std::to_string(v.byteOffset) +
                                  " + " + std::to_string(bytes * n) + ") outside the arena of " + std::to_string(p.arenaBytes) +
                                  " bytes" +
                                  (misaligned ? " or at an offset that is not a multiple of its dtype " + std::string(dtypeName(v.dtype)) +
                                                    "'s size " + std::to_string(bytes)
                                              : std::string()),
                      "arena offsets must be multiples of the dtype's size and every arena value must fit in arenaBytes", ownerOf(p, id));
        }
        break;
      }
    }
  }
}

void checkTotals(const ProgramDesc& p, const ProgramLimits& limits, const std::string& caller) {
  if (p.arenaBytes < 0) failProgram(caller, "arenaBytes " + std::to_string(p.arenaBytes) + " must be >= 0");
  int64_t modelBytes = p.arenaBytes;
  if (modelBytes > limits.maxModelBytes) failLimit(caller, "the program's arena", "maxModelBytes", modelBytes, limits.maxModelBytes);
  for (const WeightDesc& w : p.weights) {
    // Each weight is a typed array (< 2^53 bytes), so the running sum is checked per step.
    const int64_t bytes = arrayClassBytes(w.array);
    if (w.elements < 0 || w.elements > (limits.maxModelBytes - modelBytes) / bytes) {
      failLimit(caller, "the program's arena and weights", "maxModelBytes",
                modelBytes + std::min<int64_t>(w.elements, INT64_MAX / 16) * bytes, limits.maxModelBytes);
    }
    modelBytes += bytes * w.elements;
  }
}

void checkFeedsAndOutputs(const ProgramDesc& p, const std::string& caller) {
  const int64_t count = static_cast<int64_t>(p.values.size());
  for (size_t i = 0; i < p.inputs.size(); ++i) {
    const int64_t id = p.inputs[i];
    const bool ok = id >= 0 && id < count && p.values[static_cast<size_t>(id)].storage == ValueStorage::Input &&
                    p.values[static_cast<size_t>(id)].index == static_cast<int64_t>(i);
    if (!ok) {
      failProgram(caller, "program.inputs[" + std::to_string(i) + "] = " + std::to_string(id) +
                              " must be a value with storage { kind: 'input', index: " + std::to_string(i) + " }");
    }
  }
  for (size_t i = 0; i < p.outputs.size(); ++i) {
    const int64_t id = p.outputs[i];
    if (id < 0 || id >= count) {
      failProgram(caller, "program.outputs[" + std::to_string(i) + "] = " + std::to_string(id) + " is not a value id");
    }
  }
}

}  // namespace

int64_t windowOutput(int64_t size, int64_t kernel, int64_t stride, int64_t padBegin, int64_t padEnd, int64_t dilation, bool ceil) {
  int64_t span = 0, padded = 0;
  if (stride < 1 || kernel < 1 || dilation < 1) return -1;
  if (!mulOk(dilation, kernel - 1, &span) || !addOk(span, 1, &span)) return -1;
  if (!addOk(size, padBegin, &padded) || !addOk(padded, padEnd, &padded)) return -1;
  if (padded < span) return -1;
  const int64_t room = padded - span;
  return (ceil ? room / stride + (room % stride != 0 ? 1 : 0) : room / stride) + 1;
}

int64_t saturatingElements(const std::vector<int64_t>& shape) {
  for (int64_t d : shape)
    if (d < 0) return -1;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d == 0) return 0;
    if (__builtin_mul_overflow(n, d, &n)) n = INT64_MAX;  // keeps saturating: a zero dim may still follow
  }
  return n;
}

bool isProgramBinaryType(const std::string& type) { return oneOf(type, kBinaryTypes); }
bool isProgramUnaryType(const std::string& type) { return oneOf(type, kUnaryTypes); }
bool isActivationType(const std::string& type) { return oneOf(type, kActivationTypes); }

void validateProgramValues(const ProgramDesc& program, const ProgramLimits& limits, const std::string& caller) {
  checkValues(program, limits, caller);
  checkTotals(program, limits, caller);
  checkFeedsAndOutputs(program, caller);
}

void validateProgramOps(const ProgramDesc& program, const std::string& caller) {
  checkStorage(program, caller);
  for (const OpDesc& op : program.ops) checkOp(program, op, caller);
}

void validateProgramDesc(const ProgramDesc& program, const ProgramLimits& limits, const std::string& caller) {
  validateProgramValues(program, limits, caller);
  validateProgramOps(program, caller);
}

}  // namespace kiln
