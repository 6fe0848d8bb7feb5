/** The elementwise family: binary, compare, where, cast, activation, unary, channel_affine, quantize, dequantize. */
import type { ProgramDType, Tensor } from '@kiln-inference/core';
import { castTo, type FamilyEvaluators, layer, oneOf, run, zeroOf } from '../evaluator.js';
export const elementwiseEvaluators: FamilyEvaluators<
  'binary' | 'compare' | 'where' | 'cast' | 'activation' | 'unary' | 'channel_affine' | 'quantize' | 'dequantize'
> = {
  binary(op, t) {
    const type = op.type;
    const activate = (y: Tensor) => (op.activation ? run(layer('activation', op.activation, 1), [y]) : y);
    if (type === 'prelu') return activate(run(layer('parametric_relu', {}, 2), [t.a, t.b]));
    const elementwise = (b: Tensor) => run(layer('elementwise', type === 'fmod' ? { op: 'mod', fmod: true } : { op: type }, 2), [t.a, b]);
    const dtype = t.a.dtype as ProgramDType;
    if (dtype !== 'float32' && (type === 'div' || type === 'mod' || type === 'fmod')) {
      // Integer division or remainder by zero gives 0 (program.ts): divide by 1 there, then zero it.
      const zero = run(layer('elementwise', { op: 'equal' }, 2), [t.b, zeroOf(dtype)]);
      const quotient = elementwise(run(layer('select', {}, 3), [zero, oneOf(dtype), t.b]));
      return run(layer('select', {}, 3), [zero, zeroOf(dtype), quotient]);
    }
    return activate(elementwise(t.b));
  },
  compare: (op, t) => run(layer('elementwise', { op: op.type }, 2), [t.a, t.b]),
  where: (_op, t) => run(layer('select', {}, 3), [t.condition, t.a, t.b]),
  cast: (_op, t, _yShape, yDtype) => castTo(t.x, yDtype),
  activation: (op, t) => run(layer('activation', op.activation, 1), [t.x]),
  unary: (op, t) => run(layer('unary', { op: op.type }, 1), [t.x]),
  channel_affine(op, t) {
    const y = run(layer('scale', { mode: 'channel', channelAxis: op.channelAxis }, 3), [t.x, t.shift, t.scale]);
    return op.activation ? run(layer('activation', op.activation, 1), [y]) : y;
  },
  // The layer kernel takes per tensor whenever scale has one element, as the op does.
  quantize: (op, t, _yShape, yDtype) =>
    run(layer('quantize', { axis: op.axis, quantizedType: yDtype, floatType: 'float32' }, 3), [t.x, t.scale, t.zeroPoint]),
  dequantize: (op, t) =>
    run(layer('dequantize', { axis: op.axis, quantizedType: t.x.dtype, floatType: 'float32' }, 3), [t.x, t.scale, t.zeroPoint]),
};
