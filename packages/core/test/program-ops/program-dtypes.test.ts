/**
 * Program v2 dtypes: each value's dtype against its op's operand specs, typed weights, arena
 * sizes and alignment by dtype, and the index-math ops (cast, compare, where, gather,
 * gather_nd, arg_reduce, integer binary) with their shape rules.
 */
import { describe, expect, it } from 'vitest';
import { type Program, type ProgramDType, validateProgram } from '../../src/index.js';
import { ProgramBuilder } from './program-builder.js';

function invalid(program: Program, message: RegExp): void {
  expect(() => validateProgram(program)).toThrow(message);
}

function unaryProgram(
  xDtype: ProgramDType,
  yDtype: ProgramDType,
  op: (x: number, y: number) => Program['ops'][number],
  xShape = [2, 3],
  yShape = xShape,
): Program {
  const b = new ProgramBuilder();
  const x = b.input('x', xShape, xDtype);
  const y = b.arena('y', yShape, yDtype);
  return b.op(op(x, y)).output(y).build();
}

describe('Program value dtypes', () => {
  it('accepts integer arithmetic and refuses float-only ops, activations and mixed operands on integers', () => {
    const bin = (dtype: ProgramDType, type: 'add' | 'pow' | 'mod', extra = {}) => {
      const b = new ProgramBuilder();
      const a = b.input('a', [4], dtype);
      const c = b.weight('c', [1], dtype);
      const y = b.arena('y', [4], dtype);
      return b
        .op({ op: 'binary', type, a, b: c, y, ...extra })
        .output(y)
        .build();
    };
    expect(() => validateProgram(bin('int32', 'add'))).not.toThrow();
    expect(() => validateProgram(bin('int64', 'mod'))).not.toThrow();
    invalid(bin('int32', 'pow'), /'pow' takes float32 operands/);
    invalid(bin('int64', 'add', { activation: { type: 'relu' } }), /a fused activation needs float32 operands/);
    invalid(bin('bool', 'add'), /a is bool but must be float32 or int32 or int64/);
    const mixed = bin('int32', 'add');
    mixed.values[1] = { ...mixed.values[1]!, dtype: 'float32' };
    mixed.weights[0] = new Float32Array(1);
    invalid(mixed, /b is float32 but must have a's dtype int32/);
  });

  it('keeps float-only ops float32', () => {
    invalid(
      unaryProgram('int32', 'int32', (x, y) => ({ op: 'unary', type: 'abs', x, y })),
      /program op 0 \(unary\): value 0 'x' \[2, 3\]: x is int32 but must be float32/,
    );
  });

  it('types weights by their values and sizes and aligns arena values by dtype', () => {
    const b = new ProgramBuilder();
    const x = b.input('x', [2], 'int64');
    const w = b.weight('w', [2], 'int64');
    const y = b.arena('y', [2], 'int64');
    const program = b.op({ op: 'binary', type: 'add', a: x, b: w, y }).output(y).build();
    expect(() => validateProgram(program)).not.toThrow();
    invalid({ ...program, weights: [new Int32Array(2)] }, /weight 0 \(for value 1 'w', int64\) must be a BigInt64Array/);
    const misaligned = {
      ...program,
      values: program.values.map((v, i) => (i === 2 ? { ...v, storage: { kind: 'arena' as const, offset: 4 } } : v)),
    };
    invalid(misaligned, /occupies arena bytes \[4, 20\).*multiples of the dtype's size/);
    invalid({ ...program, arenaBytes: 15 }, /occupies arena bytes \[0, 16\) outside the arena of 15 bytes/);
    invalid({ ...program, values: program.values.map((v) => ({ ...v, dtype: 'float64' as ProgramDType })) }, /has dtype "float64"/);
  });

  it('moves any dtype with the data-movement ops, keeping it', () => {
    expect(() =>
      validateProgram(unaryProgram('bool', 'bool', (x, y) => ({ op: 'transpose', x, y, perm: [1, 0] }), [2, 3], [3, 2])),
    ).not.toThrow();
    invalid(
      unaryProgram('int32', 'int64', (x, y) => ({ op: 'copy', x, y })),
      /y is int64 but must have x's dtype int32/,
    );
    const b = new ProgramBuilder();
    const p = b.input('p', [2], 'int32');
    const q = b.input('q', [3], 'int64');
    const y = b.arena('y', [5], 'int32');
    invalid(
      b
        .op({ op: 'concat', inputs: [p, q], y, axis: 0 })
        .output(y)
        .build(),
      /every inputs value must have one dtype \(int32\)/,
    );
  });
});

describe('index-math ops', () => {
  it('cast converts between any dtypes with x shape', () => {
    expect(() => validateProgram(unaryProgram('int32', 'float32', (x, y) => ({ op: 'cast', x, y })))).not.toThrow();
    expect(() => validateProgram(unaryProgram('float32', 'bool', (x, y) => ({ op: 'cast', x, y })))).not.toThrow();
    invalid(
      unaryProgram('int32', 'float32', (x, y) => ({ op: 'cast', x, y }), [2, 3], [3, 2]),
      /y must be x's shape = \[2, 3\]/,
    );
  });

  it('compare writes bool and where selects with a three-way broadcast', () => {
    const b = new ProgramBuilder();
    const a = b.input('a', [3, 1], 'int64');
    const c = b.weight('c', [4], 'int64');
    const cond = b.arena('cond', [3, 4], 'bool');
    const f = b.weight('f', [1, 4]);
    const g = b.weight('g', [3, 1]);
    const y = b.arena('y', [3, 4]);
    b.op({ op: 'compare', type: 'less', a, b: c, y: cond });
    b.op({ op: 'where', condition: cond, a: f, b: g, y }).output(y);
    expect(() => validateProgram(b.build())).not.toThrow();
    const wrong = b.build();
    wrong.values[cond] = { ...wrong.values[cond]!, dtype: 'uint8' };
    invalid(wrong, /y is uint8 but must be bool/);
  });

  it('gather, gather_nd and arg_reduce follow the ONNX shape rules', () => {
    const gather = (axis: number, out: number[]) => {
      const b = new ProgramBuilder();
      const x = b.input('x', [4, 5, 6]);
      const i = b.weight('i', [2, 3], 'int32');
      const y = b.arena('y', out);
      return b.op({ op: 'gather', x, indices: i, y, axis }).output(y).build();
    };
    expect(() => validateProgram(gather(1, [4, 2, 3, 6]))).not.toThrow();
    expect(() => validateProgram(gather(-1, [4, 5, 2, 3]))).not.toThrow();
    invalid(gather(3, [4, 5, 6]), /axis 3 is out of range for rank 3/);

    const nd = (indices: number[], out: number[]) => {
      const b = new ProgramBuilder();
      const x = b.input('x', [4, 5, 6]);
      const i = b.weight('i', indices, 'int64');
      const y = b.arena('y', out);
      return b.op({ op: 'gather_nd', x, indices: i, y }).output(y).build();
    };
    expect(() => validateProgram(nd([17, 2], [17, 6]))).not.toThrow();
    expect(() => validateProgram(nd([3], [1].slice(1)))).not.toThrow();
    invalid(nd([2, 4], [2]), /indices \[2, 4\] need a last dim <= x's rank/);

    const arg = (xShape: number[], yShape: number[], yDtype: ProgramDType = 'int64') =>
      unaryProgram('float32', yDtype, (x, y) => ({ op: 'arg_reduce', type: 'max', x, y, axis: 1, selectLastIndex: false }), xShape, yShape);
    expect(() => validateProgram(arg([2, 5, 3], [2, 1, 3]))).not.toThrow();
    invalid(arg([2, 5, 3], [2, 1, 3], 'float32'), /y is float32 but must be int32 or int64/);
    invalid(arg([2, 0, 3], [2, 1, 3]), /axis 1 is empty/);
  });
});
