import { Tensor } from '@kiln-inference/core';
import { describe, it } from 'vitest';
import { NativeProgram } from '../../src/index.js';
import { expectClose, native, ProgramBuilder, randomArray, reference, runFloat32, sizeOf, skipReason, tensor } from './program-harness.js';

type Transform = 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric';
type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';

describe.skipIf(!native.ok)(`NativeProgram lrn and resize2d${skipReason}`, () => {
  for (const size of [1, 3, 4, 5]) {
    it(`lrn size ${size}`, async () => {
      const shape = [2, 7, 3, 5];
      const xData = randomArray(sizeOf(shape), 71, -2, 2);
      const params = { size, alpha: 1e-3 * size, beta: 0.75, bias: 1.5 };
      const ref = reference('lrn', params, [tensor(shape, xData)]);
      const p = new ProgramBuilder();
      const x = p.input('x', shape);
      const y = p.arena('y', shape);
      p.op({ op: 'lrn', x, y, ...params }).output(y);
      const [out] = await runFloat32(NativeProgram.create(p.build()), [xData]);
      expectClose(out!, ref);
    });
  }

  const transforms: Transform[] = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'];
  const nearestModes: NearestMode[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];
  const sizes: [number, number][] = [
    [9, 14],
    [3, 2],
    [1, 7],
  ];
  for (const mode of ['nearest', 'linear'] as const) {
    it(`resize2d ${mode}: every coordinate transform${mode === 'nearest' ? ' and nearest mode' : ''}, up and down`, async () => {
      const shape = [2, 3, 5, 6];
      const xData = randomArray(sizeOf(shape), 72);
      for (const coordinateTransform of transforms) {
        for (const nearestMode of mode === 'nearest' ? nearestModes : (['round_prefer_floor'] as const)) {
          for (const [oh, ow] of sizes) {
            const outShape = [2, 3, oh, ow];
            const ref = reference(
              'resize',
              {
                mode,
                coordinateTransform,
                nearestMode,
                cubicCoeffA: -0.75,
                excludeOutside: false,
                extrapolationValue: 0,
                antialias: false,
                keepAspectRatioPolicy: 'stretch',
              },
              [tensor(shape, xData), undefined, undefined, Tensor.fromValues('int64', [4], outShape.map(BigInt))],
            );
            const p = new ProgramBuilder();
            const x = p.input('x', shape);
            const y = p.arena('y', outShape);
            p.op({ op: 'resize2d', x, y, mode, coordinateTransform, nearestMode }).output(y);
            const [out] = await runFloat32(NativeProgram.create(p.build()), [xData]);
            expectClose(out!, ref);
          }
        }
      }
    });
  }
});
