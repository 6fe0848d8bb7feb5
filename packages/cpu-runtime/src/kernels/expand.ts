/** expand: numpy broadcast of x against the shape tensor (ONNX Expand is bidirectional). */
import { broadcastShapes } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { broadcastIndexMaps } from './util/broadcast.js';
import { checkedShape, integerValues, requireInput } from './util/data-movement.js';
import { gatherElements } from './util/values.js';

export const expandKernel: Kernel<'expand'> = (layer, inputs) => {
  const x = requireInput(layer, inputs, 0, 'x');
  const target = integerValues(layer, requireInput(layer, inputs, 1, 'shape'), 'shape');
  const context = { layer: { name: layer.name, kind: layer.kind } };
  checkedShape(layer, broadcastShapes([x.shape, target], context));
  const { shape, maps } = broadcastIndexMaps([x.shape, target]);
  const map = maps[0]!;
  return [gatherElements(x, shape, (i) => map[i]!)];
};
