/**
 * The data-movement family: concat, copy, transpose, pad, slice (any dtype: they move
 * elements), resize2d (float32).
 */
import { arrayOf, int, number, oneOf, req } from '../layer-defs/param-builders.js';
import { defineProgramOp } from './descriptor.js';
import { ANY_DTYPE } from './dtype-sets.js';
import { sameCount, shapeText, valueText } from './op-context.js';

/** Copies inputs into y along axis (absent when the planner made the inputs slices of y). */
export interface ConcatOp {
  op: 'concat';
  inputs: number[];
  y: number;
  axis: number;
}

export const concat = defineProgramOp<ConcatOp>('concat')({
  summary: 'copies inputs into y along axis (absent when the planner made the inputs slices of y)',
  operands: [
    { field: 'inputs', role: 'input', list: true, inPlace: 'slice', dtype: ANY_DTYPE },
    { field: 'y', role: 'output', dtype: { same: 'inputs' } },
  ],
  attributes: { axis: req(int()) },
  check(c) {
    const { op } = c;
    const ys = c.shape(op.y);
    const axis = c.axis(op.axis, ys.length, op.y);
    let total = 0;
    for (const id of op.inputs) {
      const s = c.shape(id);
      c.require(
        s.length === ys.length && s.every((d, j) => j === axis || d === ys[j]),
        `differs from y ${shapeText(ys)} outside the concat axis`,
        id,
      );
      total += s[axis]!;
    }
    c.require(total === ys[axis], `the inputs' sizes along axis ${axis} add up to ${total}, not ${ys[axis]}`, op.y);
  },
  output(c) {
    const first = c.shape(c.op.inputs[0]!);
    const axis = c.axis(c.op.axis, first.length, c.op.inputs[0]!);
    const shape = [...first];
    shape[axis] = c.op.inputs.reduce((sum, id) => sum + c.shape(id)[axis]!, 0);
    return { shape, pattern: 'the inputs joined along axis' };
  },
});

/** Same element count, new shape (or a plain copy). Absent when the planner made y a view of x. */
export interface CopyOp {
  op: 'copy';
  x: number;
  y: number;
}

export const copy = defineProgramOp<CopyOp>('copy')({
  summary: 'same element count, new shape (absent when the planner made y a view of x)',
  operands: [
    { field: 'x', role: 'input', inPlace: 'exact', dtype: ANY_DTYPE },
    { field: 'y', role: 'output', dtype: { same: 'x' } },
  ],
  attributes: {},
  output: sameCount,
});

export interface TransposeOp {
  op: 'transpose';
  x: number;
  y: number;
  perm: number[];
}

export const transpose = defineProgramOp<TransposeOp>('transpose')({
  summary: "y = x with its axes permuted: y's axis i is x's axis perm[i]",
  operands: [
    { field: 'x', role: 'input', dtype: ANY_DTYPE },
    { field: 'y', role: 'output', dtype: { same: 'x' } },
  ],
  attributes: { perm: req(arrayOf(int(0))) },
  check(c) {
    const rank = c.shape(c.op.x).length;
    const perm = c.op.perm;
    c.require(
      perm.length === rank && new Set(perm).size === rank && perm.every((p) => p < rank),
      `perm ${valueText(perm)} is not a permutation of x's axes`,
      c.op.x,
    );
  },
  output(c) {
    const xs = c.shape(c.op.x);
    return { shape: c.op.perm.map((p) => xs[p]!), pattern: "x's shape permuted by perm" };
  },
});

/** Constant padding; pads are ONNX order [begin…, end…] for every axis (may be negative: crops). */
export interface PadOp {
  op: 'pad';
  x: number;
  y: number;
  pads: number[];
  value: number;
}

