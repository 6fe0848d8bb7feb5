/**
 * The UFF domain ('uff'): NVIDIA's retired interchange format. Input, Const and MarkOutput
 * are handled by the importer (graph inputs, weights, outputs); these convert the rest.
 * Operations with no converter (plugin nodes from graph surgery) fail with UNSUPPORTED_OP
 * naming the node until a plugin converter is registered for them.
 */
import type { Converter } from '../converter.js';
import { ConverterRegistry } from '../registry.js';
import { uffConvPoolConverters } from './conv-pool.js';
import { uffDeconvConverters } from './deconv.js';
import { uffLayerConverters } from './layers.js';
import { uffNormalizationConverters } from './normalization.js';
import { uffReduceConverters } from './reduce.js';
import { uffShapeConverters } from './shape-ops.js';

export const uffConverters: readonly Converter[] = [
  ...uffConvPoolConverters,
  ...uffDeconvConverters,
  ...uffLayerConverters,
  ...uffShapeConverters,
  ...uffReduceConverters,
  ...uffNormalizationConverters,
];

export function createUffRegistry(): ConverterRegistry {
  return new ConverterRegistry(uffConverters);
}
