import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { convertNode, int, ints, runNode } from './onnx-tensor-harness.js';

const x = { name: 'x', dtype: 'float32' as const, shape: [2, 3] };
const data = Tensor.fromValues('float32', [2, 3], [1, 2, 3, 4, 5, 6]);

describe('ONNX Shape / Size / Identity / Dropout / Optional / Constant converters', () => {
  it('Shape-15 honours start and end and declares the output length', () => {
    const spec = { op: 'Shape', opset: 15, attributes: { start: int(-1) }, inputs: [x] };
    const net = convertNode(spec);
    expect(net.tensor(net.outputs[0]!).shape).toEqual([1]);
    expect(runNode(spec, { x: data })[0]!.toArray()).toEqual([3n]);
  });

  it('Size outputs an int64 scalar', () => {
    expect(runNode({ op: 'Size', opset: 13, inputs: [x] }, { x: data })[0]!.toArray()).toEqual([6n]);
  });

  it('Dropout in inference mode passes data through and emits an all-true mask', () => {
    const spec = { op: 'Dropout', opset: 13, inputs: [x], outputs: ['y', 'mask'] };
    const [y, mask] = runNode(spec, { x: data });
    expect(y!.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(mask!.dtype).toBe('bool');
    expect(mask!.shape).toEqual([2, 3]);
    expect(mask!.toArray().every((v) => v === true)).toBe(true);
  });

  it('Dropout-7 types the mask like the input', () => {
    const [, mask] = runNode({ op: 'Dropout', opset: 7, inputs: [x], outputs: ['y', 'mask'] }, { x: data });
    expect(mask!.dtype).toBe('float32');
  });

  it('Dropout refuses a dynamic or true training_mode', () => {
    const dynamic = {
      op: 'Dropout',
      opset: 13,
      inputs: [x, { name: 'r', dtype: 'float32' as const, shape: [] }, { name: 't', dtype: 'bool' as const, shape: [] }],
    };
    expect(() => convertNode(dynamic)).toThrow(/inference mode/);
    const training = {
      op: 'Dropout',
      opset: 13,
      inputs: [x],
      weights: { r: Tensor.scalar('float32', 0.5), t: Tensor.scalar('bool', true) },
    };
    expect(() => convertNode(training)).toThrow(/random/);
    const zeroRatio = { ...training, weights: { r: Tensor.scalar('float32', 0), t: Tensor.scalar('bool', true) } };
    expect(runNode(zeroRatio, { x: data })[0]!.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('OptionalHasElement is a constant; OptionalGetElement passes a tensor through', () => {
    const empty = { op: 'OptionalHasElement', opset: 18, inputs: [], nodeInputs: [] };
    expect(runNode(empty, {})[0]!.toArray()).toEqual([false]);
    const present = { op: 'OptionalHasElement', opset: 18, inputs: [x] };
    expect(runNode(present, { x: data })[0]!.toArray()).toEqual([true]);
    expect(runNode({ op: 'OptionalGetElement', opset: 18, inputs: [x] }, { x: data })[0]!.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('Constant reads value_ints and value_string, and refuses sparse values', () => {
    expect(runNode({ op: 'Constant', opset: 13, attributes: { value_ints: ints([4, 5]) }, inputs: [] }, {})[0]!.toArray()).toEqual([
      4n,
      5n,
    ]);
    const s = runNode({ op: 'Constant', opset: 13, attributes: { value_string: { kind: 'string', value: 'hi' } }, inputs: [] }, {})[0]!;
    expect(s.dtype).toBe('string');
    expect(s.toArray()).toEqual(['hi']);
    const sparse = {
      op: 'Constant',
      opset: 13,
      attributes: { sparse_value: { kind: 'opaque' as const, value: { type: 'sparse', bytes: new Uint8Array() } } },
      inputs: [],
    };
    expect(() => convertNode(sparse)).toThrow(/sparse/);
  });
});
