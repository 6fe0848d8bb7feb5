import { ErrorCode, KilnError, resourceLimits, Tensor, withResourceLimits } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { body, runOne } from './control-flow-harness.js';
import { f32 } from './layer-harness.js';

// body(iter, cond, acc; captured step, limit): acc' = acc + step; cond' = iter < limit; scan out = acc'.
const loopBody = body('loop_body', {
  inputs: [
    { name: 'iter', dtype: 'int64', shape: [] },
    { name: 'cond_in', dtype: 'bool', shape: [] },
    { name: 'acc', dtype: 'float32', shape: [2] },
    { name: 'step', dtype: 'float32', shape: [2] },
    { name: 'limit', dtype: 'int64', shape: [] },
  ],
  steps: [
    ['add', 'acc', 'step', 'acc_out', 'float32'],
    ['less', 'iter', 'limit', 'cond_out', 'bool'],
    ['identity', 'acc_out', '', 'scan_out', 'float32'],
  ],
  outputs: ['cond_out', 'acc_out', 'scan_out'],
});

// The scan output's element shape is declared, so an empty loop can still shape its stack.
loopBody.tensor('scan_out').shape = [2];

function run(tripCount: number | undefined, limit: number): Tensor[] {
  const feeds: Record<string, Tensor> = {
    acc0: f32([0, 1]),
    step: f32([1, 10]),
    limit: Tensor.fromValues('int64', [], [limit]),
    cond: Tensor.fromValues('bool', [], [true]),
  };
  if (tripCount !== undefined) feeds.trips = Tensor.fromValues('int64', [], [tripCount]);
  return runOne((net) => {
    net.addLayer('loop', {
      inputs: [tripCount !== undefined ? 'trips' : '', 'cond', 'acc0', 'step', 'limit'],
      outputs: [
        { name: 'acc_final', dtype: 'float32', shape: null },
        { name: 'scan', dtype: 'float32', shape: null },
      ],
      params: { body: loopBody, numCarried: 1 },
    });
    return ['acc_final', 'scan'];
  }, feeds);
}

describe('loop kernel', () => {
  it('refuses a loop that runs past maxLoopIterations with RESOURCE_LIMIT naming the layer', () => {
    const limits = resourceLimits({ maxLoopIterations: 50 });
    let caught: unknown;
    try {
      withResourceLimits(limits, () => run(undefined, 1_000_000));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(KilnError);
    expect((caught as KilnError).code).toBe(ErrorCode.RESOURCE_LIMIT);
    expect((caught as KilnError).message).toMatch(/maxLoopIterations = 50/);
    // Within the limit the same loop runs to its condition.
    const [acc] = withResourceLimits(limits, () => run(undefined, 10));
    expectTensorClose(acc!, f32([11, 111]), { rtol: 0, atol: 0 });
  });

  it('stops at the trip count and stacks scan outputs along a new axis 0', () => {
    const [acc, scan] = run(3, 100);
    expectTensorClose(acc!, f32([3, 31]), { rtol: 0, atol: 0 });
    expectTensorClose(scan!, f32([1, 11, 2, 21, 3, 31], [3, 2]), { rtol: 0, atol: 0 });
  });

  it('stops when the body condition turns false', () => {
    // iterations 0, 1, 2 run; after iteration 2 the condition (2 < 2) is false.
    const [acc, scan] = run(undefined, 2);
    expectTensorClose(acc!, f32([3, 31]), { rtol: 0, atol: 0 });
    expect(scan!.shape).toEqual([3, 2]);
  });

  it('zero iterations return the initial values and an empty scan output of the declared shape', () => {
    const [acc, scan] = run(0, 5);
    expectTensorClose(acc!, f32([0, 1]), { rtol: 0, atol: 0 });
    expect(scan!.shape).toEqual([0, 2]);
  });
});
