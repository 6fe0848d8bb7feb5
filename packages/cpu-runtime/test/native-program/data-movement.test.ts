import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { NativeProgram } from '../../src/index.js';
import { expectClose, native, ProgramBuilder, randomArray, reference, runFloat32, sizeOf, skipReason, tensor } from './program-harness.js';

function int64(values: number[]): Tensor {
  return Tensor.fromValues('int64', [values.length], values.map(BigInt));
}

describe.skipIf(!native.ok)(`NativeProgram softmax, concat, copy, transpose, slice, pad${skipReason}`, () => {
  for (const log of [false, true]) {
    it(`${log ? 'log ' : ''}softmax on every axis of a rank-4 tensor (and a negative axis)`, async () => {
      const shape = [2, 3, 4, 5];
      const xData = randomArray(sizeOf(shape), 51, -4, 4);
      for (const axis of [0, 1, 2, 3, -1]) {
        const ref = reference('softmax', { axis: axis < 0 ? axis + 4 : axis, mode: log ? 'log_softmax' : 'softmax' }, [
          tensor(shape, xData),
        ]);
        const p = new ProgramBuilder();
        const x = p.input('x', shape);
        const y = p.arena('y', shape);
        p.op({ op: 'softmax', x, y, axis, log }).output(y);
        const [out] = await runFloat32(NativeProgram.create(p.build()), [xData]);
        expectClose(out!, ref);
      }
    });
  }

  it('concat on axes 0–3, and skips inputs already written into their slice of y', async () => {
    const parts = [
      [2, 3, 4, 5],
      [2, 3, 4, 5],
      [2, 3, 4, 5],
    ];
    const datas = parts.map((s, i) => randomArray(sizeOf(s), 52 + i));
    for (let axis = 0; axis < 4; axis++) {
      const shapes = parts.map((s, i) => s.map((d, j) => (j === axis ? d + i : d)));
      const values = shapes.map((s, i) => randomArray(sizeOf(s), 60 + i));
      const ref = reference(
        'concatenation',
        { axis },
        shapes.map((s, i) => tensor(s, values[i]!)),
      );
      const p = new ProgramBuilder();
      const ins = shapes.map((s, i) => p.input(`x${i}`, s));
      const y = p.arena('y', ref.shape);
      p.op({ op: 'concat', inputs: ins, y, axis }).output(y);
      const [out] = await runFloat32(NativeProgram.create(p.build()), values);
      expectClose(out!, ref);
    }
    // In-place: the first input is a view of y's leading channels, produced there by a copy.
    const p = new ProgramBuilder();
    const a0 = p.input('a0', [1, 2, 3, 3]);
    const b = p.input('b', [1, 4, 3, 3]);
    const y = p.arena('y', [1, 6, 3, 3]);
    const a = p.view('a', [1, 2, 3, 3], y);
    p.op({ op: 'copy', x: a0, y: a })
      .op({ op: 'concat', inputs: [a, b], y, axis: 1 })
      .output(y);
    const ref = reference('concatenation', { axis: 1 }, [
      tensor([1, 2, 3, 3], datas[0]!.subarray(0, 18)),
      tensor([1, 4, 3, 3], datas[1]!.subarray(0, 36)),
    ]);
    const [out] = await runFloat32(NativeProgram.create(p.build()), [datas[0]!.slice(0, 18), datas[1]!.slice(0, 36)]);
    expectClose(out!, ref);
  });

  it('copy reshapes (a plain copy)', async () => {
    const xData = randomArray(24, 56);
    const p = new ProgramBuilder();
    const x = p.input('x', [2, 3, 4]);
    const y = p.arena('y', [6, 4]);
    p.op({ op: 'copy', x, y }).output(y);
    const [out] = await runFloat32(NativeProgram.create(p.build()), [xData]);
    expect(Array.from(out!)).toEqual(Array.from(xData));
  });

  it('transpose with several permutations of ranks 2–5', async () => {
    const cases: [number[], number[]][] = [
      [
        [3, 5],
        [1, 0],
      ],
      [
        [2, 3, 4],
        [2, 0, 1],
      ],
      [
        [2, 3, 4, 5],
        [0, 2, 3, 1],
      ],
      [
        [2, 3, 4, 5],
        [3, 1, 0, 2],
      ],
      [
        [2, 1, 3, 2, 4],
        [4, 2, 0, 3, 1],
      ],
    ];
    for (const [shape, perm] of cases) {
      const xData = randomArray(sizeOf(shape), 57);
      const ref = reference('shuffle', { firstTranspose: perm }, [tensor(shape, xData)]);
      const p = new ProgramBuilder();
      const x = p.input('x', shape);
      const y = p.arena('y', ref.shape);
      p.op({ op: 'transpose', x, y, perm }).output(y);
      const [out] = await runFloat32(NativeProgram.create(p.build()), [xData]);
      expectClose(out!, ref);
    }
  });

  it('slice with positive and negative steps', async () => {
    const shape = [4, 7, 9];
    const xData = randomArray(sizeOf(shape), 58);
    const cases: { starts: number[]; steps: number[]; y: number[] }[] = [
      { starts: [1, 0, 2], steps: [1, 2, 3], y: [3, 4, 3] },
      { starts: [3, 6, 8], steps: [-1, -2, -3], y: [4, 4, 3] },
      { starts: [0, 5, 1], steps: [2, -1, 1], y: [2, 6, 8] },
      { starts: [2, 3, 4], steps: [1, 1, -4], y: [2, 0, 2] },
    ];
    for (const c of cases) {
      const ends = c.starts.map((s, i) => {
        const e = s + c.y[i]! * c.steps[i]!;
        return e < 0 ? -shape[i]! - 1 : e;
      });
      const ref = reference('slice', {}, [tensor(shape, xData), int64(c.starts), int64(ends), int64([0, 1, 2]), int64(c.steps)]);
      expect(ref.shape).toEqual(c.y);
      const p = new ProgramBuilder();
      const x = p.input('x', shape);
      const y = p.arena('y', c.y);
      p.op({ op: 'slice', x, y, starts: c.starts, steps: c.steps }).output(y);
      const [out] = await runFloat32(NativeProgram.create(p.build()), [xData]);
      expectClose(out!, ref);
    }
  });

  it('pad with a constant, including negative pads (crops)', async () => {
    const shape = [2, 3, 5, 4];
    const xData = randomArray(sizeOf(shape), 59);
    const cases = [
      [0, 1, 2, 1, 0, 0, 1, 2],
      [0, 0, -1, 2, 1, -1, 0, -2],
      [1, 0, 0, 0, 0, 2, -2, 0],
    ];
    for (const pads of cases) {
      const ref = reference('padding', { mode: 'constant' }, [tensor(shape, xData), int64(pads), tensor([], Float32Array.of(0.5))]);
      const p = new ProgramBuilder();
      const x = p.input('x', shape);
      const y = p.arena('y', ref.shape);
      p.op({ op: 'pad', x, y, pads, value: 0.5 }).output(y);
      const [out] = await runFloat32(NativeProgram.create(p.build()), [xData]);
      expectClose(out!, ref);
    }
  });
});
