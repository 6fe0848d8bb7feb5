/**
 * Program v2 index math run natively against the reference interpreter (interpretProgram, the
 * oracle of program.ts semantics): integer binary on int32/int64 (wrapping, division and
 * remainder by zero, INT_MIN / −1), float mod/fmod, compare, where, cast between every pair
 * of dtypes (NaN, ±Inf and huge floats into integers), gather and gather_nd with negative and
 * out-of-range indices, arg max/min with ties and NaN, and the data-movement ops on int64, bool
 * and int8 values. Then hostile dtype Programs, refused by the addon's own validator (no
 * TypeScript in front of it) and by validateProgram, each naming the op.
 */
import {
  ErrorCode,
  KilnError,
  PROGRAM_COMPARE_OPS,
  PROGRAM_DTYPES,
  type Program,
  type ProgramBinaryOp,
  type ProgramData,
  type ProgramDType,
  validateProgram,
} from '@kiln-inference/core';
import { mulberry32 } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { nativeErrorToKilnError } from '../../src/index.js';
import { expectMatchesInterpreter, loadCudaCreateProgram, native, ProgramBuilder, sizeOf, skipReason } from './program-harness.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * `n` seeded values of `dtype`, the first few from `edges` (the cases that trap or saturate
 * elsewhere), the rest random in a small range so ties, zeros and signs all occur.
 */
function data(dtype: ProgramDType, n: number, seed: number, edges: readonly (number | bigint)[] = []): ProgramData {
  const rand = mulberry32(seed);
  const small = () => Math.floor(rand() * 13) - 6;
  const values = Array.from({ length: n }, (_, i) => (i < edges.length ? edges[i]! : small()));
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values, (v, i) => (i < edges.length ? Number(v) : (rand() - 0.5) * 8));
    case 'int32':
      return Int32Array.from(values, Number);
    case 'int64':
      return BigInt64Array.from(values, (v) => BigInt(v));
    case 'int8':
      return Int8Array.from(values, Number);
    case 'uint8':
      return Uint8Array.from(values, (v) => Math.abs(Number(v)));
    case 'bool':
      return Uint8Array.from(values, (v) => (Number(v) > 0 ? 1 : 0));
  }
}

const INT_EDGES: Record<'int32' | 'int64', (number | bigint)[]> = {
  int32: [INT32_MIN, INT32_MAX, 0, -1, 7, -7, INT32_MIN, 1],
  int64: [INT64_MIN, INT64_MAX, 0n, -1n, 7n, -7n, INT64_MIN, 1n],
};
/** Divisors paired with INT_EDGES: x/0, INT_MIN/−1, INT_MAX/−1, 0/0 … */
const DIVISOR_EDGES: Record<'int32' | 'int64', (number | bigint)[]> = {
  int32: [-1, -1, 0, 0, -2, 2, 3, 0],
  int64: [-1n, -1n, 0n, 0n, -2n, 2n, 3n, 0n],
};

/** y = a ∘ b over two feeds of `dtype`. */
function binaryProgram(type: ProgramBinaryOp, dtype: ProgramDType, aShape: number[], bShape: number[], yShape: number[]): Program {
  const p = new ProgramBuilder();
  const a = p.input('a', aShape, dtype);
  const b = p.input('b', bShape, dtype);
  const y = p.arena('y', yShape, dtype);
  return p
    .op({ op: 'binary', type, a, b, y, label: `binary_${type}` })
    .output(y)
    .build();
}

const BROADCASTS: [number[], number[], number[]][] = [
  [[8], [8], [8]],
  [[2, 3, 4], [4], [2, 3, 4]],
  [
    [3, 1],
    [1, 5],
    [3, 5],
  ],
  [[], [2, 3], [2, 3]],
];

