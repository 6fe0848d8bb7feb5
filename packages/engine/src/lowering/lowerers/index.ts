/** The lowering table: layer kind → lowerer. Kinds absent here never lower (see program-support.ts). */
import type { LowererTable } from '../lowerer.js';
import { lowerConvolution, lowerDeconvolution, lowerMatrixMultiply } from './convolution.js';
import { lowerConcatenation, lowerPadding, lowerResize, lowerShuffle, lowerSlice, lowerSplit, lowerView } from './data-movement.js';
import { lowerArgReduce, lowerCast, lowerGather, lowerSelect } from './indexing.js';
import { lowerActivation, lowerElementwise, lowerLrn, lowerParametricRelu, lowerScale, lowerSoftmax, lowerUnary } from './pointwise.js';
import { lowerPooling, lowerReduce } from './pooling.js';

export const lowerers: LowererTable = {
  identity: lowerView,
  cast: lowerCast,
  gather: lowerGather,
  arg_reduce: lowerArgReduce,
  select: lowerSelect,
  squeeze: lowerView,
  unsqueeze: lowerView,
  shuffle: lowerShuffle,
  concatenation: lowerConcatenation,
  padding: lowerPadding,
  slice: lowerSlice,
  split: lowerSplit,
  resize: lowerResize,
  convolution: lowerConvolution,
  deconvolution: lowerDeconvolution,
  unary: lowerUnary,
  parametric_relu: lowerParametricRelu,
  matrix_multiply: lowerMatrixMultiply,
  pooling: lowerPooling,
  reduce: lowerReduce,
  elementwise: lowerElementwise,
  activation: lowerActivation,
  scale: lowerScale,
  softmax: lowerSoftmax,
  lrn: lowerLrn,
};