export const pad = defineProgramOp<PadOp>('pad')({
  summary: 'constant padding (value converted to the dtype); pads are ONNX order [begin…, end…] for every axis (negative pads crop)',
  operands: [
    { field: 'x', role: 'input', dtype: ANY_DTYPE },
    { field: 'y', role: 'output', dtype: { same: 'x' } },
  ],
  attributes: { pads: req(arrayOf(int())), value: req(number) },
  check(c) {
    c.require(c.op.pads.length === 2 * c.shape(c.op.x).length, 'pads need [begin…, end…] for every axis of x', c.op.x);
  },
  output(c) {
    const xs = c.shape(c.op.x);
    const shape = xs.map((d, i) => d + c.op.pads[i]! + c.op.pads[i + xs.length]!);
    shape.forEach((d, i) => {
      c.require(d >= 0, `axis ${i}: pads ${c.op.pads[i]} and ${c.op.pads[i + xs.length]} crop more than its ${xs[i]} elements`, c.op.x);
    });
    return { shape, pattern: "x's shape plus its pads" };
  },
});

/** Strided slice: y[i…] = x[starts + i·steps …] per axis (steps may be negative). */
export interface SliceOp {
  op: 'slice';
  x: number;
  y: number;
  starts: number[];
  steps: number[];
}

export const slice = defineProgramOp<SliceOp>('slice')({
  summary: "strided slice: y[i…] = x[starts + i·steps …] per axis (steps may be negative); y's shape gives the counts",
  operands: [
    { field: 'x', role: 'input', dtype: ANY_DTYPE },
    { field: 'y', role: 'output', dtype: { same: 'x' } },
  ],
  attributes: { starts: req(arrayOf(int())), steps: req(arrayOf(int())) },
  check(c) {
    const { op } = c;
    const rank = c.shape(op.x).length;
    c.require(op.starts.length === rank && op.steps.length === rank, 'starts and steps need one integer per axis of x', op.x);
    c.require(
      op.steps.every((s) => s !== 0),
      'steps must be non-zero',
      op.x,
    );
  },
  output(c) {
    const { op } = c;
    const xs = c.shape(op.x);
    return {
      accepts(ys) {
        if (ys.length !== xs.length) return `must have x's rank ${xs.length}`;
        for (let i = 0; i < xs.length; i++) {
          if (ys[i] === 0) continue;
          const start = op.starts[i]!;
          const last = start + (ys[i]! - 1) * op.steps[i]!;
          if (start < 0 || start >= xs[i]! || last < 0 || last >= xs[i]!) {
            return `axis ${i}: start ${start} with step ${op.steps[i]} reads outside x ${shapeText(xs)} for y's ${ys[i]} elements`;
          }
        }
        return undefined;
      },
    };
  },
});

/**
 * 2-D resize of the last two dims, 'nearest' (with ONNX nearestMode) or bilinear, with the
 * ONNX coordinate transform; y's shape gives the output size.
 */
export interface Resize2dOp {
  op: 'resize2d';
  x: number;
  y: number;
  mode: 'nearest' | 'linear';
  coordinateTransform: 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric';
  nearestMode: 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';
}

export const resize2d = defineProgramOp<Resize2dOp>('resize2d')({
  summary: "2-D resize of the last two dims (nearest or bilinear, ONNX coordinate transforms); y's shape gives the size",
  operands: [
    { field: 'x', role: 'input' },
    { field: 'y', role: 'output' },
  ],
  attributes: {
    mode: req(oneOf('nearest', 'linear')),
    coordinateTransform: req(oneOf('half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric')),
    nearestMode: req(oneOf('round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil')),
  },
  check(c) {
    c.require(c.shape(c.op.x).length >= 2, 'x needs rank >= 2', c.op.x);
  },
  output(c) {
    const xs = c.shape(c.op.x);
    const inPlane = xs[xs.length - 1]! * xs[xs.length - 2]!;
    return {
      accepts(ys) {
        if (ys.length !== xs.length || xs.slice(0, -2).some((d, i) => d !== ys[i])) {
          return `x ${shapeText(xs)} and y need the same rank >= 2 and may differ only in the last two dims`;
        }
        if (inPlane === 0 && ys[ys.length - 1]! * ys[ys.length - 2]! !== 0) return 'cannot resize an empty image to a non-empty one';
        return undefined;
      },
    };
  },
});
