/**
 * y = (x · scale + shift) ^ power with per-tensor, per-channel or elementwise parameters;
 * any of shift/scale/power may be omitted. Computed in float64.
 */
import { ErrorCode, KilnError, normalizeAxis, type Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { broadcastIndexMaps } from './util/broadcast.js';
import { fromNumbers, numbers } from './util/values.js';

type Mode = 'uniform' | 'channel' | 'elementwise';

/** Shape under which a parameter broadcasts against x for the given mode. */
function paramShape(mode: Mode, p: Tensor, x: Tensor, channelAxis: number): readonly number[] {
  if (mode === 'elementwise') return p.shape;
  if (mode === 'uniform') {
    if (p.size !== 1) throw new KilnError(ErrorCode.SHAPE_MISMATCH, `uniform scale parameters must have one element, got ${p.size}`);
    return [];
  }
  const axis = normalizeAxis(channelAxis, x.rank);
  if (p.size !== x.shape[axis]) {
    throw new KilnError(ErrorCode.SHAPE_MISMATCH, `channel scale parameters have ${p.size} elements but axis ${axis} has ${x.shape[axis]}`);
  }
  return x.shape.map((d, i) => (i === axis ? d : 1));
}

export const scaleKernel: Kernel<'scale'> = (layer, inputs) => {
  const [x, shift, scale, power] = inputs;
  if (!x) throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'scale needs an input');
  const { mode, channelAxis } = layer.params;
  const params = [shift, scale, power];
  const shapes = [x.shape, ...params.map((p) => (p ? paramShape(mode, p, x, channelAxis) : []))];
  const { shape, maps, size } = broadcastIndexMaps(shapes);
  const vx = numbers(x);
  const [vShift, vScale, vPower] = params.map((p) => (p ? numbers(p) : undefined));
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let v = vx[maps[0]![i]!]!;
    if (vScale) v *= vScale[maps[2]![i]!]!;
    if (vShift) v += vShift[maps[1]![i]!]!;
    if (vPower) v = v ** vPower[maps[3]![i]!]!;
    out[i] = v;
  }
  return [fromNumbers(x.dtype, shape, out)];
};
