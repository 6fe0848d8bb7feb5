import { ErrorCode, type Program } from '@kiln-inference/core';
import { describe, it } from 'vitest';
import { NativeProgram } from '../../src/index.js';
import { expectKilnError, expectMatchesInterpreter, native, ProgramBuilder, randomArray, sizeOf, skipReason } from './program-harness.js';

/** y = prelu(x, slope) with x a feed and the slope a weight. */
function preluProgram(xShape: number[], slopeShape: number[], slope: Float32Array, activation?: { type: 'sigmoid' }): Program {
  const p = new ProgramBuilder();
  const a = p.input('x', xShape);
  const b = p.weight('slope', slopeShape, slope);
  const y = p.arena('y', xShape);
  p.op({ op: 'binary', type: 'prelu', a, b, y, ...(activation ? { activation } : {}) }).output(y);
  return p.build();
}

describe.skipIf(!native.ok)(`NativeProgram binary prelu${skipReason}`, () => {
  const xShape = [2, 5, 3, 7];
  const x = randomArray(sizeOf(xShape), 81);
  // Zeros, negative zero and non-finite values take the reference's branch too.
  x.set([0, -0, -Infinity, Infinity, NaN]);

  it('slope per channel [C, 1, 1] and [1, C, 1, 1]', async () => {
    const slope = randomArray(5, 82, -0.5, 2);
    await expectMatchesInterpreter(preluProgram(xShape, [5, 1, 1], slope), [x]);
    await expectMatchesInterpreter(preluProgram(xShape, [1, 5, 1, 1], slope), [x]);
  });

  it('scalar slope ([] and [1]) and a full-shape slope', async () => {
    await expectMatchesInterpreter(preluProgram(xShape, [], Float32Array.of(0.25)), [x]);
    await expectMatchesInterpreter(preluProgram(xShape, [1], Float32Array.of(-1.5)), [x]);
    await expectMatchesInterpreter(preluProgram(xShape, xShape, randomArray(sizeOf(xShape), 83)), [x]);
  });

  it('slope along the last axis, with a fused activation', async () => {
    const slope = randomArray(7, 84, 0, 0.3);
    await expectMatchesInterpreter(preluProgram(xShape, [7], slope, { type: 'sigmoid' }), [x]);
  });

  it('runs in place (y over x) on a large tensor', async () => {
    const shape = [2, 33, 65, 65];
    const data = randomArray(sizeOf(shape), 85);
    const p = new ProgramBuilder();
    const x0 = p.input('x', shape);
    const b = p.weight('slope', [33, 1, 1], randomArray(33, 86));
    const a = p.arena('a', shape);
    p.op({ op: 'copy', x: x0, y: a });
    p.op({ op: 'binary', type: 'prelu', a, b, y: a }).output(a);
    await expectMatchesInterpreter(p.build(), [data]);
  });

  it('rejects a slope that does not broadcast, naming the op', () => {
    const bad = preluProgram(xShape, [4, 1, 1], randomArray(4, 87));
    expectKilnError(() => NativeProgram.create(bad), ErrorCode.INVALID_ARGUMENT, /op 0 \(binary\).*'slope'.*does not broadcast/);
  });
});
