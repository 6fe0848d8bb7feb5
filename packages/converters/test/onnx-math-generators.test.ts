import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { float, int, ints, runNode, supportOf, tensorAttr } from './onnx-math-harness.js';

const i64 = (values: number[], shape = [values.length]) => Tensor.fromValues('int64', shape, values);

describe('ONNX generator converters', () => {
  it('Range takes its dtype from start', () => {
    const [y] = runNode({ op: 'Range', feeds: { start: i64([5], []), limit: i64([-1], []), delta: i64([-2], []) } });
    expect(y!.dtype).toBe('int64');
    expect(y!.toArray()).toEqual([5n, 3n, 1n]);
  });

  it('ConstantOfShape defaults to float32 zeros and honours its value tensor', () => {
    expect(runNode({ op: 'ConstantOfShape', feeds: { shape: i64([2]) } })[0]!.toArray()).toEqual([0, 0]);
    const [y] = runNode({
      op: 'ConstantOfShape',
      feeds: { shape: i64([1, 2]) },
      attributes: { value: tensorAttr(Tensor.fromValues('int32', [1], [4])) },
    });
    expect(y!.dtype).toBe('int32');
    expect(y!.toArray()).toEqual([4, 4]);
    const strings = tensorAttr(Tensor.fromValues('string', [1], ['a']));
    expect(supportOf({ op: 'ConstantOfShape', feeds: { shape: i64([1]) }, attributes: { value: strings } })).toMatchObject({
      supported: false,
    });
  });

  it('EyeLike with a dtype code and offset', () => {
    const [y] = runNode({ op: 'EyeLike', feeds: { x: Tensor.zeros('float32', [2, 2]) }, attributes: { dtype: int(7), k: int(-1) } });
    expect(y!.dtype).toBe('int64');
    expect(y!.toArray()).toEqual([0n, 0n, 1n, 0n]);
  });

  it('RandomUniform honours shape, range and seed; RandomNormalLike copies the template shape', () => {
    const attrs = { shape: ints([50]), low: float(-2), high: float(-1), seed: float(3) };
    const [a] = runNode({ op: 'RandomUniform', attributes: attrs });
    const [b] = runNode({ op: 'RandomUniform', attributes: attrs });
    expect(a!.shape).toEqual([50]);
    expect(a!.toArray()).toEqual(b!.toArray());
    expect(a!.toArray().every((v) => (v as number) >= -2 && (v as number) < -1)).toBe(true);
    expect(runNode({ op: 'RandomNormalLike', feeds: { t: Tensor.zeros('float64', [3, 2]) } })[0]!.shape).toEqual([3, 2]);
    expect(supportOf({ op: 'RandomNormal' })).toMatchObject({ supported: false, category: 'unsupported-attribute' });
  });

  it('Bernoulli draws 0/1 with the probabilities given (0 and 1 are certain)', () => {
    const p = Tensor.fromValues('float32', [4], [0, 1, 0, 1]);
    const [y] = runNode({ op: 'Bernoulli', feeds: { p }, attributes: { seed: float(1) } });
    expect(y!.toArray()).toEqual([0, 1, 0, 1]);
  });
});