describe.skipIf(!native.ok)(`NativeProgram index math against the interpreter${skipReason}`, () => {
  const intOps: ProgramBinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'mod', 'fmod'];
  for (const dtype of ['int32', 'int64'] as const) {
    it(`integer binary on ${dtype}: wraps, never traps, x/0 and x%0 give 0, INT_MIN/-1 is INT_MIN`, async () => {
      for (const type of intOps) {
        // The edge pairs elementwise, then broadcasting over random values (zeros included).
        await expectMatchesInterpreter(binaryProgram(type, dtype, [8], [8], [8]), [
          data(dtype, 8, 1, INT_EDGES[dtype]),
          data(dtype, 8, 2, DIVISOR_EDGES[dtype]),
        ]);
        for (const [as, bs, ys] of BROADCASTS) {
          await expectMatchesInterpreter(binaryProgram(type, dtype, as, bs, ys), [data(dtype, sizeOf(as), 3), data(dtype, sizeOf(bs), 4)]);
        }
      }
    });
  }

  it('float mod (divisor sign) and fmod (dividend sign), with zero, negative and infinite divisors', async () => {
    const a = Float32Array.of(5.5, -5.5, 5.5, -5.5, 3, -0, Number.POSITIVE_INFINITY, 7, Number.NaN, 1e30);
    const b = Float32Array.of(2, 2, -2, -2, 0, 3, 2, Number.NEGATIVE_INFINITY, 1, 7);
    for (const type of ['mod', 'fmod'] as const) {
      await expectMatchesInterpreter(binaryProgram(type, 'float32', [10], [10], [10]), [a, b]);
      for (const [as, bs, ys] of BROADCASTS) {
        await expectMatchesInterpreter(binaryProgram(type, 'float32', as, bs, ys), [
          data('float32', sizeOf(as), 5),
          data('float32', sizeOf(bs), 6),
        ]);
      }
    }
  });

  it('compare on every numeric dtype with broadcasting (NaN unordered) writes bools', async () => {
    for (const dtype of ['float32', 'int32', 'int64', 'int8', 'uint8'] as const) {
      const edges = dtype === 'float32' ? [Number.NaN, 0, -0, Number.POSITIVE_INFINITY] : [];
      for (const type of PROGRAM_COMPARE_OPS) {
        for (const [as, bs, ys] of BROADCASTS) {
          const p = new ProgramBuilder();
          const a = p.input('a', as, dtype);
          const b = p.input('b', bs, dtype);
          const y = p.arena('y', ys, 'bool');
          p.op({ op: 'compare', type, a, b, y }).output(y);
          await expectMatchesInterpreter(p.build(), [data(dtype, sizeOf(as), 7, edges), data(dtype, sizeOf(bs), 8, edges.slice(1))]);
        }
      }
    }
  });

  it('where with three-way broadcasting on float32, int64, int8 and bool', async () => {
    for (const dtype of ['float32', 'int64', 'int8', 'bool'] as const) {
      const p = new ProgramBuilder();
      const c = p.input('c', [3, 1, 4], 'bool');
      const a = p.input('a', [2, 1], dtype);
      const b = p.input('b', [4], dtype);
      const y = p.arena('y', [3, 2, 4], dtype);
      p.op({ op: 'where', condition: c, a, b, y }).output(y);
      await expectMatchesInterpreter(p.build(), [data('bool', 12, 9), data(dtype, 2, 10), data(dtype, 4, 11)]);
    }
  });

  it('cast between every pair of dtypes: truncation, saturation, NaN → 0, wrapping, → bool is x ≠ 0', async () => {
    const edges: Record<ProgramDType, (number | bigint)[]> = {
      float32: [
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        1e10,
        -1e10,
        3e38,
        2 ** 31,
        -(2 ** 31),
        2 ** 63,
        -(2 ** 63),
        2.7,
        -2.7,
        -0.5,
        255.9,
        256,
        -129,
        127.5,
        -0,
      ],
      int32: [INT32_MIN, INT32_MAX, 128, -129, 255, 256, -1, 0, 16777217],
      int64: [INT64_MIN, INT64_MAX, 2n ** 32n + 5n, -(2n ** 40n), 128n, -1n, 0n, 9007199254740993n],
      int8: [-128, 127, -1, 0, 1],
      uint8: [255, 128, 0, 1],
      bool: [1, 0, 1],
    };
    for (const from of PROGRAM_DTYPES) {
      for (const to of PROGRAM_DTYPES) {
        const n = 24;
        const p = new ProgramBuilder();
        const x = p.input('x', [n], from);
        const y = p.arena('y', [n], to);
        p.op({ op: 'cast', x, y, label: `cast_${from}_${to}` }).output(y);
        await expectMatchesInterpreter(p.build(), [data(from, n, 12, edges[from])]);
      }
    }
  });

  it('gather: negative indices wrap, indices outside [-n, n) give zeros, any axis, int32 and int64 indices', async () => {
    const xShape = [3, 4, 2];
    for (const dtype of ['float32', 'int64', 'bool', 'int8'] as const) {
      for (const indexType of ['int32', 'int64'] as const) {
        for (const axis of [0, 1, 2, -1, -3]) {
          const a = axis < 0 ? axis + 3 : axis;
          const n = xShape[a]!;
          const indexValues = [0, n - 1, -1, -n, n, -n - 1, 2 ** 30, -(2 ** 30)];
          const p = new ProgramBuilder();
          const x = p.input('x', xShape, dtype);
          const idx = p.input('indices', [2, 4], indexType);
          const y = p.arena('y', [...xShape.slice(0, a), 2, 4, ...xShape.slice(a + 1)], dtype);
          p.op({ op: 'gather', x, indices: idx, y, axis }).output(y);
          const indices = indexType === 'int32' ? Int32Array.from(indexValues) : BigInt64Array.from(indexValues.map(BigInt));
          await expectMatchesInterpreter(p.build(), [data(dtype, 24, 13), indices]);
        }
      }
    }
  });

  it('gather over a huge int64 index and a weight of indices (the index class checked per dtype)', async () => {
    const p = new ProgramBuilder();
    const x = p.input('x', [5, 3], 'int32');
    const idx = p.weight('indices', [4], BigInt64Array.of(INT64_MIN, INT64_MAX, -5n, 4n));
    const y = p.arena('y', [4, 3], 'int32');
    p.op({ op: 'gather', x, indices: idx, y, axis: 0 }).output(y);
    await expectMatchesInterpreter(p.build(), [data('int32', 15, 14)]);
  });

  it('gather_nd (batch_dims 0): each index row picks a slice; a row with any index out of range gives zeros', async () => {
    for (const dtype of ['float32', 'int64', 'uint8'] as const) {
      for (const k of [1, 2, 3]) {
        const xShape = [3, 4, 2];
        const rows = [
          [0, 0, 0],
          [2, 3, 1],
          [-1, -4, -2],
          [3, 0, 0],
          [0, -5, 0],
          [1, 2, 2],
        ].map((r) => r.slice(0, k));
        const p = new ProgramBuilder();
        const x = p.input('x', xShape, dtype);
        const idx = p.input('indices', [rows.length, k], 'int32');
        const y = p.arena('y', [rows.length, ...xShape.slice(k)], dtype);
        p.op({ op: 'gather_nd', x, indices: idx, y }).output(y);
        await expectMatchesInterpreter(p.build(), [data(dtype, 24, 15), Int32Array.from(rows.flat())]);
      }
    }
  });

  it('gather_nd with one-element rows over a vector and with empty rows (whole slices)', async () => {
    const vector = new ProgramBuilder();
    const x = vector.input('x', [5]);
    const idx = vector.input('indices', [4, 1], 'int64');
    const y = vector.arena('y', [4]);
    vector.op({ op: 'gather_nd', x, indices: idx, y }).output(y);
    await expectMatchesInterpreter(vector.build(), [data('float32', 5, 16), BigInt64Array.from([0n, 4n, -1n, 5n])]);
    const empty = new ProgramBuilder();
    const x2 = empty.input('x', [2, 3]);
    const idx2 = empty.weight('indices', [3, 0], new BigInt64Array(0));
    const y2 = empty.arena('y', [3, 2, 3]);
    empty.op({ op: 'gather_nd', x: x2, indices: idx2, y: y2 }).output(y2);
    await expectMatchesInterpreter(empty.build(), [data('float32', 6, 17)]);
  });

  it('arg max/min: ties pick the first (last with selectLastIndex), NaN only where it comes first, int32 or int64 indices', async () => {
    // Rows of 4 along the reduced axis: ties, a leading NaN, a NaN later on, all equal.
    const floats = Float32Array.of(1, 3, 3, 2, Number.NaN, 5, 1, 5, 2, Number.NaN, 7, 7, 4, 4, 4, 4, -1, -3, -3, -1, 0, -0, 0, 0);
    for (const type of ['max', 'min'] as const) {
      for (const selectLastIndex of [false, true]) {
        for (const yDtype of ['int32', 'int64'] as const) {
          for (const [dtype, x0] of [
            ['float32', floats],
            ['int8', data('int8', 24, 16)],
            ['uint8', data('uint8', 24, 17)],
            ['int64', data('int64', 24, 18, [INT64_MIN, INT64_MAX, INT64_MAX])],
          ] as const) {
            for (const [axis, yShape] of [
              [1, [6, 1]],
              [0, [1, 4]],
              [-1, [6, 1]],
            ] as const) {
              const p = new ProgramBuilder();
              const x = p.input('x', [6, 4], dtype);
              const y = p.arena('y', [...yShape], yDtype);
              p.op({ op: 'arg_reduce', type, x, y, axis, selectLastIndex }).output(y);
              await expectMatchesInterpreter(p.build(), [x0]);
            }
          }
        }
      }
    }
  });

  it('copy, concat, transpose, pad and slice move int64, bool and int8 elements (pad value converted to the dtype)', async () => {
    for (const dtype of ['int64', 'bool', 'int8'] as const) {
      const p = new ProgramBuilder();
      const x = p.input('x', [2, 3, 4], dtype);
      const c = p.arena('c', [4, 6], dtype);
      const cat = p.arena('cat', [8, 6], dtype);
      const t = p.arena('t', [6, 8], dtype);
      const padded = p.arena('padded', [8, 10], dtype);
      const s = p.arena('s', [4, 3], dtype);
      p.op({ op: 'copy', x, y: c });
      p.op({ op: 'concat', inputs: [c, c], y: cat, axis: 0 });
      p.op({ op: 'transpose', x: cat, y: t, perm: [1, 0] });
      p.op({ op: 'pad', x: t, y: padded, pads: [1, 2, 1, 0], value: -3.7 });
      p.op({ op: 'slice', x: padded, y: s, starts: [7, 1], steps: [-2, 3] });
      p.output(c).output(cat).output(t).output(padded).output(s);
      await expectMatchesInterpreter(p.build(), [data(dtype, 24, 19, dtype === 'int64' ? [INT64_MIN, INT64_MAX] : [-128, 127])]);
    }
  });

  it('pad values past float32 range round as Math.fround does, then cast: ±Infinity, saturated integers, NaN → 0', async () => {
    for (const dtype of ['float32', 'int32', 'int64', 'uint8', 'bool'] as const) {
      for (const value of [1e300, -1e300, 3.4028235e38, Number.NaN, -2.5]) {
        const p = new ProgramBuilder();
        const x = p.input('x', [2, 2], dtype);
        const y = p.arena('y', [3, 4], dtype);
        p.op({ op: 'pad', x, y, pads: [1, 1, 0, 1], value }).output(y);
        await expectMatchesInterpreter(p.build(), [data(dtype, 4, 21)]);
      }
    }
  });

  it('chains: shape arithmetic in int64 cast back to float32, concat slices of int32 in place', async () => {
    const p = new ProgramBuilder();
    const x = p.input('x', [4, 5]);
    const i = p.arena('i', [4, 5], 'int64');
    const step = p.weight('step', [5], BigInt64Array.of(3n, -3n, 0n, 2n, -1n));
    const q = p.arena('q', [4, 5], 'int64');
    const r = p.arena('r', [4, 5], 'int64');
    const arg = p.arena('arg', [1, 5], 'int32');
    const both = p.arena('both', [2, 5], 'int32');
    const first = p.view('first', [1, 5], both, 0);
    const f = p.arena('f', [2, 5]);
    p.op({ op: 'cast', x, y: i });
    p.op({ op: 'binary', type: 'div', a: i, b: step, y: q });
    p.op({ op: 'binary', type: 'mod', a: i, b: step, y: r });
    p.op({ op: 'arg_reduce', type: 'max', x: r, y: first, axis: 0, selectLastIndex: false });
    p.op({ op: 'arg_reduce', type: 'min', x: q, y: arg, axis: 0, selectLastIndex: true });
    p.op({ op: 'concat', inputs: [first, arg], y: both, axis: 0 });
    p.op({ op: 'cast', x: both, y: f }).output(q).output(r).output(f);
    await expectMatchesInterpreter(p.build(), [(data('float32', 20, 20) as Float32Array).map((v) => v * 10)]);
  });
});

