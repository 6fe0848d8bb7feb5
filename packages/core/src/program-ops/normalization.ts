/** The normalization family: softmax (one axis) and lrn (across channels). */
import { bool, int, number, req } from '../layer-defs/param-builders.js';
import { defineProgramOp } from './descriptor.js';

export interface SoftmaxOp {
  op: 'softmax';
  x: number;
  y: number;
  axis: number;
  log: boolean;
}

export const softmax = defineProgramOp<SoftmaxOp>('softmax')({
  summary: 'softmax or log-softmax along one axis',
  operands: [
    { field: 'x', role: 'input' },
    { field: 'y', role: 'output' },
  ],
  attributes: { axis: req(int()), log: req(bool) },
  check(c) {
    const rank = c.shape(c.op.x).length;
    if (rank > 0) c.axis(c.op.axis, rank, c.op.x);
  },
  output: (c) => ({ shape: c.shape(c.op.x), pattern: "x's shape" }),
});

/** Across-channel LRN (ONNX): y = x / (bias + alpha/size · Σ x²)^beta over `size` channels. */
export interface LrnOp {
  op: 'lrn';
  x: number;
  y: number;
  size: number;
  alpha: number;
  beta: number;
  bias: number;
}

export const lrn = defineProgramOp<LrnOp>('lrn')({
  summary: 'across-channel LRN (ONNX): y = x / (bias + alpha/size · Σ x²)^beta over size channels',
  operands: [
    { field: 'x', role: 'input' },
    { field: 'y', role: 'output' },
  ],
  attributes: { size: req(int(1)), alpha: req(number), beta: req(number), bias: req(number) },
  check(c) {
    c.require(c.shape(c.op.x).length >= 2, 'needs a channel axis (rank >= 2)', c.op.x);
  },
  output: (c) => ({ shape: c.shape(c.op.x), pattern: "x's shape" }),
});
