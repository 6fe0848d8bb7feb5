/**
 * What a shape-inference rule sees of one node: the dtype and shape of each input (null when
 * unknown), the value of small integer inputs when known (dims may be symbolic: the value of
 * `Shape(x)` for x: [batch, 3] is ['batch', 3]), the attributes and the opset.
 */
import {
  type AttributeOf,
  type AttributeValue,
  attr,
  checkCount,
  type Dim,
  type DType,
  type GraphNode,
  type Shape,
  type ValueType,
} from '@kiln-inference/core';

export interface TensorInfo {
  dtype: DType | null;
  shape: Shape | null;
}

/** A known integer value of a 0-D or 1-D tensor; elements may be symbolic or unknown. */
export interface KnownValue {
  scalar: boolean;
  dims: Dim[];
}

export interface InferenceResult {
  info: TensorInfo;
  value?: KnownValue;
  /** Set for values that are not tensors: sequences, optionals, maps. */
  container?: ValueType;
}

export type InferenceRule = (node: NodeView) => (InferenceResult | TensorInfo | null)[];

export const UNKNOWN: TensorInfo = { dtype: null, shape: null };

export class NodeView {
  constructor(
    readonly node: GraphNode,
    private readonly infos: readonly (TensorInfo | null)[],
    private readonly values: readonly (KnownValue | null)[],
    readonly opset: number,
    private readonly containers: readonly (ValueType | null)[] = [],
  ) {}

  /** The type of a sequence / optional / map input; null for tensors and unknowns. */
  container(i: number): ValueType | null {
    return this.containers[i] ?? null;
  }

  get inputCount(): number {
    return this.node.inputs.filter((v) => v !== '').length;
  }

  has(i: number): boolean {
    return (this.node.inputs[i] ?? '') !== '';
  }

  input(i: number): TensorInfo {
    return this.infos[i] ?? UNKNOWN;
  }

  dtype(i: number): DType | null {
    return this.input(i).dtype;
  }

  shape(i: number): Shape | null {
    return this.input(i).shape;
  }

  rank(i: number): number | null {
    return this.shape(i)?.length ?? null;
  }

  value(i: number): KnownValue | null {
    return this.values[i] ?? null;
  }

  /** A known value whose elements are all concrete numbers. */
  numbers(i: number): number[] | null {
    const v = this.value(i);
    return v?.dims.every((d): d is number => typeof d === 'number') ? (v.dims as number[]) : null;
  }

  attr<K extends AttributeValue['kind']>(name: string, kind: K): AttributeOf<K> | undefined {
    return attr(this.node, name, kind);
  }

  int(name: string, fallback: number): number {
    return this.attr(name, 'int') ?? fallback;
  }

  ints(name: string): number[] | undefined {
    return this.attr(name, 'ints');
  }

  /**
   * A rank read from the model's data (a shape input's length, a dim) checked against the limit
   * maxRank before any rule sizes an array by it: a declared `int64[2147483648]` is a
   * RESOURCE_LIMIT naming this node, not a 2^31-element array.
   */
  checkedRank(rank: number, what: string): number {
    checkCount('maxRank', rank, what, { node: { name: this.node.name, op: this.node.op } });
    return rank;
  }
}

export function tensor(dtype: DType | null, shape: Shape | null): TensorInfo {
  return { dtype, shape };
}
