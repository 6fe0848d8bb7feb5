export type { ExecutorOptions } from './executor.js';
export { ReferenceExecutor, runReference } from './executor.js';
export type { Feeds } from './feeds.js';
export { feedsToMap, validateFeeds } from './feeds.js';
export type { Kernel, KernelContext, KernelTable, ValueKernel, ValueKernelTable } from './kernel.js';
// Window arithmetic (output sizes, SAME pads, ceil mode) shared with the engine's lowering.
export { referenceKernels, valueKernels } from './kernels/index.js';
export * from './native/index.js';
export { builtinPlugins } from './plugins/index.js';
export type { PluginIdentity } from './plugins/plugin-identity.js';
export { pluginKey, pluginLabel } from './plugins/plugin-identity.js';
export type { PluginKernelSource, PluginModule } from './plugins/plugin-module.js';
export {
  importPluginModule,
  isPluginKernelSource,
  pluginKernelMap,
  pluginKernelSources,
  pluginModuleFrom,
} from './plugins/plugin-module.js';
export { interpretProgram } from './program/interpret-program.js';
export type { RuntimeValue } from './runtime-value.js';
export { describeValue, isSequence, TensorSequence } from './runtime-value.js';
