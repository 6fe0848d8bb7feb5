/** plugin: dispatches to the kernel registered for the layer's (namespace, name, version). */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { layerError } from './util/data-movement.js';

export const pluginKernel: Kernel<'plugin'> = (layer, inputs, ctx) => {
  const { namespace, name, version } = layer.params;
  const kernel = ctx.plugin(namespace, name, version);
  if (!kernel) {
    throw layerError(
      layer,
      `no plugin ${namespace}::${name} version ${version} is registered`,
      'register the plugin with the executor (ExecutorOptions.plugins) or load its package',
      ErrorCode.PLAN_MISSING_PLUGIN,
    );
  }
  return kernel(layer, inputs, ctx);
};
