/**
 * A plugin as a layer of a Network: a `plugin` layer whose params name the plugin (and the
 * package it came from) and hold its checked fields, and whose outputs are declared with the
 * dtypes and shapes the plugin's outputs rule gives, which is what shape inference, the memory
 * planner and the plan read for a plugin layer.
 */
import type { LayerParamsMap, Network, PluginFieldValue, TensorDesc } from '@kiln-inference/core';
import type { Plugin } from './define-plugin.js';
import { declaredShape, type InputFacts, type OutputDecl } from './plugin-outputs.js';

/** The params of a plugin layer for `plugin` with checked `fields`. */
export function pluginLayerParams(
  plugin: Plugin,
  fields: Record<string, PluginFieldValue>,
  pkg: string | undefined,
): LayerParamsMap['plugin'] {
  return { namespace: plugin.namespace, name: plugin.name, version: plugin.version, fields, ...(pkg ? { package: pkg } : {}) };
}

/** The TensorDesc of a plugin output (data-dependent dims unknown). */
export function pluginOutputDesc(name: string, decl: OutputDecl): TensorDesc {
  return { name, dtype: decl.dtype, shape: declaredShape(decl) };
}

export interface AddPluginLayerOptions {
  /** Network tensors the plugin reads, in order. */
  inputs: readonly string[];
  fields?: Readonly<Record<string, unknown>>;
  /** Names of the output tensors; default fresh names. */
  outputs?: readonly string[];
  /** The layer's name; default a fresh one. */
  name?: string;
  /** The npm package (name@version) that provides the plugin, recorded in plans built from the network. */
  package?: string;
}

/** Appends a plugin layer to `network` and returns its output tensor names. */
export function addPluginLayer(network: Network, plugin: Plugin, options: AddPluginLayerOptions): string[] {
  const name = options.name ?? network.uniqueName(plugin.name);
  const origin = { layer: { name, kind: `plugin ${plugin.namespace}::${plugin.name}` } };
  const inputs: InputFacts[] = options.inputs.map((t) => {
    const desc = network.tensor(t);
    return { dtype: desc.dtype, shape: desc.shape };
  });
  const fields = plugin.validateFields(options.fields ?? {}, origin);
  const decls = plugin.outputsFor(inputs, fields, origin);
  const names = decls.map((_, i) => options.outputs?.[i] ?? network.uniqueName(`${name}_out${i}`));
  network.addLayer('plugin', {
    name,
    inputs: [...options.inputs],
    outputs: decls.map((d, i) => pluginOutputDesc(names[i]!, d)),
    params: pluginLayerParams(plugin, fields, options.package),
  });
  return names;
}
