/**
 * @kiln-inference/plugin-sdk: custom layers in TypeScript. `definePlugin` declares one (typed
 * fields, an outputs rule, a CPU reference); a `PluginRegistry` (or `loadPlugins` by module
 * specifier) hands plugins to conversion, building and execution; `collapseNamespaces` and
 * `replaceOps` put plugin nodes into framework graphs.
 */
export { collapseNamespaces } from './collapse-namespaces.js';
export type { Plugin, PluginNode } from './define-plugin.js';
export { definePlugin, describeFields, isPlugin } from './define-plugin.js';
export type { FieldInput, FieldSchema, FieldSpec, FieldType, FieldValues } from './field-schema.js';
export { field } from './field-schema.js';
export type { LoadPluginsOptions, PluginsOption } from './load-plugins.js';
export { loadPlugins, resolvePlugins } from './load-plugins.js';
export { PLUGIN_VERSION_ATTRIBUTE } from './node-fields.js';
export type { PluginEntry } from './plugin-converter.js';
export type { AddPluginLayerOptions } from './plugin-layer.js';
export { addPluginLayer } from './plugin-layer.js';
export type { InputFacts, OutputDecl, OutputDim, UpperBound } from './plugin-outputs.js';
export { elementCount, isUpperBound, upTo } from './plugin-outputs.js';
export type { PluginKernels } from './plugin-registry.js';
export { PluginRegistry } from './plugin-registry.js';
export type { CpuContext, CudaImplementation, CudaLaunch, PluginConversion, PluginSpec, ShapeContext } from './plugin-spec.js';
export type { OpMatch } from './replace-ops.js';
export { replaceOps } from './replace-ops.js';
export type { FieldsOrigin } from './validate-fields.js';
export { validateFields } from './validate-fields.js';
