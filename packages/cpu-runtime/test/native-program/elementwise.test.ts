import type { ProgramBinaryOp } from '@kiln-inference/core';
import { describe, it } from 'vitest';
import { NativeProgram } from '../../src/index.js';
import {
  ALL_ACTIVATIONS,
  expectClose,
  native,
  ProgramBuilder,
  randomArray,
  reference,
  referenceActivation,
  runFloat32,
  sizeOf,
  skipReason,
  tensor,
} from './program-harness.js';

const BROADCASTS: [number[], number[]][] = [
  [[7], [7]],
  [[7], [1]],
  [[3, 5], [5]],
  [
    [3, 1],
    [1, 5],
  ],
  [
    [2, 3, 4],
    [3, 1],
  ],
  [
    [2, 1, 4, 5],
    [3, 1, 1],
  ],
  [
    [1, 3, 1, 2, 5],
    [2, 1, 4, 1, 5],
  ],
  [[4, 1, 3, 5, 2], []],
];

function broadcastShape(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const ad = a[a.length - rank + i] ?? 1;
    const bd = b[b.length - rank + i] ?? 1;
    return ad === 1 ? bd : ad;
  });
}

describe.skipIf(!native.ok)(`NativeProgram binary, activation and channel_affine${skipReason}`, () => {
  const ops: Exclude<ProgramBinaryOp, 'prelu' | 'mod' | 'fmod'>[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow'];
  for (const type of ops) {
    it(`binary ${type} with broadcasting over ranks 1–5`, async () => {
      for (const [aShape, bShape] of BROADCASTS) {
        const yShape = broadcastShape(aShape, bShape);
        // pow needs a positive base to stay real.
        const aData = randomArray(sizeOf(aShape), 41, type === 'pow' ? 0.1 : -1, 1);
        const bData = randomArray(sizeOf(bShape), 42, type === 'div' ? 0.5 : -1, type === 'div' ? 2 : 1);
        const activation = type === 'add' ? { type: 'relu' as const } : undefined;
        const ref = referenceActivation(reference('elementwise', { op: type }, [tensor(aShape, aData), tensor(bShape, bData)]), activation);
        const p = new ProgramBuilder();
        const a = p.input('a', aShape);
        const b = p.weight('b', bShape, bData);
        const y = p.arena('y', yShape);
        p.op({ op: 'binary', type, a, b, y, ...(activation ? { activation } : {}) }).output(y);
        const [out] = await runFloat32(NativeProgram.create(p.build()), [aData]);
        expectClose(out!, ref);
      }
    });
  }

  it('binary in place: y over a, and y over b', async () => {
    const shape = [2, 3, 5];
    const aData = randomArray(30, 43);
    const bData = randomArray(30, 44);
    const ref = reference('elementwise', { op: 'sub' }, [tensor(shape, aData), tensor(shape, bData)]);
    for (const over of ['a', 'b'] as const) {
      const p = new ProgramBuilder();
      const a0 = p.input('a0', shape);
      const b0 = p.input('b0', shape);
      const a = p.arena('a', shape);
      const b = p.arena('b', shape);
      p.op({ op: 'copy', x: a0, y: a }).op({ op: 'copy', x: b0, y: b });
      const y = p.view('y', shape, over === 'a' ? a : b);
      p.op({ op: 'binary', type: 'sub', a, b, y }).output(y);
      const [out] = await runFloat32(NativeProgram.create(p.build()), [aData, bData]);
      expectClose(out!, ref);
    }
  });

  it('activation: every type, and in place', async () => {
    const shape = [3, 4, 5];
    const xData = randomArray(60, 45, -3, 3);
    for (const activation of ALL_ACTIVATIONS) {
      const ref = reference('activation', activation, [tensor(shape, xData)]);
      const p = new ProgramBuilder();
      const x0 = p.input('x0', shape);
      const x = p.arena('x', shape);
      const y = p.arena('y', shape);
      const z = p.view('z', shape, x);
      p.op({ op: 'copy', x: x0, y: x }).op({ op: 'activation', x, y, activation }).op({ op: 'activation', x, y: z, activation });
      p.output(y).output(z);
      const [out, inPlace] = await runFloat32(NativeProgram.create(p.build()), [xData]);
      expectClose(out!, ref);
      expectClose(inPlace!, ref);
    }
  });

  it('channel_affine: scale/shift each optional, channel axes 0–3, fused activation, in place', async () => {
    const shape = [2, 5, 3, 4];
    const xData = randomArray(sizeOf(shape), 46);
    for (let axis = 0; axis < shape.length; axis++) {
      const c = shape[axis]!;
      const sData = randomArray(c, 47);
      const tData = randomArray(c, 48);
      for (const [useScale, useShift] of [
        [true, true],
        [true, false],
        [false, true],
      ] as const) {
        const activation = axis === 1 ? { type: 'relu' as const } : undefined;
        const ref = referenceActivation(
          reference('scale', { mode: 'channel', channelAxis: axis }, [
            tensor(shape, xData),
            useShift ? tensor([c], tData) : undefined,
            useScale ? tensor([c], sData) : undefined,
          ]),
          activation,
        );
        const p = new ProgramBuilder();
        const x0 = p.input('x0', shape);
        const x = p.arena('x', shape);
        const scale = useScale ? p.weight('s', [c], sData) : undefined;
        const shift = useShift ? p.weight('t', [c], tData) : undefined;
        const y = p.view('y', shape, x);
        p.op({ op: 'copy', x: x0, y: x });
        p.op({
          op: 'channel_affine',
          x,
          y,
          channelAxis: axis,
          ...(scale !== undefined ? { scale } : {}),
          ...(shift !== undefined ? { shift } : {}),
          ...(activation ? { activation } : {}),
        });
        p.output(y);
        const [out] = await runFloat32(NativeProgram.create(p.build()), [xData]);
        expectClose(out!, ref);
      }
    }
  });
});
