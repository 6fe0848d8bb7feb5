/**
 * Checks a Program op's attribute values against their ParamType (the schema types LayerDefs
 * use), and the attribute types several op families share.
 */
import type { ParamField, ParamType } from '../layer-def.js';
import { describeParamType } from '../layer-defs/check-params.js';
import { arrayOf, int, number, objectOf, oneOf, opt, req } from '../layer-defs/param-builders.js';
import { ACTIVATION_TYPES } from '../layers.js';

/** 'none' marks an op with no fused activation. */
export const activationType: ParamType = objectOf({
  type: req(oneOf(...ACTIVATION_TYPES, 'none')),
  alpha: opt(number),
  beta: opt(number),
});

/** A fused activation epilogue, absent when there is none. */
export const fusedActivation: ParamField = opt(activationType);

/** Integers >= 1 per spatial axis (strides, dilations, windows). */
export const positiveInts = arrayOf(int(1));
/** Integers >= 0 (conv and pool pads). */
export const nonNegativeInts = arrayOf(int(0));

/**
 * Why `value` is not of `type`, as "<path> = <value> must be <type>", or undefined when it is.
 * Unknown object keys are allowed (a Program may carry fields for other tools).
 */
export function typeMismatch(type: ParamType, value: unknown, path: string, show: (v: unknown) => string): string | undefined {
  const wrong = () => `${path} = ${show(value)} must be ${describeParamType(type)}`;
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
    case 'network':
      // Programs hold value ids, never tensors or networks, as attributes.
      return wrong();
    case 'enum':
      return type.values.includes(value as string | number) ? undefined : wrong();
    case 'array': {
      if (!Array.isArray(value)) return wrong();
      for (let i = 0; i < value.length; i++) {
        const inner = typeMismatch(type.of, value[i], `${path}[${i}]`, show);
        if (inner) return `${inner} (${path} must be ${describeParamType(type)})`;
      }
      return undefined;
    }
    case 'nullable':
      return value === null ? undefined : typeMismatch(type.of, value, path, show);
    case 'record': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return wrong();
      for (const [k, v] of Object.entries(value)) {
        const inner = typeMismatch(type.of, v, `${path}.${k}`, show);
        if (inner) return inner;
      }
      return undefined;
    }
    case 'union':
      return type.of.some((t) => typeMismatch(t, value, path, show) === undefined) ? undefined : wrong();
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return wrong();
      const record = value as Record<string, unknown>;
      for (const [k, field] of Object.entries(type.fields)) {
        if (record[k] === undefined) {
          if (!field.optional) return `${path}.${k} is missing; it must be ${describeParamType(field.type)}`;
          continue;
        }
        const inner = typeMismatch(field.type, record[k], `${path}.${k}`, show);
        if (inner) return inner;
      }
      return undefined;
    }
  }
}
