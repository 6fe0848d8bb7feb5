/** A small Program builder for the validator tests: arena values are placed one after another. */
import {
  PROGRAM_DTYPE_ARRAYS,
  type Program,
  type ProgramData,
  type ProgramDType,
  type ProgramOp,
  type ProgramValue,
  programDTypeBytes,
} from '../../src/index.js';

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export class ProgramBuilder {
  readonly values: ProgramValue[] = [];
  readonly weights: ProgramData[] = [];
  readonly ops: ProgramOp[] = [];
  readonly inputs: number[] = [];
  readonly outputs: number[] = [];
  arenaBytes = 0;

  private add(name: string, shape: readonly number[], storage: ProgramValue['storage'], dtype: ProgramDType): number {
    this.values.push({ name, dtype, shape: [...shape], storage });
    return this.values.length - 1;
  }

  input(name: string, shape: readonly number[], dtype: ProgramDType = 'float32'): number {
    const id = this.add(name, shape, { kind: 'input', index: this.inputs.length }, dtype);
    this.inputs.push(id);
    return id;
  }

  /** A weight of zeros (the validator never reads the data, only its type and length). */
  weight(name: string, shape: readonly number[], dtype: ProgramDType = 'float32'): number {
    this.weights.push(new PROGRAM_DTYPE_ARRAYS[dtype](sizeOf(shape)));
    return this.add(name, shape, { kind: 'weight', index: this.weights.length - 1 }, dtype);
  }

  /** An arena value after the others, at an offset aligned for any dtype. */
  arena(name: string, shape: readonly number[], dtype: ProgramDType = 'float32'): number {
    const offset = Math.ceil(this.arenaBytes / 8) * 8;
    this.arenaBytes = offset + programDTypeBytes(dtype) * sizeOf(shape);
    return this.add(name, shape, { kind: 'arena', offset }, dtype);
  }

  /** A value over another arena value's bytes, `elementOffset` elements in (views, in place). */
  view(name: string, shape: readonly number[], of: number, elementOffset = 0): number {
    const s = this.values[of]!.storage;
    if (s.kind !== 'arena') throw new Error('views need an arena value');
    const dtype = this.values[of]!.dtype;
    return this.add(name, shape, { kind: 'arena', offset: s.offset + programDTypeBytes(dtype) * elementOffset }, dtype);
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
