import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { body, runOne } from './control-flow-harness.js';
import { f32 } from './layer-harness.js';

const thenBranch = body('then', {
  inputs: [{ name: 'a', dtype: 'float32' }],
  steps: [['identity', 'a', '', 't_out', 'float32']],
  outputs: ['t_out'],
});
const elseBranch = body('else', {
  inputs: [
    { name: 'a', dtype: 'float32' },
    { name: 'b', dtype: 'float32' },
  ],
  steps: [['add', 'a', 'b', 'e_out', 'float32']],
  outputs: ['e_out'],
});

function run(cond: boolean): Tensor {
  const feeds = { cond: Tensor.fromValues('bool', [], [cond]), a: f32([1, 2]), b: f32([10, 20]) };
  return runOne((net) => {
    net.addLayer('conditional', {
      inputs: ['cond', 'a', 'b'],
      outputs: [{ name: 'y', dtype: 'float32', shape: null }],
      params: { thenBranch, elseBranch },
    });
    return ['y'];
  }, feeds)[0]!;
}

describe('conditional kernel', () => {
  it('runs the then branch on true and the else branch on false, reading captured tensors', () => {
    expectTensorClose(run(true), f32([1, 2]), { rtol: 0, atol: 0 });
    expectTensorClose(run(false), f32([11, 22]), { rtol: 0, atol: 0 });
  });

  it('rejects a condition with more than one element', () => {
    expect(() =>
      runOne(
        (net) => {
          net.addLayer('conditional', {
            inputs: ['cond', 'a'],
            outputs: [{ name: 'y', dtype: 'float32', shape: null }],
            params: { thenBranch, elseBranch: thenBranch },
          });
          return ['y'];
        },
        { cond: Tensor.fromValues('bool', [2], [true, false]), a: f32([1]) },
      ),
    ).toThrow(/single element/);
  });
});
