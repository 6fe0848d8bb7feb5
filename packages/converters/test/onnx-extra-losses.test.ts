import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { int, runNode, str, supportOf } from './onnx-math-harness.js';

const f32 = (values: number[], shape: number[]) => Tensor.fromValues('float32', shape, values);
const i64 = (values: number[], shape: number[]) => Tensor.fromValues('int64', shape, values.map(BigInt));
const tol = { rtol: 1e-6, atol: 1e-6 };

// input [N=2, C=3, d1=2], laid out n, c, d.
const input = f32([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 1, 2, -3, 4, 5, -6], [2, 3, 2]);
const at = (n: number, c: number, d: number) => input.getNumber((n * 3 + c) * 2 + d);
const target = i64([2, 0, 1, -1], [2, 2]);
const weight = f32([0.5, 2, 4], [3]);

describe('NegativeLogLikelihoodLoss', () => {
  it("reduction 'none' picks -input[n, target, d] times the class weight and zeroes ignore_index", () => {
    const [y] = runNode({
      op: 'NegativeLogLikelihoodLoss',
      feeds: { input, target, weight },
      attributes: { reduction: str('none'), ignore_index: int(-1) },
      opset: 13,
    });
    expectTensorClose(y!, f32([-at(0, 2, 0) * 4, -at(0, 0, 1) * 0.5, -at(1, 1, 0) * 2, 0], [2, 2]), tol);
  });

  it("'mean' divides by the summed weights of the samples that count", () => {
    const [y] = runNode({
      op: 'NegativeLogLikelihoodLoss',
      feeds: { input, target, weight },
      attributes: { ignore_index: int(-1) },
      opset: 13,
    });
    const total = -at(0, 2, 0) * 4 - at(0, 0, 1) * 0.5 - at(1, 1, 0) * 2;
    expectTensorClose(y!, f32([total / (4 + 0.5 + 2)], []), tol);
  });

  it("'sum' and unweighted 'mean' reduce every sample", () => {
    const t = i64([2, 0, 1, 1], [2, 2]);
    const losses = [-at(0, 2, 0), -at(0, 0, 1), -at(1, 1, 0), -at(1, 1, 1)];
    const [sum] = runNode({
      op: 'NegativeLogLikelihoodLoss',
      feeds: { input, target: t },
      attributes: { reduction: str('sum') },
      opset: 13,
    });
    const [mean] = runNode({ op: 'NegativeLogLikelihoodLoss', feeds: { input, target: t }, opset: 13 });
    expectTensorClose(sum!, f32([losses.reduce((a, b) => a + b)], []), tol);
    expectTensorClose(mean!, f32([losses.reduce((a, b) => a + b) / 4], []), tol);
  });

  it('rejects an unknown reduction and integer scores', () => {
    expect(
      supportOf({ op: 'NegativeLogLikelihoodLoss', feeds: { input, target }, attributes: { reduction: str('max') }, opset: 13 }),
    ).toMatchObject({
      supported: false,
      reason: expect.stringMatching(/reduction 'max'/),
    });
    expect(
      supportOf({ op: 'NegativeLogLikelihoodLoss', feeds: { input: i64([1, 2], [1, 2]), target: i64([0], [1]) }, opset: 13 }),
    ).toMatchObject({
      supported: false,
      category: 'unsupported-dtype',
    });
  });
});

describe('SoftmaxCrossEntropyLoss', () => {
  it('applies log_softmax over the class axis and can output it', () => {
    const scores = f32([1, 2, 3, 1, 1, 1], [2, 3]);
    const labels = i64([2, 0], [2]);
    const [loss, logProb] = runNode({ op: 'SoftmaxCrossEntropyLoss', feeds: { scores, labels }, outputs: ['loss', 'log_prob'], opset: 13 });
    const lse0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    const lse1 = 1 + Math.log(3);
    const lp = [1 - lse0, 2 - lse0, 3 - lse0, 1 - lse1, 1 - lse1, 1 - lse1];
    expectTensorClose(logProb!, f32(lp, [2, 3]), tol);
    expectTensorClose(loss!, f32([-(lp[2]! + lp[3]!) / 2], []), tol);
  });
});
