// The quantization ops' checks beyond the op table (which already checked operand ids and
// dtypes): the shapes of the scale and zero point, per tensor or per axis (program-ops
// elementwise.ts checkQuantizationParams).
#include "program_check.h"

namespace kiln {
namespace {

// Per tensor when scale has one element ([] or [1]); otherwise per axis, scale [n] with n the
// dim of x at `axis`. A zero point is one element too ([] or [1], either with either: ONNX
// models mix them) or has the per-axis scale's shape; y has x's.
void checkQuantizationParams(const OpCheck& c, const OpDesc& op) {
  const int64_t data = op.x;
  const Shape& ss = c.shape(op.scale);
  if (c.size(op.scale) == 1) {
    c.require(ss.size() <= 1, "a per-tensor scale must be a scalar or [1], got " + shapeText(ss), op.scale);
  } else {
    const Shape& ds = c.shape(data);
    const size_t axis = static_cast<size_t>(c.axis(op.axis, ds.size(), data));
    c.require(ss.size() == 1 && ss[0] == ds[axis],
              "a per-axis scale must be [" + std::to_string(ds[axis]) + "] (one value per index of axis " + std::to_string(axis) +
                  "), got " + shapeText(ss),
              op.scale);
  }
  if (op.zeroPoint >= 0) {
    const Shape& zs = c.shape(op.zeroPoint);
    if (c.size(op.scale) == 1) {
      c.require(c.size(op.zeroPoint) == 1 && zs.size() <= 1, "a per-tensor zero point must be a scalar or [1], got " + shapeText(zs),
                op.zeroPoint);
    } else {
      c.require(zs == ss, "the zero point must have the scale's shape " + shapeText(ss), op.zeroPoint);
    }
  }
  c.require(c.shape(op.y) == c.shape(op.x), "y must be x's shape = " + shapeText(c.shape(op.x)), op.y);
}

}  // namespace

KILN_PROGRAM_OP_CHECK(quantize) { checkQuantizationParams(c, op); }
KILN_PROGRAM_OP_CHECK(dequantize) { checkQuantizationParams(c, op); }

}  // namespace kiln
