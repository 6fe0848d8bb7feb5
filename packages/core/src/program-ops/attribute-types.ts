/**
 * Checks a Program op's attribute values against their ParamType (the schema types LayerDefs
 * use, judged by the same traversal as layer params, with the Program's policy), and the
 * attribute types several op families share.
 */
import type { ParamField, ParamType } from '../layer-def.js';
import { PROGRAM_ATTRIBUTE_POLICY, paramMismatch } from '../layer-defs/check-params.js';
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

/** Why `value` is not of `type`, as "<path> = <value> must be <type>", or undefined when it is. */
export function typeMismatch(type: ParamType, value: unknown, path: string, show: (v: unknown) => string): string | undefined {
  const m = paramMismatch(type, value, path, PROGRAM_ATTRIBUTE_POLICY);
  if (!m) return undefined;
  return m.missing ? `${m.path} is missing; it must be ${m.expected}` : `${m.path} = ${show(m.got)} must be ${m.expected}`;
}
