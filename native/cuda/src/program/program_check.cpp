#include "program_check.h"

#include <algorithm>
#include <string>
#include <vector>

#include "kiln/failure.h"

namespace kiln::cuda {
namespace {

using Shape = std::vector<int64_t>;

std::string shapeText(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

[[noreturn]] void failLimit(const std::string& what, const std::string& limit, int64_t value, int64_t max) {
  throw Failure("RESOURCE_LIMIT",
                "CudaProgram.create: " + what + " needs " + std::to_string(value) + ", over the limit " + limit + " = " + std::to_string(max),
                "the limit " + limit + " guards against hostile or corrupted models; if this model really needs more, raise it in "
                "the options' limits");
}

// Errors that name the op (its label says kind and output) and, optionally, one value.
class OpCheck {
 public:
  OpCheck(const ProgramSpec& spec, const OpSpec& op) : spec_(spec), op_(op) {}

  const Shape& shape(int id) const { return spec_.values[static_cast<size_t>(id)].shape; }
  int64_t size(int id) const { return spec_.values[static_cast<size_t>(id)].elements(); }

  void require(bool ok, int id, const std::string& message) const {
    if (ok) return;
    std::string what;
    if (id >= 0) {
      const ValueSpec& v = spec_.values[static_cast<size_t>(id)];
      what = "value " + std::to_string(id) + " '" + v.name + "' " + shapeText(v.shape) + ": ";
    }
    throw Failure("INVALID_ARGUMENT", "CudaProgram.create: " + op_.label + ": " + what + message,
                  "the Program does not follow @kiln/core program.ts; lower it with lowerNetwork()");
  }

  void present(int id, const char* field) const { require(id >= 0, -1, std::string("needs ") + field); }

 private:
  const ProgramSpec& spec_;
  const OpSpec& op_;
};

// floor((size + pads - span) / stride) + 1 (or ceil), overflow-checked; -1 when the window does
// not fit or the arithmetic leaves int64.
int64_t windowOutput(int64_t size, int64_t kernel, int64_t stride, int64_t padBegin, int64_t padEnd, int64_t dilation, bool ceil) {
  int64_t span = 0, padded = 0;
  if (__builtin_mul_overflow(dilation, kernel - 1, &span) || __builtin_add_overflow(span, int64_t{1}, &span)) return -1;
  if (__builtin_add_overflow(size, padBegin, &padded) || __builtin_add_overflow(padded, padEnd, &padded)) return -1;
  if (padded < span || stride < 1) return -1;
  const int64_t room = padded - span;
  return (ceil ? (room + stride - 1) / stride : room / stride) + 1;
}

bool sameShape(const Shape& a, const Shape& b) { return a == b; }

void checkWindowDims(const OpCheck& c, const Shape& xs, const Shape& ys, const int64_t kernel[2], const OpSpec& op, bool allowCeil) {
  for (int d = 0; d < 2; ++d) {
    const int64_t floor = windowOutput(xs[2 + d], kernel[d], op.strides[d], op.pads[d], op.pads[d + 2], op.dilations[d], false);
    const int64_t ceil = windowOutput(xs[2 + d], kernel[d], op.strides[d], op.pads[d], op.pads[d + 2], op.dilations[d], true);
    const int64_t got = ys[2 + d];
    c.require(floor >= 0 && got >= floor && got <= (allowCeil ? ceil : floor), op.y,
              std::string(d == 0 ? "OH" : "OW") + " does not follow from the window (expected " + std::to_string(floor) + ")");
  }
}

// Numpy broadcasting of `s` to `ys` (right-aligned, dims equal or 1).
bool broadcastsTo(const Shape& s, const Shape& ys) {
  if (s.size() > ys.size()) return false;
  for (size_t i = 1; i <= s.size(); ++i) {
    const int64_t d = s[s.size() - i];
    if (d != 1 && d != ys[ys.size() - i]) return false;
  }
  return true;
}

void checkOp(const ProgramSpec& spec, const OpSpec& op) {
  OpCheck c(spec, op);
  c.present(op.y, "an output y");
  c.require(spec.values[static_cast<size_t>(op.y)].storage == StorageKind::Arena, op.y, "ops may only write 'arena' values");
  const Shape& ys = c.shape(op.y);
  switch (op.kind) {
    case OpKind::Conv2d: {
      c.present(op.x, "x");
      c.present(op.w, "w");
      const Shape& xs = c.shape(op.x);
      const Shape& ws = c.shape(op.w);
      c.require(xs.size() == 4, op.x, "x must be [N, C, H, W]");
      c.require(ws.size() == 4, op.w, "w must be [M, C/groups, kH, kW]");
      c.require(op.groups >= 1 && xs[1] % op.groups == 0 && ws[0] % op.groups == 0, op.w, "groups must divide the input and output channels");
      c.require(ws[1] * op.groups == xs[1], op.w, "w[1] · groups must equal the input channels");
      c.require(ws[2] >= 1 && ws[3] >= 1, op.w, "kernel dims must be >= 1");
      c.require(ys.size() == 4 && ys[0] == xs[0] && ys[1] == ws[0], op.y, "y must be [N, M, OH, OW]");
      const int64_t kernel[2] = {ws[2], ws[3]};
      checkWindowDims(c, xs, ys, kernel, op, false);
      if (op.b >= 0) c.require(c.size(op.b) == ws[0], op.b, "the bias must have M elements");
      if (op.residual >= 0) c.require(sameShape(c.shape(op.residual), ys), op.residual, "the residual must have y's shape");
      break;
    }
    case OpKind::Pool2d: {
      c.present(op.x, "x");
      const Shape& xs = c.shape(op.x);
      c.require(xs.size() == 4, op.x, "x must be [N, C, H, W]");
      c.require(ys.size() == 4 && ys[0] == xs[0] && ys[1] == xs[1], op.y, "y must be [N, C, OH, OW]");
      const int64_t kernel[2] = {op.window[0], op.window[1]};
      checkWindowDims(c, xs, ys, kernel, op, true);
      break;
    }
    case OpKind::GlobalPool: {
      c.present(op.x, "x");
      const Shape& xs = c.shape(op.x);
      c.require(xs.size() >= 3, op.x, "x must be [N, C, spatial...]");
      Shape want = xs;
      for (size_t i = 2; i < want.size(); ++i) want[i] = 1;
      c.require(sameShape(ys, want), op.y, "y must be " + shapeText(want));
      break;
    }
    case OpKind::Gemm: {
      c.present(op.a, "a");
      c.present(op.w, "b");
      const Shape& as = c.shape(op.a);
      const Shape& bs = c.shape(op.w);
      c.require(as.size() == 2, op.a, "a must be a matrix");
      c.require(bs.size() == 2, op.w, "b must be a matrix");
      const int64_t m = op.transA ? as[1] : as[0], k = op.transA ? as[0] : as[1];
      const int64_t kb = op.transB ? bs[1] : bs[0], n = op.transB ? bs[0] : bs[1];
      c.require(k == kb, op.w, "inner dimensions differ");
      c.require(sameShape(ys, {m, n}), op.y, "y must be [M, N] = " + shapeText({m, n}));
      if (op.bias >= 0) {
        const Shape& s = c.shape(op.bias);
        Shape full(s.size() < 2 ? 2 - s.size() : 0, 1);
        full.insert(full.end(), s.begin(), s.end());
        c.require(s.size() <= 2 && (full[0] == 1 || full[0] == m) && (full[1] == 1 || full[1] == n), op.bias,
                  "the bias must broadcast to [M, N]");
      }
      break;
    }
    case OpKind::BatchedMatmul: {
      c.present(op.a, "a");
      c.present(op.w, "b");
      const Shape& as = c.shape(op.a);
      const Shape& bs = c.shape(op.w);
      c.require(as.size() >= 2, op.a, "a must have rank >= 2");
      c.require(bs.size() >= 2, op.w, "b must have rank >= 2");
      const int64_t m = as[as.size() - 2], k = as[as.size() - 1], n = bs[bs.size() - 1];
      c.require(bs[bs.size() - 2] == k, op.w, "b's rows must equal a's columns");
      const size_t rank = std::max(as.size(), bs.size());
      Shape want(rank, 1);
      for (size_t i = 0; i + 2 < rank; ++i) {
        const size_t fromEnd = rank - i;
        const int64_t ad = as.size() >= fromEnd ? as[as.size() - fromEnd] : 1;
        const int64_t bd = bs.size() >= fromEnd ? bs[bs.size() - fromEnd] : 1;
        c.require(ad == bd || ad == 1 || bd == 1, op.w, "batch dims of a and b do not broadcast");
        want[i] = ad == 1 ? bd : ad;
      }
      want[rank - 2] = m;
      want[rank - 1] = n;
      c.require(sameShape(ys, want), op.y, "y must be " + shapeText(want));
      break;
    }
    case OpKind::Binary:
      c.present(op.a, "a");
      c.present(op.b, "b");
      c.require(broadcastsTo(c.shape(op.a), ys), op.a, "does not broadcast to y " + shapeText(ys));
      c.require(broadcastsTo(c.shape(op.b), ys), op.b, "does not broadcast to y " + shapeText(ys));
      break;
    case OpKind::Activation:
    case OpKind::Copy:
      c.present(op.x, "x");
      c.require(c.size(op.x) == c.size(op.y), op.y, "must have x's element count");
      break;
    case OpKind::ChannelAffine: {
      c.present(op.x, "x");
      const Shape& xs = c.shape(op.x);
      c.require(sameShape(ys, xs), op.y, "must have x's shape");
      c.require(op.axis >= 0 && static_cast<size_t>(op.axis) < xs.size(), op.x, "channelAxis is not an axis of x");
      const int64_t channels = xs[static_cast<size_t>(op.axis)];
      if (op.scale >= 0) c.require(c.size(op.scale) == channels, op.scale, "scale must have one value per channel");
      if (op.shift >= 0) c.require(c.size(op.shift) == channels, op.shift, "shift must have one value per channel");
      break;
    }
    case OpKind::Softmax: {
      c.present(op.x, "x");
      const Shape& xs = c.shape(op.x);
      c.require(sameShape(ys, xs), op.y, "must have x's shape");
      const int64_t rank = static_cast<int64_t>(xs.size());
      if (rank > 0) c.require(op.axis >= -rank && op.axis < rank, op.x, "axis is out of range");
      break;
    }
    case OpKind::Concat: {
      c.require(!op.inputs.empty(), -1, "needs at least one input");
      const int64_t rank = static_cast<int64_t>(ys.size());
      c.require(op.axis >= -rank && op.axis < rank, op.y, "axis is out of range");
      const size_t axis = static_cast<size_t>(op.axis < 0 ? op.axis + rank : op.axis);
      int64_t total = 0;
      for (int id : op.inputs) {
        const Shape& s = c.shape(id);
        bool ok = s.size() == ys.size();
        for (size_t j = 0; ok && j < s.size(); ++j) ok = j == axis || s[j] == ys[j];
        c.require(ok, id, "differs from y " + shapeText(ys) + " outside the concat axis");
        total += s[axis];
      }
      c.require(total == ys[axis], op.y, "the inputs' sizes along the concat axis do not add up to y's");
      break;
    }
    case OpKind::Transpose: {
      c.present(op.x, "x");
      const Shape& xs = c.shape(op.x);
      std::vector<bool> seen(xs.size(), false);
      bool ok = op.perm.size() == xs.size();
      for (size_t i = 0; ok && i < op.perm.size(); ++i) {
        const int64_t p = op.perm[i];
        ok = p >= 0 && static_cast<size_t>(p) < xs.size() && !seen[static_cast<size_t>(p)];
        if (ok) seen[static_cast<size_t>(p)] = true;
      }
      c.require(ok, op.x, "perm is not a permutation of x's axes");
      Shape want(xs.size());
      for (size_t i = 0; i < xs.size(); ++i) want[i] = xs[static_cast<size_t>(op.perm[i])];
      c.require(sameShape(ys, want), op.y, "must be x's shape permuted by perm");
      break;
    }
    case OpKind::Lrn:
      c.present(op.x, "x");
      c.require(c.shape(op.x).size() >= 2, op.x, "needs a channel axis (rank >= 2)");
      c.require(sameShape(ys, c.shape(op.x)), op.y, "must have x's shape");
      c.require(op.lrnSize >= 1, -1, "size must be >= 1");
      break;
    case OpKind::Pad: {
      c.present(op.x, "x");
      const Shape& xs = c.shape(op.x);
      c.require(op.padsNd.size() == 2 * xs.size() && ys.size() == xs.size(), op.x, "pads need [begin…, end…] for every axis of x");
      for (size_t i = 0; i < xs.size(); ++i) {
        c.require(ys[i] == xs[i] + op.padsNd[i] + op.padsNd[i + xs.size()], op.y, "axis " + std::to_string(i) + " must be x's size plus its pads");
      }
      break;
    }
    case OpKind::Slice: {
      c.present(op.x, "x");
      const Shape& xs = c.shape(op.x);
      c.require(op.starts.size() == xs.size() && op.steps.size() == xs.size() && ys.size() == xs.size(), op.x,
                "starts and steps need one integer per axis of x, and y x's rank");
      for (size_t i = 0; i < xs.size(); ++i) {
        const int64_t start = op.starts[i], step = op.steps[i];
        c.require(step != 0, op.x, "steps must be non-zero");
        if (ys[i] > 0) {
          int64_t last = 0;
          const bool overflow = __builtin_mul_overflow(ys[i] - 1, step, &last) || __builtin_add_overflow(last, start, &last);
          c.require(!overflow && start >= 0 && start < xs[i] && last >= 0 && last < xs[i], op.x,
                    "axis " + std::to_string(i) + ": the slice reads outside x");
        }
      }
      break;
    }
    case OpKind::Resize2d: {
      c.present(op.x, "x");
      const Shape& xs = c.shape(op.x);
      bool ok = xs.size() >= 2 && ys.size() == xs.size();
      for (size_t i = 0; ok && i + 2 < xs.size(); ++i) ok = xs[i] == ys[i];
      c.require(ok, op.y, "x and y need the same rank >= 2 and may differ only in the last two dims");
      const size_t r = xs.size();
      c.require((xs[r - 1] > 0 && xs[r - 2] > 0) || ys[r - 1] == 0 || ys[r - 2] == 0, op.x, "cannot resize an empty image to a non-empty one");
      break;
    }
  }
}

}  // namespace

void checkProgram(const ProgramSpec& spec, const ProgramLimits& limits) {
  int64_t modelBytes = spec.arenaBytes;
  for (const ValueSpec& v : spec.values) {
    const int64_t n = v.elements();  // each dim ≤ 2^40 and the product checked by the parser
    if (n > limits.maxTensorElements) failLimit("value '" + v.name + "'", "maxTensorElements", n, limits.maxTensorElements);
    if (n * 4 > limits.maxTensorBytes) failLimit("value '" + v.name + "' in bytes", "maxTensorBytes", n * 4, limits.maxTensorBytes);
  }
  for (int64_t length : spec.weightLengths) modelBytes += length * 4;
  if (modelBytes > limits.maxModelBytes) failLimit("the program's arena and weights", "maxModelBytes", modelBytes, limits.maxModelBytes);
  for (const OpSpec& op : spec.ops) checkOp(spec, op);
}

}  // namespace kiln::cuda
