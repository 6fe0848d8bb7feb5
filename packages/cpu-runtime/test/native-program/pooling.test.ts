import { describe, it } from 'vitest';
import { NativeProgram } from '../../src/index.js';
import { expectClose, native, ProgramBuilder, randomArray, reference, runFloat32, sizeOf, skipReason, tensor } from './program-harness.js';

interface PoolCase {
  name: string;
  type: 'max' | 'average';
  x: number[];
  window: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
  dilations?: [number, number];
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

const CASES: PoolCase[] = [
  { name: 'max 3×3 s2 p1 (ResNet stem)', type: 'max', x: [1, 5, 13, 12], window: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
  {
    name: 'max ceil mode, dilation',
    type: 'max',
    x: [2, 3, 10, 11],
    window: [2, 3],
    strides: [2, 2],
    pads: [0, 1, 0, 1],
    dilations: [2, 1],
    ceilMode: true,
  },
  { name: 'average excluding pads', type: 'average', x: [1, 4, 9, 8], window: [3, 3], strides: [1, 2], pads: [1, 1, 1, 1] },
  {
    name: 'average counting pads',
    type: 'average',
    x: [1, 4, 9, 8],
    window: [3, 3],
    strides: [2, 2],
    pads: [1, 0, 2, 1],
    countIncludePad: true,
  },
  {
    name: 'average ceil mode counting pads',
    type: 'average',
    x: [1, 3, 7, 7],
    window: [2, 2],
    strides: [2, 2],
    pads: [0, 0, 0, 0],
    ceilMode: true,
    countIncludePad: true,
  },
  { name: 'average 2×2 s2 (DenseNet transition)', type: 'average', x: [1, 6, 14, 14], window: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] },
];

describe.skipIf(!native.ok)(`NativeProgram pool2d and global_pool${skipReason}`, () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const xData = randomArray(sizeOf(c.x), 31);
      const dilations = c.dilations ?? [1, 1];
      const ref = reference(
        'pooling',
        {
          type: c.type,
          global: false,
          window: c.window,
          strides: c.strides,
          padsBegin: [c.pads[0], c.pads[1]],
          padsEnd: [c.pads[2], c.pads[3]],
          dilations,
          paddingMode: 'explicit',
          ceilMode: c.ceilMode ?? false,
          countIncludePad: c.countIncludePad ?? false,
        },
        [tensor(c.x, xData)],
      );
      const p = new ProgramBuilder();
      const x = p.input('x', c.x);
      const y = p.arena('y', ref.shape);
      p.op({
        op: 'pool2d',
        type: c.type,
        x,
        y,
        window: c.window,
        strides: c.strides,
        pads: c.pads,
        dilations,
        countIncludePad: c.countIncludePad ?? false,
      }).output(y);
      const [out] = await runFloat32(NativeProgram.create(p.build()), [xData]);
      expectClose(out!, ref);
    });
  }

  for (const type of ['max', 'average'] as const) {
    for (const shape of [
      [2, 3, 7, 9],
      [1, 5, 3, 4, 5],
      [1, 4, 61],
    ]) {
      it(`global ${type} over ${JSON.stringify(shape)}`, async () => {
        const xData = randomArray(sizeOf(shape), 32);
        const ref = reference(
          'pooling',
          {
            type,
            global: true,
            window: [],
            strides: [],
            padsBegin: [],
            padsEnd: [],
            dilations: [],
            paddingMode: 'explicit',
            ceilMode: false,
            countIncludePad: false,
          },
          [tensor(shape, xData)],
        );
        const p = new ProgramBuilder();
        const x = p.input('x', shape);
        const y = p.arena('y', ref.shape);
        p.op({ op: 'global_pool', type, x, y }).output(y);
        const [out] = await runFloat32(NativeProgram.create(p.build()), [xData]);
        expectClose(out!, ref);
      });
    }
  }
});
