/** slice: ONNX Slice with its clamping rules (inputs [x, starts, ends, axes?, steps?]). */
import { sliceRange } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { axisIn, integerValues, layerError, mapAxes, requireInput } from './util/data-movement.js';

export const sliceKernel: Kernel<'slice'> = (layer, inputs) => {
  const x = requireInput(layer, inputs, 0, 'x');
  const starts = integerValues(layer, requireInput(layer, inputs, 1, 'starts'), 'starts');
  const ends = integerValues(layer, requireInput(layer, inputs, 2, 'ends'), 'ends');
  const axes = inputs[3] ? integerValues(layer, inputs[3], 'axes') : starts.map((_, i) => i);
  const steps = inputs[4] ? integerValues(layer, inputs[4], 'steps') : starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw layerError(
      layer,
      `starts, ends, axes and steps have different lengths (${starts.length}, ${ends.length}, ${axes.length}, ${steps.length})`,
    );
  }
  const first = x.shape.map(() => 0);
  const step = x.shape.map(() => 1);
  const shape = [...x.shape];
  const seen = new Set<number>();
  starts.forEach((s, i) => {
    const a = axisIn(layer, axes[i]!, x.rank);
    if (seen.has(a)) throw layerError(layer, `axis ${a} is sliced twice`);
    seen.add(a);
    if (steps[i] === 0) throw layerError(layer, `step of axis ${a} is 0`, 'steps must be non-zero');
    const r = sliceRange(s, ends[i]!, steps[i]!, x.shape[a]!);
    first[a] = r.first;
    step[a] = steps[i]!;
    shape[a] = r.count;
  });
  const maps = shape.map((n, a) => Array.from({ length: n }, (_, c) => first[a]! + c * step[a]!));
  return [mapAxes(x, shape, maps)];
};
