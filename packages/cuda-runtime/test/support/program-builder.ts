/** Hand-written float32 Programs for the executor tests: each arena value gets its own slot. */
import type { Program, ProgramOp, ProgramValue } from '@kiln-inference/core';
import { mulberry32 } from '@kiln-inference/testkit';

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function randomArray(n: number, seed: number, low = -1, high = 1): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => low + (high - low) * rand());
}

export class ProgramBuilder {
  private readonly values: ProgramValue[] = [];
  private readonly weights: Float32Array[] = [];
  private readonly ops: ProgramOp[] = [];
  private readonly inputs: number[] = [];
  private arenaBytes = 0;
  /** Host copies of every value computed so far by the reference, by id. */
  readonly data = new Map<number, Float32Array>();

  input(name: string, shape: number[], data: Float32Array): number {
    const id = this.values.push({ name, dtype: 'float32', shape, storage: { kind: 'input', index: this.inputs.length } }) - 1;
    this.inputs.push(id);
    this.data.set(id, data);
    return id;
  }

  weight(name: string, shape: number[], data: Float32Array): number {
    const id = this.values.push({ name, dtype: 'float32', shape, storage: { kind: 'weight', index: this.weights.length } }) - 1;
    this.weights.push(data);
    this.data.set(id, data);
    return id;
  }

  /** A fresh arena value; `reference` computes its contents on the host. */
  value(name: string, shape: number[]): number {
    const id = this.values.push({ name, dtype: 'float32', shape, storage: { kind: 'arena', offset: this.arenaBytes } }) - 1;
    this.arenaBytes += size(shape) * 4;
    return id;
  }

  /** A value stored over `base` (an in-place op's output: same shape, same bytes). */
  alias(name: string, base: number): number {
    const storage = this.values[base]?.storage;
    if (storage?.kind !== 'arena') throw new Error('only arena values can be aliased');
    return this.values.push({ name, dtype: 'float32', shape: this.shape(base), storage }) - 1;
  }

  op(op: ProgramOp, reference: Float32Array): void {
    this.ops.push(op);
    this.data.set(op.y, reference);
  }

  shape(id: number): number[] {
    return this.values[id]?.shape ?? [];
  }

  get(id: number): Float32Array {
    const d = this.data.get(id);
    if (!d) throw new Error(`no reference data for value ${id}`);
    return d;
  }

  build(outputs: number[]): Program {
    return {
      values: this.values,
      weights: this.weights,
      ops: this.ops,
      inputs: this.inputs,
      outputs,
      arenaBytes: this.arenaBytes,
    };
  }
}
