import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertNode, int, runNode, supportOf } from './onnx-math-harness.js';

const x = Tensor.fromValues('float32', [2, 2], [0, 0, 0, Math.log(3)]);

describe('ONNX softmax converters', () => {
  it('opset 13 normalises over the last axis', () => {
    expectTensorClose(
      runNode({ op: 'Softmax', opset: 13, feeds: { x } })[0]!,
      Tensor.fromValues('float32', [2, 2], [0.5, 0.5, 0.25, 0.75]),
      { rtol: 1e-6, atol: 0 },
    );
  });

  it('before opset 13 the input is coerced to 2-D at axis (default 1)', () => {
    const layer = convertNode({ op: 'Softmax', opset: 11, feeds: { x }, attributes: { axis: int(0) } }).layers.find(
      (l) => l.kind === 'softmax',
    )!;
    expect(layer.params).toMatchObject({ axis: 0, coerce2d: true });
    const [y] = runNode({ op: 'Softmax', opset: 11, feeds: { x }, attributes: { axis: int(0) } });
    expectTensorClose(y!, Tensor.fromValues('float32', [2, 2], [1 / 6, 1 / 6, 1 / 6, 0.5]), { rtol: 1e-6, atol: 0 });
  });

  it('LogSoftmax and Hardmax, integers rejected', () => {
    expectTensorClose(
      runNode({ op: 'LogSoftmax', opset: 13, feeds: { x } })[0]!,
      Tensor.fromValues('float32', [2, 2], [Math.log(0.5), Math.log(0.5), Math.log(0.25), Math.log(0.75)]),
      { rtol: 1e-6, atol: 0 },
    );
    expect(runNode({ op: 'Hardmax', opset: 13, feeds: { x } })[0]!.toArray()).toEqual([1, 0, 0, 1]);
    expect(supportOf({ op: 'Softmax', feeds: { x: Tensor.fromValues('int32', [1], [1]) } })).toMatchObject({
      supported: false,
      category: 'unsupported-dtype',
    });
  });
});
