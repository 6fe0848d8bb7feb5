/**
 * definePlugin: a checked, frozen plugin from what its author wrote. The Plugin is at once the
 * layer's definition (fields, outputs rule), a CPU runtime kernel source (so a worker thread
 * importing the plugin's module finds its kernel), and the maker of graph nodes for surgery.
 */
import { ErrorCode, KilnError, type PluginFieldValue } from '@kiln-inference/core';
import { type Kernel, type PluginKernelSource, pluginLabel } from '@kiln-inference/cpu-runtime';
import { checkPluginInputs } from './check-plugin-inputs.js';
import { cpuKernel } from './cpu-kernel.js';
import type { FieldInput, FieldSchema, FieldSpec, FieldValues } from './field-schema.js';
import type { InputFacts, OutputDecl } from './plugin-outputs.js';
import type { PluginSpec } from './plugin-spec.js';
import { describeField, type FieldsOrigin, validateFields } from './validate-fields.js';

/** Marks plugins across copies of this package (a worker's, a bundle's). */
export const PLUGIN_BRAND: unique symbol = Symbol.for('kiln-inference.plugin') as never;

/** A node to put into a graph in place of ops (see collapseNamespaces, replaceOps): the plugin and its checked fields. */
export interface PluginNode {
  readonly plugin: Plugin;
  readonly fields: Readonly<Record<string, PluginFieldValue>>;
}

export interface Plugin<S extends FieldSchema = FieldSchema> extends PluginKernelSource {
  readonly [PLUGIN_BRAND]: true;
  readonly spec: PluginSpec<S>;
  /** The field schema. */
  readonly fields: S;
  readonly kernel: Kernel<'plugin'>;
  /** Fields checked against the schema, defaults filled: what a plugin layer stores. */
  validateFields(values: Readonly<Record<string, unknown>>, origin?: FieldsOrigin): Record<string, PluginFieldValue>;
  /** The outputs rule on checked inputs and fields; a KilnError when the inputs do not fit the plugin. */
  outputsFor(inputs: readonly InputFacts[], fields: Readonly<Record<string, unknown>>, origin?: FieldsOrigin): readonly OutputDecl[];
  /** Scratch bytes for these inputs and fields. */
  workspaceBytes(inputs: readonly InputFacts[], fields: Readonly<Record<string, unknown>>): number;
  /** A graph node for surgery, with checked fields. */
  node(fields: FieldInput<S>): PluginNode;
}

export function isPlugin(value: unknown): value is Plugin {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_BRAND] === true;
}

function specError(spec: { namespace?: unknown; name?: unknown }, message: string, hint: string): KilnError {
  return new KilnError(ErrorCode.INVALID_ARGUMENT, `definePlugin(${String(spec.namespace)}::${String(spec.name)}): ${message}`, { hint });
}

const IDENTIFIER = /^[A-Za-z_][\w.-]*$/;

function checkSpec(spec: PluginSpec<FieldSchema>): void {
  for (const key of ['namespace', 'name', 'version'] as const) {
    const v: unknown = spec[key];
    const ok = typeof v === 'string' && (key === 'version' ? /^[\w.+-]+$/.test(v) : IDENTIFIER.test(v));
    if (!ok) {
      throw specError(
        spec,
        `${key} ${JSON.stringify(v)} is not valid`,
        `${key} is a non-empty word (letters, digits, _ . -), e.g. 'acme', 'Clip', '1'`,
      );
    }
  }
  for (const key of ['outputs', 'cpu'] as const) {
    if (typeof spec[key] !== 'function') throw specError(spec, `${key} is not a function`, `give ${key}(ctx) (see the plugin SDK README)`);
  }
  for (const [name, f] of Object.entries(spec.fields ?? {})) {
    const types: FieldSpec['type'][] = ['float', 'int', 'bool', 'string', 'floats', 'ints', 'strings', 'tensor'];
    if (!types.includes(f?.type))
      throw specError(spec, `field '${name}' has no valid type`, 'make each field with field.float(), field.int(), …');
  }
  // A default must itself be a valid value: checked once here instead of surprising a user later.
  const defaults = Object.fromEntries(
    Object.entries(spec.fields ?? {}).flatMap(([name, f]) => ('default' in f && f.default !== undefined ? [[name, f.default]] : [])),
  );
  const withoutRequired = Object.fromEntries(
    Object.entries(spec.fields ?? {}).map(([name, f]) => [name, name in defaults ? f : { ...f, optional: true }]),
  ) as FieldSchema;
  try {
    validateFields(spec, withoutRequired, defaults);
  } catch (e) {
    throw specError(spec, `a default is not valid: ${(e as Error).message}`, 'give each field a default its own type accepts');
  }
  for (const c of spec.converts ?? []) {
    if (typeof c?.domain !== 'string' || typeof c.op !== 'string' || c.op === '') {
      throw specError(spec, `converts entry ${JSON.stringify(c)} needs a domain and an op`, "e.g. { domain: 'tf', op: 'Relu6' }");
    }
  }
}

export function definePlugin<const S extends FieldSchema = Record<never, never>>(spec: PluginSpec<S>): Plugin<S> {
  checkSpec(spec as unknown as PluginSpec<FieldSchema>);
  const general = spec as unknown as PluginSpec<FieldSchema>;
  const schema = (spec.fields ?? {}) as S;
  const label = pluginLabel(spec);
  const plugin: Plugin<S> = {
    [PLUGIN_BRAND]: true,
    namespace: spec.namespace,
    name: spec.name,
    version: spec.version,
    spec,
    fields: schema,
    kernel: undefined as unknown as Kernel<'plugin'>,
    validateFields: (values, origin) => validateFields(spec, schema, values, origin),
    outputsFor(inputs, values, origin = {}) {
      checkPluginInputs(general, inputs, origin);
      const fields = validateFields(spec, schema, values, origin);
      const outputs = general.outputs({ inputs, fields: fields as FieldValues<FieldSchema> });
      if (!Array.isArray(outputs) || outputs.length === 0) {
        throw new KilnError(ErrorCode.INVALID_ARGUMENT, `plugin ${label}: outputs() returned no outputs`, {
          ...origin,
          hint: 'return one { dtype, shape } per output',
        });
      }
      return outputs;
    },
    workspaceBytes(inputs, values) {
      const size = general.workspaceSize;
      const bytes =
        typeof size === 'function'
          ? size({ inputs, fields: validateFields(spec, schema, values) as FieldValues<FieldSchema> })
          : (size ?? 0);
      if (!Number.isSafeInteger(bytes) || bytes < 0) {
        throw new KilnError(ErrorCode.INVALID_ARGUMENT, `plugin ${label}: workspaceSize is ${bytes}, not a byte count`, {
          hint: 'return a non-negative integer number of bytes',
        });
      }
      return bytes;
    },
    node: (fields) => ({ plugin: plugin as unknown as Plugin, fields: validateFields(spec, schema, fields as Record<string, unknown>) }),
  };
  (plugin as { kernel: Kernel<'plugin'> }).kernel = cpuKernel(plugin);
  return Object.freeze(plugin);
}

/** Field help for docs and `kiln inspect`: `min: a number (default 0)`. */
export function describeFields(plugin: Plugin): string[] {
  return Object.entries(plugin.fields).map(([name, f]) => {
    const extra = 'default' in f && f.default !== undefined ? ` (default ${JSON.stringify(f.default)})` : f.optional ? ' (optional)' : '';
    return `${name}: ${describeField(f)}${extra}${f.doc ? ` — ${f.doc}` : ''}`;
  });
}
