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

/**
 * How values are judged against a ParamType. Layer params refuse object keys their schema does
 * not name and may hold tensors and networks; Program attributes are plain data that may carry
 * fields for other tools, and hold value ids, never tensors or networks.
 */
export interface ParamTypePolicy {
  unknownKeys: 'refuse' | 'allow';
  graphValues: boolean;
}

export const LAYER_PARAM_POLICY: ParamTypePolicy = { unknownKeys: 'refuse', graphValues: true };
export const PROGRAM_ATTRIBUTE_POLICY: ParamTypePolicy = { unknownKeys: 'allow', graphValues: false };

/** The first place where a value is not of its type: its path, what it must be, and what it is (absent when missing). */
export interface ParamMismatch {
  path: string;
  expected: string;
  got?: unknown;
  missing?: true;
}

const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Where `value` first differs from `type` (the one traversal behind every param and attribute check), or undefined. */
export function paramMismatch(type: ParamType, value: unknown, path: string, policy: ParamTypePolicy): ParamMismatch | undefined {
  const wrong = (): ParamMismatch => ({ path, expected: describeParamType(type), got: value });
  switch (type.t) {
    case 'null':
      return value === null ? undefined : wrong();
    case 'number':
      return typeof value === 'number' ? undefined : wrong();
    case 'int':
      return Number.isSafeInteger(value) && (type.min === undefined || (value as number) >= type.min) ? undefined : wrong();
    case 'bool':
      return typeof value === 'boolean' ? undefined : wrong();
    case 'string':
      return typeof value === 'string' ? undefined : wrong();
    case 'tensor':
      return policy.graphValues && value instanceof Tensor ? undefined : wrong();
    case 'network':
      return policy.graphValues && value instanceof Network ? undefined : wrong();
    case 'enum':
      return type.values.includes(value as string | number) ? undefined : wrong();
    case 'array': {
      if (!Array.isArray(value)) return wrong();
      for (let i = 0; i < value.length; i++) {
        const inner = paramMismatch(type.of, value[i], `${path}[${i}]`, policy);
        if (inner) return inner;
      }
      return undefined;
    }
    case 'nullable': {
      if (value === null) return undefined;
      const inner = paramMismatch(type.of, value, path, policy);
      // The value itself is wrong: say that null would do too.
      return inner && inner.path === path ? wrong() : inner;
    }
    case 'record': {
      if (!isPlainObject(value)) return wrong();
      for (const [k, v] of Object.entries(value)) {
        const inner = paramMismatch(type.of, v, child(path, k), policy);
        if (inner) return inner;
      }
      return undefined;
    }
    case 'union':
      return type.of.some((t) => paramMismatch(t, value, path, policy) === undefined) ? undefined : wrong();
    case 'object': {
      if (!isPlainObject(value)) return wrong();
      if (policy.unknownKeys === 'refuse') {
        const unknown = Object.keys(value).find((k) => !Object.hasOwn(type.fields, k));
        if (unknown !== undefined) return { path: child(path, unknown), expected: 'absent (no such parameter)', got: value[unknown] };
      }
      for (const [k, field] of Object.entries(type.fields)) {
        const v = value[k];
        if (v === undefined) {
          if (field.optional) continue;
          return { path: child(path, k), expected: describeParamType(field.type), missing: true };
        }
        const inner = paramMismatch(field.type, v, child(path, k), policy);
        if (inner) return inner;
      }
      return undefined;
    }
  }
}

/** True when `value` has the runtime type `type` describes (as a layer param). */
export function matchesParamType(type: ParamType, value: unknown): boolean {
  return paramMismatch(type, value, '', LAYER_PARAM_POLICY) === undefined;
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
  const problem = paramMismatch({ t: 'object', fields }, params, '', LAYER_PARAM_POLICY);
  if (problem) return `has param '${problem.path}' = ${problem.missing ? 'nothing' : shown(problem.got)}; it must be ${problem.expected}`;
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
