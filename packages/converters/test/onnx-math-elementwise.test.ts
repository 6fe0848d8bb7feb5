import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertNode, int, runNode, str, supportOf } from './onnx-math-harness.js';

const f32 = (values: number[], shape = [values.length]) => Tensor.fromValues('float32', shape, values);

describe('ONNX elementwise converters', () => {
  it('Add broadcasts and keeps the graph output name', () => {
    const [y] = runNode({ op: 'Add', feeds: { a: f32([1, 2, 3, 4], [2, 2]) }, weights: { b: f32([10, 20]) } });
    expectTensorClose(y!, f32([11, 22, 13, 24], [2, 2]), { rtol: 0, atol: 0 });
  });

  it('comparisons declare bool outputs', () => {
    const network = convertNode({ op: 'Greater', feeds: { a: f32([1, 5]), b: f32([2, 2]) } });
    expect(network.tensor('y').dtype).toBe('bool');
    expect(runNode({ op: 'Greater', feeds: { a: f32([1, 5]), b: f32([2, 2]) } })[0]!.toArray()).toEqual([false, true]);
  });

  it('variadic Mean/Max become chains of binary layers; one input is an identity', () => {
    const feeds = { a: f32([1, 2]), b: f32([3, 6]), c: f32([5, 1]) };
    expectTensorClose(runNode({ op: 'Mean', feeds })[0]!, f32([3, 3]), { rtol: 0, atol: 0 });
    const net = convertNode({ op: 'Max', feeds });
    expect(net.histogram().elementwise).toBe(2);
    expectTensorClose(runNode({ op: 'Max', feeds })[0]!, f32([5, 6]), { rtol: 0, atol: 0 });
    expectTensorClose(runNode({ op: 'Sum', feeds: { a: f32([1, 2]) } })[0]!, f32([1, 2]), { rtol: 0, atol: 0 });
  });

  it('Mod honours fmod; float Mod without fmod is rejected with the reason', () => {
    const feeds = { a: Tensor.fromValues('int32', [2], [-7, 7]), b: Tensor.fromValues('int32', [2], [3, -3]) };
    expect(runNode({ op: 'Mod', feeds })[0]!.toArray()).toEqual([2, -2]);
    expect(runNode({ op: 'Mod', feeds, attributes: { fmod: int(1) } })[0]!.toArray()).toEqual([-1, 1]);
    const verdict = supportOf({ op: 'Mod', feeds: { a: f32([1]), b: f32([2]) } });
    expect(verdict).toMatchObject({ supported: false, category: 'unsupported-attribute' });
  });

  it('BitShift reads its direction and rejects signed inputs', () => {
    const feeds = { a: Tensor.fromValues('uint16', [2], [1, 256]), b: Tensor.fromValues('uint16', [2], [3, 4]) };
    expect(runNode({ op: 'BitShift', feeds, attributes: { direction: str('LEFT') } })[0]!.toArray()).toEqual([8, 4096]);
    expect(runNode({ op: 'BitShift', feeds, attributes: { direction: str('RIGHT') } })[0]!.toArray()).toEqual([0, 16]);
    expect(supportOf({ op: 'BitShift', feeds, attributes: { direction: str('UP') } })).toMatchObject({ supported: false });
    const signed = { a: Tensor.fromValues('int8', [1], [1]), b: Tensor.fromValues('int8', [1], [1]) };
    expect(supportOf({ op: 'BitShift', feeds: signed, attributes: { direction: str('LEFT') } })).toMatchObject({
      supported: false,
      category: 'unsupported-dtype',
    });
  });

  it('rejects string arithmetic and misaligned legacy axis broadcasting in validation', () => {
    const s = Tensor.fromValues('string', [1], ['a']);
    const verdict = supportOf({ op: 'Add', feeds: { a: s, b: s } });
    expect(verdict).toMatchObject({ supported: false, category: 'unsupported-dtype' });
    expect((verdict as { reason: string }).reason).toContain('string');
    expect(supportOf({ op: 'Equal', feeds: { a: s, b: s } })).toEqual({ supported: true });
    const misaligned = supportOf({
      op: 'Mul',
      feeds: { a: f32([1, 2]), b: f32([1, 2, 3, 4], [2, 2]) },
      attributes: { broadcast: int(1), axis: int(0) },
      opset: 6,
    });
    expect(misaligned).toMatchObject({ supported: false, category: 'unsupported-attribute' });
  });

  it('opset < 7 broadcast=1 with axis aligns B at that axis (constant or run-time B)', () => {
    const a = f32([1, 2, 3, 4, 5, 6], [2, 3]);
    const want = f32([11, 12, 13, 24, 25, 26], [2, 3]);
    const attributes = { broadcast: int(1), axis: int(0) };
    expectTensorClose(runNode({ op: 'Add', opset: 6, feeds: { a }, weights: { b: f32([10, 20]) }, attributes })[0]!, want, {
      rtol: 0,
      atol: 0,
    });
    const dynamic = { op: 'Add', opset: 6, feeds: { a, b: f32([10, 20]) }, attributes };
    expect(convertNode(dynamic).histogram().shuffle).toBe(1);
    expectTensorClose(runNode(dynamic)[0]!, want, { rtol: 0, atol: 0 });
  });
});
