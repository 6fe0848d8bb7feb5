import { ErrorCode, PROGRAM_UNARY_OPS, type Program, type ProgramUnaryOp } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { NativeProgram } from '../../src/index.js';
import { expectKilnError, expectMatchesInterpreter, native, ProgramBuilder, randomArray, sizeOf, skipReason } from './program-harness.js';

const UNARY_TYPES: readonly ProgramUnaryOp[] = PROGRAM_UNARY_OPS;

// Zeros of both signs, exact halves (round's ties), negatives (log/sqrt → NaN), overflow for
// exp, and non-finite inputs.
const EDGES = [0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3.5, 1e-20, -1e-20, 88.8, -104, 1e6, -1e6, Infinity, -Infinity, NaN];

/** x (a feed) → unary → y, both odd-sized. */
function unaryProgram(type: ProgramUnaryOp, shape: number[]): Program {
  const p = new ProgramBuilder();
  const x = p.input('x', shape);
  const y = p.arena('y', shape);
  p.op({ op: 'unary', type, x, y }).output(y);
  return p.build();
}

describe.skipIf(!native.ok)(`NativeProgram unary${skipReason}`, () => {
  for (const type of UNARY_TYPES) {
    it(`${type} matches the interpreter on random data and edge values`, async () => {
      const shape = [3, 5, 7];
      const data = randomArray(sizeOf(shape), 71, -4, 4);
      data.set(EDGES);
      await expectMatchesInterpreter(unaryProgram(type, shape), [data]);
    });
  }

  it('runs in place (y over x, through a view and through the same value)', async () => {
    const shape = [2, 3, 11];
    const data = randomArray(sizeOf(shape), 72, -3, 3);
    const p = new ProgramBuilder();
    const x = p.input('x', shape);
    const a = p.arena('a', shape);
    const y = p.view('y', shape, a);
    p.op({ op: 'copy', x, y: a });
    p.op({ op: 'unary', type: 'sin', x: a, y });
    p.op({ op: 'unary', type: 'abs', x: y, y });
    p.op({ op: 'unary', type: 'sqrt', x: y, y: a }).output(a);
    await expectMatchesInterpreter(p.build(), [data]);
  });

  it('runs a large tensor split over the thread pool', async () => {
    const shape = [3, 129, 257];
    const data = randomArray(sizeOf(shape), 73, -5, 5);
    await expectMatchesInterpreter(unaryProgram('erf', shape), [data]);
    await expectMatchesInterpreter(unaryProgram('round', shape), [data]);
  });

  it('rejects an unknown type or a size mismatch, naming the op', () => {
    const good = unaryProgram('exp', [3, 5]);
    const op = good.ops[0]!;
    const unknown: Program = { ...good, ops: [{ ...op, type: 'cbrt' } as never] };
    expectKilnError(() => NativeProgram.create(unknown), ErrorCode.INVALID_ARGUMENT, /op 0 \(unary\).*type = "cbrt" must be one of 'abs'/);
    const p = new ProgramBuilder();
    const x = p.input('x', [3, 5]);
    const y = p.arena('y', [4, 5]);
    p.op({ op: 'unary', type: 'neg', x, y }).output(y);
    expectKilnError(() => NativeProgram.create(p.build()), ErrorCode.INVALID_ARGUMENT, /op 0 \(unary\).*'y'/);
  });

  it('the addon itself refuses an unknown type', () => {
    const loaded = native;
    if (!loaded.ok) return;
    const good = unaryProgram('exp', [3, 5]);
    const unknown = { ...good, ops: [{ ...good.ops[0]!, type: 'cbrt' }] };
    expect(() => loaded.addon.createProgram(unknown as Program)).toThrow(/op 0 \(unary\).*cbrt/);
  });
});
