/** The indexing family: gather, gather_nd, arg_reduce (integer index values stay native). */
import { bool, int, oneOf, req } from '../layer-defs/param-builders.js';
import { defineProgramOp } from './descriptor.js';
import { ANY_DTYPE, INDEX_DTYPES, NUMERIC_DTYPES } from './dtype-sets.js';
import { shapeText } from './op-context.js';

/**
 * ONNX Gather along `axis`: y = x[…, indices[j…], …]; an index in [−n, 0) counts from the end,
 * and one outside [−n, n) gives zeros (never a read out of bounds).
 */
export interface GatherOp {
  op: 'gather';
  x: number;
  indices: number;
  y: number;
  axis: number;
}

export const gather = defineProgramOp<GatherOp>('gather')({
  summary: 'ONNX Gather along axis: y = x[…, indices[j…], …] (negative indices wrap; out of range gives zeros)',
  operands: [
    { field: 'x', role: 'input', dtype: ANY_DTYPE },
    { field: 'indices', role: 'input', dtype: INDEX_DTYPES },
    { field: 'y', role: 'output', dtype: { same: 'x' } },
  ],
  attributes: { axis: req(int()) },
  output(c) {
    const xs = c.shape(c.op.x);
    const axis = c.axis(c.op.axis, xs.length, c.op.x);
    return {
      shape: [...xs.slice(0, axis), ...c.shape(c.op.indices), ...xs.slice(axis + 1)],
      pattern: "x's dims with the axis replaced by indices' dims",
    };
  },
});

/**
 * ONNX GatherND with batch_dims 0: indices [..., k] picks x's slices x[i0, …, ik−1]; an index
 * outside its dim (after the negative wrap) gives zeros.
 */
export interface GatherNdOp {
  op: 'gather_nd';
  x: number;
  indices: number;
  y: number;
}

export const gather_nd = defineProgramOp<GatherNdOp>('gather_nd')({
  summary: "ONNX GatherND (batch_dims 0): indices [..., k] pick x's slices x[i0, …, ik−1] (out of range gives zeros)",
  operands: [
    { field: 'x', role: 'input', dtype: ANY_DTYPE },
    { field: 'indices', role: 'input', dtype: INDEX_DTYPES },
    { field: 'y', role: 'output', dtype: { same: 'x' } },
  ],
  attributes: {},
  check(c) {
    const is = c.shape(c.op.indices);
    const k = is[is.length - 1];
    c.require(
      is.length >= 1 && k !== undefined && k <= c.shape(c.op.x).length,
      `indices ${shapeText(is)} need a last dim <= x's rank`,
      c.op.indices,
    );
  },
  output(c) {
    const is = c.shape(c.op.indices);
    return {
      shape: [...is.slice(0, -1), ...c.shape(c.op.x).slice(is[is.length - 1]!)],
      pattern: "indices' dims but the last, then x's dims past the indexed ones",
    };
  },
});

/**
 * Index of the largest ('max') or smallest value along `axis`; y has x's shape with that axis
 * 1 (a view drops it). A scan from the first element replaces the best on a strictly better
 * value (better or equal with selectLastIndex): ties pick the first (last) index, and a NaN
 * never compares better, so it is picked only where it comes first.
 */
export interface ArgReduceOp {
  op: 'arg_reduce';
  type: 'max' | 'min';
  x: number;
  y: number;
  axis: number;
  selectLastIndex: boolean;
}

export const arg_reduce = defineProgramOp<ArgReduceOp>('arg_reduce')({
  summary: 'index of the largest or smallest value along axis; y is x with that axis 1',
  operands: [
    { field: 'x', role: 'input', dtype: NUMERIC_DTYPES },
    { field: 'y', role: 'output', dtype: INDEX_DTYPES },
  ],
  attributes: { type: req(oneOf('max', 'min')), axis: req(int()), selectLastIndex: req(bool) },
  check(c) {
    const xs = c.shape(c.op.x);
    const axis = c.axis(c.op.axis, xs.length, c.op.x);
    c.require(xs[axis]! > 0, `axis ${axis} is empty: there is no index to pick`, c.op.x);
  },
  output(c) {
    const xs = c.shape(c.op.x);
    const axis = c.axis(c.op.axis, xs.length, c.op.x);
    return { shape: xs.map((d, i) => (i === axis ? 1 : d)), pattern: "x's shape with the axis 1" };
  },
});
