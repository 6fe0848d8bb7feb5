/**
 * Checks a decoded layer's params against LAYER_PARAM_TYPES, plus the few relations between
 * params that every consumer assumes (one stride per kernel dim, one scan axis per scan input),
 * so a re-signed plan with a wrong value fails at load as PLAN_CORRUPTED naming the layer, the
 * param and the type it needs, instead of somewhere in the builder or a lowerer.
 */
import { type AnyLayer, ErrorCode, KilnError, type LayerKind, Network, Tensor } from '@kiln/core';
import { LAYER_PARAM_TYPES, type ParamFields, type ParamType } from './layer-param-types.js';

export interface LayerWhere {
  name: string;
  kind: string;
  index: number;
}

function describeType(type: ParamType): string {
  switch (type.t) {
    case 'null':
      return 'null';
    case 'number':
      return 'a number';
    case 'int':
      return type.min === undefined ? 'an integer' : `an integer ≥ ${type.min}`;
    case 'bool':
      return 'a boolean';
    case 'string':
      return 'a string';
    case 'tensor':
      return 'a tensor';
    case 'network':
      return 'a network';
    case 'enum':
      return `one of ${type.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'array':
      return `an array of ${describeType(type.of).replace(/^an? /, '')}s`;
    case 'nullable':
      return `${describeType(type.of)} or null`;
    case 'record':
      return 'an object';
    case 'union':
      return type.of.map(describeType).join(' or ');
    case 'object':
      return `an object { ${Object.keys(type.fields).join(', ')} }`;
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

function matches(type: ParamType, value: unknown): boolean {
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
      return Array.isArray(value) && value.every((x) => matches(type.of, x));
    case 'nullable':
      return value === null || matches(type.of, value);
    case 'record':
      return isPlainObject(value) && Object.values(value).every((x) => matches(type.of, x));
    case 'union':
      return type.of.some((t) => matches(t, value));
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
      return [`${prefix}${key}`, describeType(field.type), 'nothing'];
    }
    if (field.type.t === 'object' && isPlainObject(v)) {
      const inner = fieldsProblem(field.type.fields, v, `${prefix}${key}.`);
      if (inner) return inner;
      continue;
    }
    if (!matches(field.type, v)) {
      if (field.type.t === 'array' && Array.isArray(v)) {
        const at = v.findIndex((x) => !matches((field.type as { of: ParamType }).of, x));
        return [`${prefix}${key}[${at}]`, describeType(field.type.of), shown(v[at])];
      }
      return [`${prefix}${key}`, describeType(field.type), shown(v)];
    }
  }
  return undefined;
}

function fail(where: LayerWhere, message: string): never {
  // KilnError puts the layer in front of the message.
  throw new KilnError(ErrorCode.PLAN_CORRUPTED, `plan is corrupted: this layer ${message}`, {
    layer: where,
    hint: 'the plan was damaged or edited after it was built; rebuild it from the model with buildPlan() (kiln build)',
  });
}

/** Relations between params that the types alone cannot say. */
function checkRelations(layer: AnyLayer, where: LayerWhere): void {
  const sameLength = (names: string[], lists: readonly (readonly unknown[] | undefined)[]) => {
    // An empty list means the default for every spatial dim.
    const present = lists.filter((l): l is readonly unknown[] => l !== undefined && l.length > 0);
    if (present.some((l) => l.length !== present[0]!.length)) {
      fail(
        where,
        `has ${names.join(', ')} of lengths ${lists.map((l) => l?.length ?? '-').join(', ')}; each needs one entry per spatial dim (or none)`,
      );
    }
  };
  switch (layer.kind) {
    case 'convolution':
    case 'deconvolution': {
      const p = layer.params;
      sameLength(
        ['kernelShape', 'strides', 'padsBegin', 'padsEnd', 'dilations'],
        [p.kernelShape, p.strides, p.padsBegin, p.padsEnd, p.dilations],
      );
      break;
    }
    case 'pooling': {
      const p = layer.params;
      if (!p.global)
        sameLength(['window', 'strides', 'padsBegin', 'padsEnd', 'dilations'], [p.window, p.strides, p.padsBegin, p.padsEnd, p.dilations]);
      break;
    }
    case 'scan': {
      const p = layer.params;
      if (p.scanInputAxes.length !== p.numScanInputs || p.scanInputDirections.length !== p.numScanInputs) {
        fail(where, `needs one scan input axis and direction per scan input (numScanInputs = ${p.numScanInputs})`);
      }
      if (p.scanOutputAxes.length !== p.scanOutputDirections.length) fail(where, 'needs one direction per scan output axis');
      break;
    }
    case 'recurrent':
      if (layer.params.activations.length === 0) fail(where, 'needs its cell activations');
      break;
    default:
      break;
  }
}

/** Throws PLAN_CORRUPTED naming the layer and param when `layer.params` is not what its kind takes. */
export function checkLayerParams(layer: AnyLayer, where: LayerWhere): void {
  const fields = LAYER_PARAM_TYPES[layer.kind as LayerKind] as ParamFields;
  const params = layer.params as unknown;
  if (!isPlainObject(params)) fail(where, `has params ${shown(params)}; they must be an object`);
  const problem = fieldsProblem(fields, params);
  if (problem) {
    const [path, expected, got] = problem;
    fail(where, `has param '${path}' = ${got}; it must be ${expected}`);
  }
  checkRelations(layer, where);
}
