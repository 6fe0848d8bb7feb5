import type { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { body, runOne } from './control-flow-harness.js';
import { f32 } from './layer-harness.js';

// body(sum, x_t): sum' = sum + x_t; scan out = sum'.
const sumBody = body('scan_body', {
  inputs: [
    { name: 'sum', dtype: 'float32', shape: [2] },
    { name: 'x_t', dtype: 'float32', shape: [2] },
  ],
  steps: [
    ['add', 'sum', 'x_t', 'sum_out', 'float32'],
    ['identity', 'sum_out', '', 'y_t', 'float32'],
  ],
  outputs: ['sum_out', 'y_t'],
});

function run(x: Tensor, inAxis: number, inDir: number, outAxis: number, outDir: number): Tensor[] {
  return runOne(
    (net) => {
      net.addLayer('scan', {
        inputs: ['init', 'x'],
        outputs: [
          { name: 'final', dtype: 'float32', shape: null },
          { name: 'ys', dtype: 'float32', shape: null },
        ],
        params: {
          body: sumBody,
          numStates: 1,
          numScanInputs: 1,
          scanInputAxes: [inAxis],
          scanInputDirections: [inDir],
          scanOutputAxes: [outAxis],
          scanOutputDirections: [outDir],
        },
      });
      return ['final', 'ys'];
    },
    { init: f32([0, 0]), x },
  );
}

describe('scan kernel', () => {
  const x = f32([1, 2, 3, 4, 5, 6], [3, 2]);

  it('accumulates over axis 0 and stacks outputs', () => {
    const [final, ys] = run(x, 0, 0, 0, 0);
    expectTensorClose(final!, f32([9, 12]), { rtol: 0, atol: 0 });
    expectTensorClose(ys!, f32([1, 2, 4, 6, 9, 12], [3, 2]), { rtol: 0, atol: 0 });
  });

  it('reverse input direction walks the sequence backwards; reverse output direction stacks in reverse', () => {
    const [, ys] = run(x, 0, 1, 0, 0);
    expectTensorClose(ys!, f32([5, 6, 8, 10, 9, 12], [3, 2]), { rtol: 0, atol: 0 });
    const [, yr] = run(x, 0, 0, 0, 1);
    expectTensorClose(yr!, f32([9, 12, 4, 6, 1, 2], [3, 2]), { rtol: 0, atol: 0 });
  });

  it('scans along axis 1 and stacks along output axis 1 (negative axes count from the end)', () => {
    const xt = f32([1, 3, 5, 2, 4, 6], [2, 3]);
    const [final, ys] = run(xt, -1, 0, -1, 0);
    expectTensorClose(final!, f32([9, 12]), { rtol: 0, atol: 0 });
    expect(ys!.shape).toEqual([2, 3]);
    expectTensorClose(ys!, f32([1, 4, 9, 2, 6, 12], [2, 3]), { rtol: 0, atol: 0 });
  });

  it('rejects scan inputs with different step counts', () => {
    const twoInputs = () =>
      runOne(
        (net) => {
          net.addLayer('scan', {
            inputs: ['a', 'b'],
            outputs: [{ name: 'o', dtype: 'float32', shape: null }],
            params: {
              body: sumBody,
              numStates: 0,
              numScanInputs: 2,
              scanInputAxes: [0, 0],
              scanInputDirections: [0, 0],
              scanOutputAxes: [0],
              scanOutputDirections: [0],
            },
          });
          return ['o'];
        },
        { a: f32([1, 2], [2, 1]), b: f32([1, 2, 3], [3, 1]) },
      );
    expect(twoInputs).toThrow(/steps/);
  });
});
