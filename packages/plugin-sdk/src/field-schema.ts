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

type Options<T extends FieldType> = Omit<Extract<FieldSpec, { type: T }>, 'type'>;

/** A constructor for fields of one type, keeping the options' literal types (which fields have defaults). */
function fieldOf<T extends FieldType>(type: T) {
  return <const O extends Options<T> = Options<T>>(options?: O): { readonly type: T } & O =>
    ({ type, ...options }) as { readonly type: T } & O;
}

/**
 * Field constructors: `field.float({ default: 0 })`, `field.ints({ length: 2 })`,
 * `field.string({ oneOf: ['nearest', 'linear'] })`.
 */
export const field = {
  float: fieldOf('float'),
  int: fieldOf('int'),
  bool: fieldOf('bool'),
  string: fieldOf('string'),
  floats: fieldOf('floats'),
  ints: fieldOf('ints'),
  strings: fieldOf('strings'),
  tensor: fieldOf('tensor'),
};
