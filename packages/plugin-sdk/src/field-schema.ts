/**
 * A plugin's fields as a typed schema: each field says its type, whether it may be left out,
 * its default and its bounds. The schema types the values `cpu(ctx)` receives and is what
 * validation checks a layer's fields against. Values are what a plugin layer can hold
 * (core's PluginFieldValue): numbers, strings, booleans, their arrays, and tensors.
 */
import type { Tensor } from '@kiln-inference/core';

interface FieldBase<T> {
  /** One line for docs and error messages. */
  readonly doc?: string;
  /** The value an absent field takes; a field with a default is never undefined. */
  readonly default?: T;
  /** An absent field without a default is undefined instead of an error. */
  readonly optional?: boolean;
}

interface Bounds {
  readonly min?: number;
  readonly max?: number;
}

export type FieldSpec =
  | ({ readonly type: 'float' } & FieldBase<number> & Bounds)
  | ({ readonly type: 'int' } & FieldBase<number> & Bounds)
  | ({ readonly type: 'bool' } & FieldBase<boolean>)
  | ({ readonly type: 'string'; readonly oneOf?: readonly string[] } & FieldBase<string>)
  | ({ readonly type: 'floats'; readonly length?: number } & FieldBase<readonly number[]> & Bounds)
  | ({ readonly type: 'ints'; readonly length?: number } & FieldBase<readonly number[]> & Bounds)
  | ({ readonly type: 'strings'; readonly length?: number } & FieldBase<readonly string[]>)
  | ({ readonly type: 'tensor' } & Omit<FieldBase<Tensor>, 'default'>);

export type FieldType = FieldSpec['type'];

export type FieldSchema = { readonly [name: string]: FieldSpec };

interface ValueOfType {
  float: number;
  int: number;
  bool: boolean;
  string: string;
  floats: number[];
  ints: number[];
  strings: string[];
  tensor: Tensor;
}

type ValueOf<S extends FieldSpec> = S extends { type: 'string'; oneOf: readonly (infer U)[] } ? U : ValueOfType[S['type']];

type MaybeAbsent<S extends FieldSpec> = S extends { default: unknown } ? never : S extends { optional: true } ? undefined : never;

/** The values a schema describes, as `cpu(ctx)` and `outputs` see them (defaults applied). */
export type FieldValues<S extends FieldSchema> = { readonly [K in keyof S]: ValueOf<S[K]> | MaybeAbsent<S[K]> };

/** Field values as a user writes them for `Plugin.node()`: fields with a default or `optional` may be left out. */
export type FieldInput<S extends FieldSchema> = {
  readonly [K in keyof S as S[K] extends { default: unknown } | { optional: true } ? never : K]: ValueOf<S[K]>;
} & {
  readonly [K in keyof S as S[K] extends { default: unknown } | { optional: true } ? K : never]?: ValueOf<S[K]>;
};

type Options<S extends FieldSpec> = Omit<S, 'type'>;

/**
 * Field constructors: `field.float({ default: 0 })`, `field.ints({ length: 2 })`,
 * `field.string({ oneOf: ['nearest', 'linear'] as const })`. The literal types are kept so
 * FieldValues knows which fields have defaults.
 */
export const field = {
  float: <const O extends Options<Extract<FieldSpec, { type: 'float' }>>>(options?: O) => ({ type: 'float', ...options }) as const,
  int: <const O extends Options<Extract<FieldSpec, { type: 'int' }>>>(options?: O) => ({ type: 'int', ...options }) as const,
  bool: <const O extends Options<Extract<FieldSpec, { type: 'bool' }>>>(options?: O) => ({ type: 'bool', ...options }) as const,
  string: <const O extends Options<Extract<FieldSpec, { type: 'string' }>>>(options?: O) => ({ type: 'string', ...options }) as const,
  floats: <const O extends Options<Extract<FieldSpec, { type: 'floats' }>>>(options?: O) => ({ type: 'floats', ...options }) as const,
  ints: <const O extends Options<Extract<FieldSpec, { type: 'ints' }>>>(options?: O) => ({ type: 'ints', ...options }) as const,
  strings: <const O extends Options<Extract<FieldSpec, { type: 'strings' }>>>(options?: O) => ({ type: 'strings', ...options }) as const,
  tensor: <const O extends Options<Extract<FieldSpec, { type: 'tensor' }>>>(options?: O) => ({ type: 'tensor', ...options }) as const,
};
