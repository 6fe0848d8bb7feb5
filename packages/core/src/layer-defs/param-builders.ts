/**
 * Small constructors for param schemas, so each LayerDef states its params in one readable
 * line per field: `axis: req(int())`, `keepDims: opt(bool, true)`.
 */
import { DTYPES } from '../dtype.js';
import type { ParamField, ParamType } from '../layer-def.js';

export const number: ParamType = { t: 'number' };
export const bool: ParamType = { t: 'bool' };
export const string: ParamType = { t: 'string' };
export const tensor: ParamType = { t: 'tensor' };
export const network: ParamType = { t: 'network' };
export const int = (min?: number): ParamType => (min === undefined ? { t: 'int' } : { t: 'int', min });
export const oneOf = (...values: readonly (string | number)[]): ParamType => ({ t: 'enum', values });
export const arrayOf = (of: ParamType): ParamType => ({ t: 'array', of });
export const nullable = (of: ParamType): ParamType => ({ t: 'nullable', of });
export const objectOf = (fields: { readonly [key: string]: ParamField }): ParamType => ({ t: 'object', fields });

export const req = (type: ParamType): ParamField => ({ type, optional: false });
export const opt = (type: ParamType, defaultValue?: unknown): ParamField =>
  defaultValue === undefined ? { type, optional: true } : { type, optional: true, default: defaultValue };

export const dtype = oneOf(...DTYPES);
export const axis = int();
export const axes = arrayOf(int());
export const positive = arrayOf(int(1));
export const pads = arrayOf(int());

/** Lists every member of a string union T, checked by the compiler. */
export function allOf<T extends string>() {
  return <const A extends readonly T[]>(
    ...values: A & (Exclude<T, A[number]> extends never ? unknown : { missing: Exclude<T, A[number]> })
  ) => values as readonly T[];
}
