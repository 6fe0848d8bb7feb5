/**
 * Which input an elementwise layer may overwrite with its output. The native executors run
 * these ops elementwise (see Program in @kiln-inference/core), so writing y over an input x of the same
 * size is safe once nothing reads x's bytes after this layer.
 */
import type { AnyLayer } from '@kiln-inference/core';
import type { Activation } from './activations.js';

/**
 * Input slots, in order of preference, whose bytes the layer's first output could take, with
 * whether the layer reads its other operands elementwise too (then the same tensor in another
 * slot is harmless; a convolution reads its data input through windows, so it is not).
 */
export function inPlaceCandidates(layer: AnyLayer): { slots: number[]; elementwise: boolean } {
  switch (layer.kind) {
    case 'activation':
    case 'scale':
    case 'cast':
      return { slots: [0], elementwise: true };
    case 'elementwise':
      return { slots: [0, 1], elementwise: true };
    case 'convolution': {
      const r = layer.params.epilogue?.residualInput;
      return { slots: r === undefined ? [] : [r], elementwise: false };
    }
    // A matmul's residual lowers to the gemm's bias, which the blocked GEMM reads in its last
    // k-block's epilogue after earlier k-blocks accumulated into y: y must not be its bytes.
    case 'matrix_multiply':
      return { slots: [], elementwise: false };
    default:
      return { slots: [], elementwise: false };
  }
}

/**
 * Same element count and element size; elementwise and residual inputs must also have y's exact
 * shape and dtype. A cast may only reuse its input's bytes when it converts nothing (then it is
 * a copy): the Program's cast op reads and writes different types.
 */
export function fitsInPlace(layer: AnyLayer, x: Activation, y: Activation): boolean {
  if (x.bytes !== y.bytes || x.elementBytes !== y.elementBytes) return false;
  if (layer.kind === 'cast') return x.dtype === y.dtype;
  if (layer.kind === 'activation' || layer.kind === 'scale') return true;
  return x.dtype === y.dtype && x.shape.length === y.shape.length && x.shape.every((d, i) => d === y.shape[i]);
}
