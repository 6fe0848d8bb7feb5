/**
 * Converters that turn framework nodes into plugin layers: one per op a plugin `converts`, and
 * one per (namespace, name) so nodes made by graph surgery (or an ONNX model's own custom-domain
 * nodes named after the plugin) convert without a mapping. Validation and conversion share one
 * function, so the partitioner's "supported?" is exactly what conversion will do.
 */
import { type ConversionContext, type Converter, SUPPORTED, unsupported, type ValidationContext } from '@kiln-inference/converters';
import { ErrorCode, isKilnError, KilnError, type PluginFieldValue } from '@kiln-inference/core';
import { pluginLabel } from '@kiln-inference/cpu-runtime';
import type { Plugin } from './define-plugin.js';
import { attributeValues, fieldsFromAttributes, PLUGIN_VERSION_ATTRIBUTE } from './node-fields.js';
import { pluginLayerParams, pluginOutputDesc } from './plugin-layer.js';
import type { InputFacts, OutputDecl } from './plugin-outputs.js';
import type { PluginConversion } from './plugin-spec.js';

/** A registered plugin and where it came from. */
export interface PluginEntry {
  readonly plugin: Plugin;
  /** URL of the module that exports it, which worker threads import; absent for plugins defined in place. */
  readonly module?: string;
  /** The npm package (name@version) that provides it, recorded in plans. */
  readonly package?: string;
}

interface Planned {
  entry: PluginEntry;
  fields: Record<string, PluginFieldValue>;
  outputs: readonly OutputDecl[];
}

/** The plugin layer a node becomes, or a KilnError saying why it cannot. `inputs` undefined: dtypes unknown (validation of a partial graph). */
function plan(
  ctx: ValidationContext,
  entry: PluginEntry,
  conversion: PluginConversion | undefined,
  inputs: InputFacts[] | undefined,
): Planned {
  const { plugin } = entry;
  const origin = { node: { name: ctx.node.name, op: ctx.node.op } };
  const attributes = ctx.node.attributes;
  let raw: Readonly<Record<string, unknown>>;
  if (conversion?.fields) raw = conversion.fields(attributeValues(attributes));
  else if (conversion) raw = fieldsFromAttributes(plugin.fields, attributes);
  else {
    // A node named after the plugin carries exactly its fields: an unknown attribute is an error, not ignored.
    const { [PLUGIN_VERSION_ATTRIBUTE]: _version, ...rest } = attributes;
    raw = { ...attributeValues(rest), ...fieldsFromAttributes(plugin.fields, rest) };
  }
  const fields = plugin.validateFields(raw, origin);
  if (!inputs) return { entry, fields, outputs: [] };
  const outputs = plugin.outputsFor(inputs, fields, origin);
  if (outputs.length !== ctx.node.outputs.length) {
    throw new KilnError(
      ErrorCode.CONVERSION_FAILED,
      `plugin ${pluginLabel(plugin)} has ${outputs.length} output(s), the node ${ctx.node.outputs.length}`,
      { ...origin, hint: 'map the node to a plugin with as many outputs' },
    );
  }
  return { entry, fields, outputs };
}

function inputFacts(ctx: ValidationContext): InputFacts[] | undefined {
  const facts: InputFacts[] = [];
  for (let i = 0; i < ctx.node.inputs.length; i++) {
    const dtype = ctx.inputDType(i);
    if (!dtype) return undefined;
    facts.push({ dtype, shape: ctx.inputShape(i) ?? null });
  }
  return facts;
}

function convertWith(ctx: ConversionContext, entry: PluginEntry, conversion: PluginConversion | undefined): void {
  const facts = ctx.node.inputs.map((_, i) => {
    const desc = ctx.inputDesc(i);
    if (!desc)
      throw ctx.error(
        `input ${i} of the plugin node is missing or of unknown type`,
        'plugins take no optional inputs; connect every input',
      );
    return { dtype: desc.dtype, shape: desc.shape };
  });
  const { fields, outputs } = plan(ctx, entry, conversion, facts);
  ctx.addLayer(
    'plugin',
    pluginLayerParams(entry.plugin, fields, entry.package),
    ctx.node.inputs.map((_, i) => ctx.input(i)),
    outputs.map((d, i) => pluginOutputDesc(ctx.output(i), d)),
  );
}

function validateWith(ctx: ValidationContext, entry: PluginEntry, conversion: PluginConversion | undefined) {
  try {
    plan(ctx, entry, conversion, inputFacts(ctx));
    return SUPPORTED;
  } catch (e) {
    if (!isKilnError(e)) throw e;
    return unsupported(e.code === 'UNSUPPORTED_DTYPE' ? 'unsupported-dtype' : 'unsupported-attribute', e.message);
  }
}

/** The converter for one op a plugin declares in `converts`. */
export function conversionConverter(entry: PluginEntry, conversion: PluginConversion): Converter {
  return {
    domain: conversion.domain,
    op: conversion.op,
    priority: conversion.priority ?? 0,
    restrictions: `runs as plugin ${entry.plugin.namespace}::${entry.plugin.name}@${entry.plugin.version}`,
    validate: (ctx) => validateWith(ctx, entry, conversion),
    convert: (ctx) => convertWith(ctx, entry, conversion),
  };
}

/**
 * The converter for nodes of domain `namespace` and op `name`: the version the node records
 * (surgery writes it), else the newest registered one.
 */
export function identityConverter(versions: readonly PluginEntry[]): Converter {
  const { namespace, name } = versions[0]!.plugin;
  const pick = (ctx: ValidationContext): PluginEntry => {
    const wanted = ctx.node.attributes[PLUGIN_VERSION_ATTRIBUTE];
    if (wanted === undefined) return versions[versions.length - 1]!;
    const found = versions.find((e) => wanted.kind === 'string' && e.plugin.version === wanted.value);
    if (found) return found;
    throw new KilnError(
      ErrorCode.CONVERSION_FAILED,
      `the node asks for plugin ${namespace}::${name}@${String(wanted.value)}, but only version ${versions.map((e) => e.plugin.version).join(', ')} is registered`,
      { node: { name: ctx.node.name, op: ctx.node.op }, hint: 'load the plugin package that provides that version' },
    );
  };
  return {
    domain: namespace,
    op: name,
    validate(ctx) {
      try {
        return validateWith(ctx, pick(ctx), undefined);
      } catch (e) {
        if (!isKilnError(e)) throw e;
        return unsupported('unsupported-attribute', e.message);
      }
    },
    convert: (ctx) => convertWith(ctx, pick(ctx), undefined),
  };
}
