/**
 * Checks a layer's params against its LayerDef's schema, plus the few relations between params
 * that every consumer assumes (one stride per kernel dim, one scan axis per scan input). Plan
 * decoding runs it on every layer so a re-signed plan with `pads: "x"` fails at load, naming the
 * layer, the param and the type it needs, instead of somewhere in the builder or a lowerer.
 */
import { ErrorCode, KilnError, type LayerContext } from '../errors.js';
import type { ParamFields, ParamType } from '../layer-def.js';
import type { AnyLayer } from '../layers.js';
import { Network } from '../network.js';
import { Tensor } from '../tensor.js';

/** A human description of a type, for messages: "an integer >= 1", "one of 'max', 'average'". */
export function describeParamType(type: ParamType): string {
  switch (type.t) {
    case 'null':
      return 'null';
    case 'number':
      return 'a number';
    case 'int':
      return type.min === undefined ? 'an integer' : `an integer >= ${type.min}`;
    case 'bool':
      return 'a boolean';
    case 'string':
      return 'a string';
    case 'tensor':
      return 'a tensor';
    case 'network':
      return 'a network';
    case 'enum':
      return `one of ${type.values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}`;
    case 'array':
      return `an array of ${describeParamType(type.of)
        .replace(/^an? /, '')
        .replace(/^integer/, 'integers')
        .replace(/^number/, 'numbers')}`;
    case 'nullable':
      return `${describeParamType(type.of)} or null`;
    case 'record':
      return `an object of ${describeParamType(type.of)} values`;
    case 'union':
      return type.of.map(describeParamType).join(' or ');
    case 'object':
      return `{ ${Object.entries(type.fields)
        .map(([k, f]) => `${k}${f.optional ? '?' : ''}: ${describeParamType(f.type)}`)
        .join(', ')} }`;
  }
}

function shown(value: unknown): string {
  if (value instanceof Tensor) return `a ${value.dtype} tensor`;
  if (value instanceof Network) return 'a network';
  if (typeof value === 'bigint') return `${value}n`;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(value);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor) && !(v instanceof Network);
}

/** True when `value` has the runtime type `type` describes. */
export function matchesParamType(type: ParamType, value: unknown): boolean {
  switch (type.t) {
    case 'null':
      return value === null;
    case 'number':
      return typeof value === 'number';
    case 'int':
      return Number.isSafeInteger(value) && (type.min === undefined || (value as number) >= type.min);
    case 'bool':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'tensor':
      return value instanceof Tensor;
    case 'network':
      return value instanceof Network;
    case 'enum':
      return type.values.includes(value as string | number);
    case 'array':
      return Array.isArray(value) && value.every((x) => matchesParamType(type.of, x));
    case 'nullable':
      return value === null || matchesParamType(type.of, value);
    case 'record':
      return isPlainObject(value) && Object.values(value).every((x) => matchesParamType(type.of, x));
    case 'union':
      return type.of.some((t) => matchesParamType(t, value));
    case 'object':
      return isPlainObject(value) && fieldsProblem(type.fields, value) === undefined;
  }
}

/** The first param that is missing, unknown or of the wrong type, as [path, expected, got]. */
function fieldsProblem(fields: ParamFields, value: Record<string, unknown>, prefix = ''): [string, string, string] | undefined {
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(fields, key)) return [`${prefix}${key}`, 'absent (no such parameter)', shown(value[key])];
  }
  for (const [key, field] of Object.entries(fields)) {
    const v = value[key];
    if (v === undefined) {
      if (field.optional) continue;
      return [`${prefix}${key}`, describeParamType(field.type), 'nothing'];
    }
    if (field.type.t === 'object' && isPlainObject(v)) {
      const inner = fieldsProblem(field.type.fields, v, `${prefix}${key}.`);
      if (inner) return inner;
      continue;
    }
    if (!matchesParamType(field.type, v)) {
      if (field.type.t === 'array' && Array.isArray(v)) {
        const of = field.type.of;
        const at = v.findIndex((x) => !matchesParamType(of, x));
        return [`${prefix}${key}[${at}]`, describeParamType(of), shown(v[at])];
      }
      return [`${prefix}${key}`, describeParamType(field.type), shown(v)];
    }
  }
  return undefined;
}

/** Relations between params that the types alone cannot say; a sentence about the layer, or undefined. */
function relationsProblem(layer: AnyLayer): string | undefined {
  const sameLength = (names: string[], lists: readonly (readonly unknown[] | undefined)[]) => {
    // An empty list means the default for every spatial dim.
    const present = lists.filter((l): l is readonly unknown[] => l !== undefined && l.length > 0);
    return present.some((l) => l.length !== present[0]!.length)
      ? `has ${names.join(', ')} of lengths ${lists.map((l) => l?.length ?? '-').join(', ')}; each needs one entry per spatial dim (or none)`
      : undefined;
  };
  switch (layer.kind) {
    case 'convolution':
    case 'deconvolution': {
      const p = layer.params;
      return sameLength(
        ['kernelShape', 'strides', 'padsBegin', 'padsEnd', 'dilations'],
        [p.kernelShape, p.strides, p.padsBegin, p.padsEnd, p.dilations],
      );
    }
    case 'pooling': {
      const p = layer.params;
      return p.global
        ? undefined
        : sameLength(
            ['window', 'strides', 'padsBegin', 'padsEnd', 'dilations'],
            [p.window, p.strides, p.padsBegin, p.padsEnd, p.dilations],
          );
    }
    case 'scan': {
      const p = layer.params;
      if (p.scanInputAxes.length !== p.numScanInputs || p.scanInputDirections.length !== p.numScanInputs) {
        return `needs one scan input axis and direction per scan input (numScanInputs = ${p.numScanInputs})`;
      }
      if (p.scanOutputAxes.length !== p.scanOutputDirections.length) return 'needs one direction per scan output axis';
      return undefined;
    }
    case 'recurrent':
      return layer.params.activations.length === 0 ? 'needs its cell activations' : undefined;
    default:
      return undefined;
  }
}

/**
 * What is wrong with `params` for a layer whose schema is `fields`, as a sentence that follows
 * "this layer" ("has param 'strides' = "x"; it must be an array of integer ≥ 1s"); undefined when
 * they are what the kind takes.
 */
export function paramsProblem(layer: AnyLayer, fields: ParamFields): string | undefined {
  const params = layer.params as unknown;
  if (!isPlainObject(params)) return `has params ${shown(params)}; they must be an object`;
  const problem = fieldsProblem(fields, params);
  if (problem) {
    const [path, expected, got] = problem;
    return `has param '${path}' = ${got}; it must be ${expected}`;
  }
  return relationsProblem(layer);
}

export interface CheckParamsOptions {
  /** The error code to throw (INVALID_ATTRIBUTE unless the caller knows better, e.g. PLAN_CORRUPTED). */
  code?: ErrorCode;
  /** Put before "this layer …" in the message. */
  prefix?: string;
  hint?: string;
}

/** Throws a KilnError naming the layer and the param when `layer.params` do not fit `fields`. */
export function checkParamsAgainst(layer: AnyLayer, fields: ParamFields, where: LayerContext, options: CheckParamsOptions = {}): void {
  const problem = paramsProblem(layer, fields);
  if (problem === undefined) return;
  throw new KilnError(options.code ?? ErrorCode.INVALID_ATTRIBUTE, `${options.prefix ?? ''}this layer ${problem}`, {
    layer: where,
    hint: options.hint ?? 'fix the layer params to what its kind takes (see LAYER_DEFS[kind].params)',
  });
}
