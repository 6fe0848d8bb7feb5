/**
 * Sizes a converter computes from attributes and constant inputs (ConstantOfShape's shape,
 * Range's length, Expand/Tile targets, Split's num_split) are checked against the resource
 * limits in force when the converter computes them: a 100-byte model can ask for 2^32 outputs
 * or a 16 GiB fill, and the refusal should name the node at conversion, not come from a
 * kernel at run time or an out-of-memory abort.
 */
import { checkCount, checkShapeSize, checkTensorSize, type Dim, type DType } from '@kiln-inference/core';
import type { ValidationContext } from './converter.js';

function nodeContext(ctx: ValidationContext) {
  return { node: { name: ctx.node.name, op: ctx.node.op } };
}

/** Outputs a node asks for (Split num_split, Unpack num). */
export function checkOutputCount(ctx: ValidationContext, count: number): void {
  checkCount('maxNodeOutputs', count, 'outputs of the node', nodeContext(ctx));
}

/** An output shape; symbolic or negative dims are left to shape inference and validators. */
export function checkComputedShape(ctx: ValidationContext, dtype: DType, shape: readonly (Dim | null)[] | null | undefined): void {
  if (!shape?.every((d): d is number => typeof d === 'number' && Number.isInteger(d) && d >= 0)) return;
  checkShapeSize(dtype, shape, nodeContext(ctx));
}

/** The shape held by constant input `index` (ConstantOfShape, Fill), when it is constant. */
export function checkConstantShapeInput(ctx: ValidationContext, index: number, dtype: DType): void {
  const value = ctx.constantInput(index);
  if (!value || value.dtype === 'string') return;
  checkComputedShape(ctx, dtype, Array.from(value.toFloat64()));
}

/** Range's length, max(ceil((limit - start) / delta), 0), when its three inputs are constant. */
export function checkRangeLength(ctx: ValidationContext, dtype: DType): void {
  const [start, limit, delta] = [0, 1, 2].map((i) => ctx.constantInput(i));
  if (!start || !limit || !delta || start.size !== 1 || limit.size !== 1 || delta.size !== 1) return;
  const step = delta.toFloat64()[0]!;
  if (step === 0) return;
  const length = Math.max(Math.ceil((limit.toFloat64()[0]! - start.toFloat64()[0]!) / step), 0);
  // A NaN or infinite length is the kernel's to report; only a finite huge one is a size breach.
  if (Number.isFinite(length)) checkTensorSize(dtype, length, nodeContext(ctx));
}
