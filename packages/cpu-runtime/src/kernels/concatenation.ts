/** concatenation: joins inputs along an axis; all inputs share dtype and every other dim. */
import { stridesOf, Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { axisIn, checkedShape, copyRun, layerError } from './util/data-movement.js';

export const concatenationKernel: Kernel<'concatenation'> = (layer, inputs) => {
  const parts = inputs.filter((t): t is Tensor => t !== undefined);
  if (parts.length === 0) throw layerError(layer, 'has no inputs');
  const first = parts[0]!;
  const axis = axisIn(layer, layer.params.axis, first.rank);
  for (const p of parts) {
    const same = p.dtype === first.dtype && p.rank === first.rank && p.shape.every((d, i) => i === axis || d === first.shape[i]);
    if (!same) {
      throw layerError(
        layer,
        `cannot concatenate ${p.toString()} with ${first.toString()} along axis ${axis}`,
        'inputs must agree in dtype and in every dim but the axis',
      );
    }
  }
  const shape = [...first.shape];
  shape[axis] = parts.reduce((s, p) => s + p.shape[axis]!, 0);
  const out = new Tensor(first.dtype, checkedShape(layer, shape));
  // outer = product of dims before the axis; each part contributes a contiguous run per outer index.
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const outRun = stridesOf(shape)[axis]! * shape[axis]!;
  let offset = 0;
  for (const p of parts) {
    const run = p.shape.slice(axis).reduce((a, b) => a * b, 1);
    for (let o = 0; o < outer; o++) {
      copyRun(p.data, o * run, out.data, o * outRun + offset, run);
    }
    offset += run;
  }
  return [out];
};
