import { type AttributeValue, Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { convertNode, int, runNode, str, supportOf } from './onnx-math-harness.js';

const f32 = (values: number[], shape = [values.length]) => Tensor.fromValues('float32', shape, values);

describe('ONNX cast converters', () => {
  it('Cast reads the ONNX type code (as importers store it) or a kiln dtype', () => {
    const [y] = runNode({ op: 'Cast', feeds: { x: f32([1.7, -1.7]) }, attributes: { to: int(6) } });
    expect(y!.dtype).toBe('int32');
    expect(y!.toArray()).toEqual([1, -1]);
    const typed: AttributeValue = { kind: 'type', value: 'float16' };
    expect(runNode({ op: 'Cast', feeds: { x: f32([1 / 3]) }, attributes: { to: typed } })[0]!.dtype).toBe('float16');
  });

  it('Cast-1 names its target as a string', () => {
    const [y] = runNode({ op: 'Cast', opset: 1, feeds: { x: f32([2.9]) }, attributes: { to: str('INT64') } });
    expect(y!.toArray()).toEqual([2n]);
    expect(supportOf({ op: 'Cast', opset: 1, feeds: { x: f32([1]) }, attributes: { to: str('QUATERNION') } })).toMatchObject({
      supported: false,
    });
  });

  it('saturate=0 keeps float8 overflow as NaN', () => {
    const [y] = runNode({ op: 'Cast', opset: 19, feeds: { x: f32([1e6]) }, attributes: { to: int(17), saturate: int(0) } });
    expect(Number.isNaN(y!.toArray()[0] as number)).toBe(true);
  });

  it('CastLike takes the dtype of its second input', () => {
    const network = convertNode({ op: 'CastLike', feeds: { x: f32([2.5]), like: Tensor.fromValues('int64', [1], [0]) } });
    expect(network.tensor('y').dtype).toBe('int64');
  });

  it('rejects complex targets and a missing target with reasons', () => {
    expect(supportOf({ op: 'Cast', feeds: { x: f32([1]) }, attributes: { to: int(14) } })).toMatchObject({
      supported: false,
      category: 'unsupported-dtype',
    });
    expect(supportOf({ op: 'Cast', feeds: { x: f32([1]) } })).toMatchObject({ supported: false, category: 'unsupported-attribute' });
  });
});
