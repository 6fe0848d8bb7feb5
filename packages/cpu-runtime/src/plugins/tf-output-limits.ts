/**
 * Size checks for the TF plugins whose output sizes come from input values (a bin count, a
 * crop size, a segment id, a range), made against the resource limits in force before any
 * buffer is allocated, so a hostile value is a RESOURCE_LIMIT error naming the layer.
 */
import { checkShapeSize, type DType, type Layer } from '@kiln-inference/core';

export function checkPluginOutput(layer: Layer<'plugin'>, dtype: DType, shape: readonly number[], what: string): void {
  checkShapeSize(dtype, shape, { layer: { name: layer.name, kind: `plugin ${layer.params.namespace}::${layer.params.name}` }, what });
}