/** One hostile Program, the op its error must name, and what the message says. */
interface Hostile {
  name: string;
  program: Program;
  op: { kind: string; index: number; name?: string };
  message: RegExp;
}

function hostilePrograms(): Hostile[] {
  const out: Hostile[] = [];
  {
    // mod on bool: binary takes float32, int32 or int64.
    const p = new ProgramBuilder();
    const a = p.input('a', [4], 'bool');
    const y = p.arena('y', [4], 'bool');
    p.op({ op: 'binary', type: 'mod', a, b: a, y, label: 'bad_mod' }).output(y);
    out.push({
      name: 'binary on bool',
      program: p.build(),
      op: { kind: 'binary', index: 0, name: 'bad_mod' },
      message: /a is bool but must be float32 or int32 or int64/,
    });
  }
  {
    // gather with float indices.
    const p = new ProgramBuilder();
    const x = p.input('x', [4, 2]);
    const idx = p.input('idx', [3]);
    const y = p.arena('y', [3, 2]);
    p.op({ op: 'gather', x, indices: idx, y, axis: 0, label: 'float_index' }).output(y);
    out.push({
      name: 'gather with float32 indices',
      program: p.build(),
      op: { kind: 'gather', index: 0, name: 'float_index' },
      message: /indices is float32 but must be int32 or int64/,
    });
  }
  {
    // An int64 value whose weight is a Float32Array.
    const p = new ProgramBuilder();
    const x = p.input('x', [3], 'int64');
    const w = p.weight('w', [3], new Float32Array(3), 'int64');
    const y = p.arena('y', [3], 'int64');
    p.op({ op: 'binary', type: 'add', a: x, b: w, y, label: 'typed_weight' }).output(y);
    out.push({
      name: 'a Float32Array weight for an int64 value',
      program: p.build(),
      op: { kind: 'binary', index: 0 },
      message: /weight 0 .*int64.* must be a BigInt64Array/,
    });
  }
  {
    // An int64 arena value at an offset that is not a multiple of 8.
    const p = new ProgramBuilder();
    const x = p.input('x', [3], 'int64');
    const y = p.arena('y', [3], 'int64');
    p.op({ op: 'copy', x, y, label: 'misaligned' }).output(y);
    const program = p.build();
    program.values[y] = { ...program.values[y]!, storage: { kind: 'arena', offset: 4 } };
    program.arenaBytes = 64;
    out.push({
      name: 'a misaligned int64 arena offset',
      program,
      op: { kind: 'copy', index: 0 },
      message: /'y' occupies arena bytes \[4, /,
    });
  }
  {
    // A bool value one byte past the arena's end.
    const p = new ProgramBuilder();
    const a = p.input('a', [5]);
    const y = p.arena('y', [5], 'bool');
    p.op({ op: 'compare', type: 'less', a, b: a, y, label: 'past_end' }).output(y);
    const program = p.build();
    program.arenaBytes = 4;
    out.push({
      name: 'a bool value past the arena end',
      program,
      op: { kind: 'compare', index: 0 },
      message: /'y' occupies arena bytes \[0, .*outside the arena of 4 bytes/,
    });
  }
  {
    // gather_nd index rows longer than x's rank.
    const p = new ProgramBuilder();
    const x = p.input('x', [3, 4]);
    const idx = p.input('idx', [2, 3], 'int32');
    const y = p.arena('y', [2]);
    p.op({ op: 'gather_nd', x, indices: idx, y, label: 'long_rows' }).output(y);
    out.push({
      name: 'a gather_nd index row longer than x has dims',
      program: p.build(),
      op: { kind: 'gather_nd', index: 0, name: 'long_rows' },
      message: /indices \[2, 3\] need a last dim <= x's rank/,
    });
  }
  {
    // compare writing float32 instead of bool.
    const p = new ProgramBuilder();
    const a = p.input('a', [3], 'int32');
    const y = p.arena('y', [3]);
    p.op({ op: 'compare', type: 'equal', a, b: a, y, label: 'float_bool' }).output(y);
    out.push({
      name: 'compare writing float32',
      program: p.build(),
      op: { kind: 'compare', index: 0, name: 'float_bool' },
      message: /y is float32 but must be bool/,
    });
  }
  {
    // arg_reduce over an empty axis.
    const p = new ProgramBuilder();
    const x = p.input('x', [2, 0]);
    const y = p.arena('y', [2, 1], 'int64');
    p.op({ op: 'arg_reduce', type: 'max', x, y, axis: 1, selectLastIndex: false, label: 'empty_axis' }).output(y);
    out.push({
      name: 'arg_reduce over an empty axis',
      program: p.build(),
      op: { kind: 'arg_reduce', index: 0, name: 'empty_axis' },
      message: /axis 1 is empty/,
    });
  }
  {
    // where whose a and b differ in dtype.
    const p = new ProgramBuilder();
    const c = p.input('c', [3], 'bool');
    const a = p.input('a', [3], 'int32');
    const b = p.input('b', [3], 'int64');
    const y = p.arena('y', [3], 'int32');
    p.op({ op: 'where', condition: c, a, b, y, label: 'mixed' }).output(y);
    out.push({
      name: 'where over int32 and int64',
      program: p.build(),
      op: { kind: 'where', index: 0, name: 'mixed' },
      message: /b is int64 but must have a's dtype int32/,
    });
  }
  {
    // pow on integers.
    const p = new ProgramBuilder();
    const a = p.input('a', [3], 'int32');
    const y = p.arena('y', [3], 'int32');
    p.op({ op: 'binary', type: 'pow', a, b: a, y, label: 'int_pow' }).output(y);
    out.push({
      name: 'integer pow',
      program: p.build(),
      op: { kind: 'binary', index: 0, name: 'int_pow' },
      message: /'pow' takes float32 operands/,
    });
  }
  {
    // A value with an unknown dtype.
    const p = new ProgramBuilder();
    const x = p.input('x', [3]);
    const y = p.arena('y', [3]);
    p.op({ op: 'copy', x, y, label: 'odd_dtype' }).output(y);
    const program = p.build();
    program.values[y] = { ...program.values[y]!, dtype: 'float64' as ProgramDType };
    out.push({ name: 'an unknown dtype', program, op: { kind: 'copy', index: 0 }, message: /float64/ });
  }
  return out;
}

describe('validateProgram refuses hostile dtype Programs, naming the op', () => {
  for (const h of hostilePrograms()) {
    it(h.name, () => {
      let error: unknown;
      try {
        validateProgram(h.program);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KilnError);
      expect((error as KilnError).code).toBe(ErrorCode.INVALID_ARGUMENT);
      // Value-level errors (dtype, weight class, arena) name the value; op-level ones the op and its layer.
      if (h.op.name) {
        expect((error as KilnError).message).toMatch(new RegExp(`program op ${h.op.index} \\(${h.op.kind}\\)`));
        expect((error as KilnError).layer?.name).toBe(h.op.name);
      }
    });
  }
});

describe.skipIf(!native.ok)(`kiln_cpu.node's own validator refuses hostile dtype Programs, naming the op${skipReason}`, () => {
  const addon = native.ok ? native.addon : undefined;
  for (const h of hostilePrograms()) {
    it(h.name, () => {
      let raw: { message: string; code?: string; layer?: { name: string; kind: string; index: number } } | undefined;
      try {
        addon!.createProgram(h.program);
      } catch (e) {
        raw = e as typeof raw;
      }
      expect(raw, 'the addon accepted the Program').toBeDefined();
      expect(raw!.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(raw!.message).toMatch(/^NativeProgram: /);
      expect(raw!.message).toMatch(h.message);
      if (h.op.name !== undefined || h.name !== 'an unknown dtype') {
        expect(raw!.layer).toMatchObject({ kind: h.op.kind, index: h.op.index, ...(h.op.name ? { name: h.op.name } : {}) });
      }
      const e = nativeErrorToKilnError(raw);
      expect(e).toBeInstanceOf(KilnError);
      expect(e.code).toBe(ErrorCode.INVALID_ARGUMENT);
    });
  }
});

const cudaCreateProgram = loadCudaCreateProgram();

describe.skipIf(!cudaCreateProgram)('kiln_cuda.node reads integer and bool programs with the shared validator', () => {
  it('accepts an int64 gather and a cast (device work is asynchronous: no GPU here only fails the promise)', async () => {
    const p = new ProgramBuilder();
    const x = p.input('x', [4, 2]);
    const idx = p.input('idx', [3], 'int64');
    const y = p.arena('y', [3, 2]);
    const z = p.arena('z', [3, 2], 'int32');
    p.op({ op: 'gather', x, indices: idx, y, axis: 0, label: 'pick' });
    p.op({ op: 'cast', x: y, y: z, label: 'to_int' }).output(z);
    let created: unknown;
    expect(() => {
      created = cudaCreateProgram!(p.build(), {});
    }).not.toThrow();
    await Promise.resolve(created).then(
      (program) => (program as { dispose(): Promise<void> }).dispose(),
      () => undefined,
    );
  });

  for (const h of hostilePrograms()) {
    it(`refuses as the CPU executor does: ${h.name}`, () => {
      let raw: { message: string; code?: string } | undefined;
      try {
        cudaCreateProgram!(h.program, {});
      } catch (e) {
        raw = e as typeof raw;
      }
      expect(raw, 'kiln_cuda.node accepted the Program').toBeDefined();
      expect(raw!.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(raw!.message).toMatch(/^CudaProgram\.create: /);
      expect(raw!.message).toMatch(h.message);
    });
  }
});
