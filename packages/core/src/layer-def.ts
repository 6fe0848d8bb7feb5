/**
 * The contract every layer kind states once: what its params are, what its inputs and outputs
 * mean, what it computes about shapes and dtypes, and which traits the builder may rely on.
 * Converters, the builder's rules, the memory planner, lowering and plan decoding all ask the
 * LayerDef instead of keeping their own tables, and nothing learns a shape by running a kernel.
 * A user-defined layer (the plugin SDK) is a LayerDef too.
 */
import type { DType } from './dtype.js';
import type { Layer, LayerKind, LayerParamsMap } from './layers.js';
import type { Network } from './network.js';
import type { Dim, Shape } from './shape.js';
import type { Tensor } from './tensor.js';

/** A parameter's runtime type. Integers are safe integers; `min` bounds them from below. */
export type ParamType =
  | { readonly t: 'null' }
  | { readonly t: 'number' }
  | { readonly t: 'int'; readonly min?: number }
  | { readonly t: 'bool' }
  | { readonly t: 'string' }
  | { readonly t: 'tensor' }
  | { readonly t: 'network' }
  | { readonly t: 'enum'; readonly values: readonly (string | number)[] }
  | { readonly t: 'array'; readonly of: ParamType }
  | { readonly t: 'nullable'; readonly of: ParamType }
  | { readonly t: 'record'; readonly of: ParamType }
  | { readonly t: 'union'; readonly of: readonly ParamType[] }
  | { readonly t: 'object'; readonly fields: ParamFields };

export interface ParamField {
  readonly type: ParamType;
  readonly optional: boolean;
  /** What an absent optional field means (documentation and `withDefaults`); never for required fields. */
  readonly default?: unknown;
}

export type ParamFields = { readonly [key: string]: ParamField };

/** Every key of a kind's params, typed; the compiler lists what is missing. */
export type ParamSchema<K extends LayerKind> = { readonly [P in keyof Required<LayerParamsMap[K]>]: ParamField };

/**
 * What an input is for. `data`: a tensor computed on; `weight`: normally a constant (filters,
 * bias, scales), what precision and quantization passes rewrite; `shape`: a small integer
 * tensor whose *values* decide output shapes (reshape targets, slice bounds, pads, sizes) and
 * which must be known at build time for a static plan; `scalar`: a one-element operand such
 * as a fill value or a clip bound; `sequence`: a tensor sequence.
 */
export type InputRole = 'data' | 'weight' | 'shape' | 'scalar' | 'sequence';

export interface InputSpec {
  readonly name: string;
  readonly role: InputRole;
  /** May be '' or absent in `layer.inputs`. */
  readonly optional?: boolean;
  /** The last spec may repeat (concatenation, einsum, sequence_construct, loop carried values, …). */
  readonly variadic?: boolean;
}

export interface OutputSpec {
  readonly name: string;
  readonly optional?: boolean;
  /** The last spec may repeat (split, loop and scan outputs, …). */
  readonly variadic?: boolean;
}

export interface LayerTraits {
  /** Output i's element j depends only on element j of (broadcast) inputs. */
  readonly elementwise?: boolean;
  /** Output 0 may reuse input 0's buffer (same shape and dtype, each element read before written). */
  readonly inPlace?: boolean;
  /** Output 0 is input 0's bytes reinterpreted (reshape-like): no data moves. */
  readonly view?: boolean;
  /** Constant folding may evaluate it when every input is constant (false: random, plugins, control flow). */
  readonly foldable: boolean;
  /** Same inputs give the same outputs bit for bit (false: random fills). */
  readonly deterministic: boolean;
}

/** What inference knows about one value: its dtype and shape (null = unknown rank). */
export interface ValueFacts {
  readonly dtype: DType;
  readonly shape: Shape | null;
  /** 'sequence' for tensor sequences; dtype and shape then describe the elements. */
  readonly valueKind?: 'tensor' | 'sequence';
  /**
   * The value itself when it is known at build time (a constant, or a shape tensor computed
   * from static shapes): what `shape` role inputs need for a static output shape.
   */
  readonly value?: Tensor;
  /**
   * The elements of a small 1-D (or scalar) integer tensor as dims, where some are symbolic or
   * unknown: `shape` of an [N, 200, 1, 1] tensor is dims ['N', 200, 1, 1] without a value.
   * Shape operands read it when `value` is absent, so a symbolic dim survives shape arithmetic
   * (Shape → Slice → Concat → Reshape). `value` wins when both are set.
   */
  readonly dims?: readonly Dim[];
}

export interface InferContext<K extends LayerKind> {
  readonly layer: Layer<K>;
  /** Facts per entry of `layer.inputs`; undefined for an omitted optional input ('') or one nothing is known about. */
  readonly inputs: readonly (ValueFacts | undefined)[];
  /**
   * Facts of `body.outputs`, inferring the sub-network `body` (a branch, loop or scan body) from
   * facts of its inputs by name (inputs not in the map keep their declared facts). Supplied by
   * the registry's inferLayer; absent when a def is called on its own (use the declared descs then).
   */
  readonly inferBody?: (body: Network, inputs: ReadonlyMap<string, ValueFacts>) => InferResult;
}

/**
 * The output facts, one per entry of `layer.outputs` (an omitted output '' still gets an entry).
 * Dims that cannot be known before running (data-dependent sizes, arithmetic over symbols) are
 * null; a symbolic dim that passes through unchanged keeps its name.
 */
export type InferResult = ValueFacts[];

export interface LayerDef<K extends LayerKind = LayerKind> {
  readonly kind: K;
  /** One line for `kiln inspect` and docs. */
  readonly summary: string;
  readonly params: ParamSchema<K>;
  readonly inputs: readonly InputSpec[];
  readonly outputs: readonly OutputSpec[];
  readonly traits: LayerTraits;
  /**
   * Output dtypes and shapes from input facts and params; pure, never runs a kernel. Throws a
   * KilnError naming the layer when the inputs cannot be valid for it (rank too small, dims
   * that do not broadcast, a window larger than its padded input); returns null dims where a
   * fact is unknowable at build time.
   */
  infer(ctx: InferContext<K>): InferResult;
}

/** The registry type: a missing kind is a compile error. */
export type LayerDefs = { readonly [K in LayerKind]: LayerDef<K> };
