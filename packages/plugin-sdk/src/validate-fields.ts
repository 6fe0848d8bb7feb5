/**
 * Checks field values against a schema and fills defaults. Every problem is a KilnError that
 * names the plugin and the field and says what the field takes; the same check runs when a
 * plugin node is made, when a model is converted and when a kernel runs, so a plan with bad
 * fields is refused before it computes anything.
 */
import { ErrorCode, KilnError, type KilnErrorOptions, type PluginFieldValue, Tensor } from '@kiln-inference/core';
import { type PluginIdentity, pluginLabel } from '@kiln-inference/cpu-runtime';
import type { FieldSchema, FieldSpec } from './field-schema.js';

/** Where the fields come from, for the error's context (a graph node or a network layer). */
export type FieldsOrigin = Pick<KilnErrorOptions, 'node' | 'layer'>;

/** What a spec accepts, in words, for messages and docs. */
export function describeField(spec: FieldSpec): string {
  const bounds = 'min' in spec || 'max' in spec ? boundsText(spec as { min?: number; max?: number }) : '';
  const length = 'length' in spec && spec.length !== undefined ? ` of length ${spec.length}` : '';
  switch (spec.type) {
    case 'float':
      return `a number${bounds}`;
    case 'int':
      return `an integer${bounds}`;
    case 'bool':
      return 'true or false';
    case 'string':
      return spec.oneOf ? `one of ${spec.oneOf.map((s) => JSON.stringify(s)).join(', ')}` : 'a string';
    case 'floats':
      return `an array of numbers${length}${bounds}`;
    case 'ints':
      return `an array of integers${length}${bounds}`;
    case 'strings':
      return `an array of strings${length}`;
    case 'tensor':
      return 'a Tensor';
  }
}

function boundsText({ min, max }: { min?: number; max?: number }): string {
  if (min !== undefined && max !== undefined) return ` in [${min}, ${max}]`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return '';
}

function inBounds(v: number, { min, max }: { min?: number; max?: number }): boolean {
  return (min === undefined || v >= min) && (max === undefined || v <= max);
}

/** Whether `value` is what `spec` takes (bounds, lengths and choices included). */
function accepts(spec: FieldSpec, value: unknown): boolean {
  const isNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);
  const list = (v: unknown, item: (x: unknown) => boolean, length?: number) =>
    Array.isArray(v) && v.every(item) && (length === undefined || v.length === length);
  switch (spec.type) {
    case 'float':
      return isNumber(value) && inBounds(value, spec);
    case 'int':
      return Number.isSafeInteger(value) && inBounds(value as number, spec);
    case 'bool':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string' && (!spec.oneOf || spec.oneOf.includes(value));
    case 'floats':
      return list(value, (x) => isNumber(x) && inBounds(x, spec), spec.length);
    case 'ints':
      return list(value, (x) => Number.isSafeInteger(x) && inBounds(x as number, spec), spec.length);
    case 'strings':
      return list(value, (x) => typeof x === 'string', spec.length);
    case 'tensor':
      return value instanceof Tensor;
  }
}

function shown(value: unknown): string {
  if (value instanceof Tensor) return `a ${value.dtype} tensor [${value.shape.join(',')}]`;
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * `values` checked against `schema`, with defaults filled in: the fields a plugin layer stores.
 * Unknown names, missing required fields and wrong values are KilnErrors naming the field.
 */
export function validateFields(
  plugin: PluginIdentity,
  schema: FieldSchema,
  values: Readonly<Record<string, unknown>>,
  origin: FieldsOrigin = {},
): Record<string, PluginFieldValue> {
  const label = pluginLabel(plugin);
  const fail = (message: string, hint: string) =>
    new KilnError(ErrorCode.INVALID_ATTRIBUTE, `plugin ${label}: ${message}`, { ...origin, hint });
  for (const name of Object.keys(values)) {
    if (!Object.hasOwn(schema, name)) {
      const known = Object.keys(schema);
      throw fail(`has no field '${name}'`, known.length > 0 ? `its fields are: ${known.join(', ')}` : 'it takes no fields');
    }
  }
  const out: Record<string, PluginFieldValue> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const given = values[name];
    const value = given === undefined || given === null ? ('default' in spec ? spec.default : undefined) : given;
    if (value === undefined) {
      if (spec.optional) continue;
      throw fail(`field '${name}' is required`, `give '${name}' as ${describeField(spec)}`);
    }
    if (!accepts(spec, value)) {
      throw fail(`field '${name}' should be ${describeField(spec)}, got ${shown(value)}`, `give '${name}' as ${describeField(spec)}`);
    }
    out[name] = (Array.isArray(value) ? [...value] : value) as PluginFieldValue;
  }
  return out;
}
