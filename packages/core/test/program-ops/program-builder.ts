/** A small Program builder for the validator tests: arena values are placed one after another. */
import type { Program, ProgramOp, ProgramValue } from '../../src/index.js';

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export class ProgramBuilder {
  readonly values: ProgramValue[] = [];
  readonly weights: Float32Array[] = [];
  readonly ops: ProgramOp[] = [];
  readonly inputs: number[] = [];
  readonly outputs: number[] = [];
  arenaBytes = 0;

  private add(name: string, shape: readonly number[], storage: ProgramValue['storage']): number {
    this.values.push({ name, shape: [...shape], storage });
    return this.values.length - 1;
  }

  input(name: string, shape: readonly number[]): number {
    const id = this.add(name, shape, { kind: 'input', index: this.inputs.length });
    this.inputs.push(id);
    return id;
  }

  /** A weight filled with 0.5 (the validator never reads the data, only its length). */
  weight(name: string, shape: readonly number[]): number {
    this.weights.push(new Float32Array(sizeOf(shape)).fill(0.5));
    return this.add(name, shape, { kind: 'weight', index: this.weights.length - 1 });
  }

  arena(name: string, shape: readonly number[]): number {
    const offset = this.arenaBytes;
    this.arenaBytes += 4 * sizeOf(shape);
    return this.add(name, shape, { kind: 'arena', offset });
  }

  /** A value over another arena value's bytes, `elementOffset` elements in (views, in place). */
  view(name: string, shape: readonly number[], of: number, elementOffset = 0): number {
    const s = this.values[of]!.storage;
    if (s.kind !== 'arena') throw new Error('views need an arena value');
    return this.add(name, shape, { kind: 'arena', offset: s.offset + 4 * elementOffset });
  }

  op(op: ProgramOp): this {
    this.ops.push(op);
    return this;
  }

  output(id: number): this {
    this.outputs.push(id);
    return this;
  }

  build(): Program {
    return {
      values: this.values,
      weights: this.weights,
      ops: this.ops,
      inputs: this.inputs,
      outputs: this.outputs,
      arenaBytes: this.arenaBytes,
    };
  }
}
