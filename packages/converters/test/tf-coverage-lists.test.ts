import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { a, type NodeSpec, runTf } from './tf-test-graph.js';
import { fromTf, tf, toTf } from './tfjs-oracle.js';

const close = { rtol: 1e-6, atol: 1e-6 };
const f32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('float32', shape, values);
const i32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('int32', shape, values);
const fl = { element_dtype: a.type('float32') };
const fa = { dtype: a.type('float32') };

const x = f32([3, 2], [1, 2, 3, 4, 5, 6]);
const item = f32([2], [-1, -2]);
const item2 = f32([2], [7, 8]);

/** Runs TF nodes over graph input x, weights and int32 scalar constants named by value (i0, i1, …). */
function run(nodes: NodeSpec[], outputs: string[], weights: Record<string, Tensor> = {}): Map<string, Tensor> {
  const consts: Record<string, Tensor> = { item, item2, shape2: i32([1], [2]), unknown: i32([], [-1]) };
  for (let i = -1; i < 6; i++) consts[`i${i < 0 ? 'm1' : i}`] = i32([], [i]);
  return runTf({ inputs: { x: { dtype: 'float32', shape: [3, 2] } }, weights: { ...consts, ...weights }, nodes, outputs }, { x });
}

// Element ops are the control-flow helper's tensor-list.ts; the rest are tensor-list-ops.ts.
describe('TF TensorList ops on kiln sequences', () => {
  it('FromTensor, SetItem, PushBack, GetItem, Length, Stack', () => {
    const r = run(
      [
        { name: 'l0', op: 'TensorListFromTensor', inputs: ['x', 'shape2'], attrs: fl },
        { name: 'l1', op: 'TensorListSetItem', inputs: ['l0', 'i1', 'item'], attrs: fl },
        { name: 'l2', op: 'TensorListPushBack', inputs: ['l1', 'item2'], attrs: fl },
        { name: 'get', op: 'TensorListGetItem', inputs: ['l2', 'i3', 'shape2'], attrs: fl },
        { name: 'len', op: 'TensorListLength', inputs: ['l2'] },
        { name: 'stack', op: 'TensorListStack', inputs: ['l2', 'shape2'], attrs: fl },
      ],
      ['get', 'len', 'stack'],
    );
    const expected = tf.concat([
      tf.slice(toTf(x), [0, 0], [1, 2]),
      tf.reshape(toTf(item), [1, 2]),
      tf.slice(toTf(x), [2, 0], [1, 2]),
      tf.reshape(toTf(item2), [1, 2]),
    ]);
    expectTensorClose(r.get('stack')!, fromTf(expected), close);
    expectTensorClose(r.get('get')!, item2, close);
    expect(r.get('len')!.dtype).toBe('int32');
    expect(r.get('len')!.toArray()).toEqual([4]);
  });

  it('PopBack returns the shorter list and the last element; Gather picks elements', () => {
    const r = run(
      [
        { name: 'l0', op: 'TensorListFromTensor', inputs: ['x', 'shape2'], attrs: fl },
        { name: 'pop', op: 'TensorListPopBack', inputs: ['l0', 'shape2'], attrs: fl, outputs: 2 },
        { name: 'rest', op: 'TensorListStack', inputs: ['pop', 'shape2'], attrs: fl },
        { name: 'g', op: 'TensorListGather', inputs: ['l0', 'idx', 'shape2'], attrs: fl },
      ],
      ['pop:1', 'rest', 'g'],
      { idx: i32([3], [2, 0, 2]) },
    );
    expectTensorClose(r.get('pop:1')!, f32([2], [5, 6]), close);
    expectTensorClose(r.get('rest')!, fromTf(tf.slice(toTf(x), [0, 0], [2, 2])), close);
    expectTensorClose(r.get('g')!, fromTf(tf.gather(toTf(x), tf.tensor1d([2, 0, 2], 'int32'))), close);
  });

  it('Reserve then SetItem every element, and EmptyTensorList + PushBack', () => {
    const r = run(
      [
        { name: 'l0', op: 'TensorListReserve', inputs: ['shape2', 'i2'], attrs: fl },
        { name: 'l1', op: 'TensorListSetItem', inputs: ['l0', 'i1', 'item'], attrs: fl },
        { name: 'l2', op: 'TensorListSetItem', inputs: ['l1', 'i0', 'item2'], attrs: fl },
        { name: 's', op: 'TensorListStack', inputs: ['l2', 'shape2'], attrs: fl },
        { name: 'e0', op: 'EmptyTensorList', inputs: ['shape2', 'im1'], attrs: fl },
        { name: 'e1', op: 'TensorListPushBack', inputs: ['e0', 'item2'], attrs: fl },
        { name: 'e2', op: 'TensorListPushBack', inputs: ['e1', 'item'], attrs: fl },
        { name: 'es', op: 'TensorListStack', inputs: ['e2', 'shape2'], attrs: fl },
      ],
      ['s', 'es'],
    );
    expectTensorClose(r.get('s')!, f32([2, 2], [7, 8, -1, -2]), close);
    expectTensorClose(r.get('es')!, fromTf(tf.stack([toTf(item2), toTf(item)])), close);
  });

  it('ScatterV2 places rows at indices (zeros elsewhere, num_elements honoured)', () => {
    const r = run(
      [
        { name: 'l', op: 'TensorListScatterV2', inputs: ['x', 'idx', 'shape2', 'i5'], attrs: fl },
        { name: 's', op: 'TensorListStack', inputs: ['l', 'shape2'], attrs: fl },
        { name: 'l1', op: 'TensorListScatter', inputs: ['x', 'idx', 'shape2'], attrs: fl },
        { name: 'n1', op: 'TensorListLength', inputs: ['l1'] },
      ],
      ['s', 'n1'],
      { idx: i32([3], [3, 0, 1]) },
    );
    const ref = tf.scatterND(tf.tensor2d([3, 0, 1], [3, 1], 'int32'), toTf(x), [5, 2]);
    expectTensorClose(r.get('s')!, fromTf(ref), close);
    expect(r.get('n1')!.toArray()).toEqual([4]);
  });

  it('Split by lengths, ConcatV2 back with the lengths, Resize grows and shrinks', () => {
    const r = run(
      [
        { name: 'l', op: 'TensorListSplit', inputs: ['x4', 'shape2', 'lens'], attrs: fl },
        { name: 'c', op: 'TensorListConcatV2', inputs: ['l', 'shape2', 'lead'], attrs: fl, outputs: 2 },
        { name: 'l0', op: 'TensorListFromTensor', inputs: ['x', 'shape2'], attrs: fl },
        { name: 'big', op: 'TensorListResize', inputs: ['l0', 'i5'], attrs: fl },
        { name: 'bs', op: 'TensorListStack', inputs: ['big', 'shape2'], attrs: fl },
        { name: 'small', op: 'TensorListResize', inputs: ['l0', 'i1'], attrs: fl },
        { name: 'ss', op: 'TensorListStack', inputs: ['small', 'shape2'], attrs: fl },
      ],
      ['c', 'c:1', 'bs', 'ss'],
      {
        x4: f32([4, 2], [1, 2, 3, 4, 5, 6, 7, 8]),
        lens: Tensor.fromValues('int64', [2], [2, 2]),
        lead: Tensor.fromValues('int64', [0], []),
      },
    );
    expectTensorClose(r.get('c')!, f32([4, 2], [1, 2, 3, 4, 5, 6, 7, 8]), close);
    expect(Array.from(r.get('c:1')!.toFloat64())).toEqual([2, 2]);
    expectTensorClose(
      r.get('bs')!,
      fromTf(
        tf.pad(toTf(x), [
          [0, 2],
          [0, 0],
        ]),
      ),
      close,
    );
    expectTensorClose(r.get('ss')!, f32([1, 2], [1, 2]), close);
  });
});

describe('TF TensorArray*V3 ops, with the flow carrying the contents', () => {
  it('Write, Read, Gather, Size, Concat and Close', () => {
    const r = run(
      [
        { name: 'ta', op: 'TensorArrayV3', inputs: ['i3'], attrs: { ...fa, element_shape: { kind: 'shape', value: [2] } }, outputs: 2 },
        { name: 'w0', op: 'TensorArrayWriteV3', inputs: ['ta', 'i0', 'item', 'ta:1'], attrs: { T: a.type('float32') } },
        { name: 'w2', op: 'TensorArrayWriteV3', inputs: ['ta', 'i2', 'item2', 'w0'], attrs: { T: a.type('float32') } },
        { name: 'w1', op: 'TensorArrayWriteV3', inputs: ['ta', 'i1', 'item', 'w2'], attrs: { T: a.type('float32') } },
        { name: 'read', op: 'TensorArrayReadV3', inputs: ['ta', 'i2', 'w1'], attrs: fa },
        { name: 'g', op: 'TensorArrayGatherV3', inputs: ['ta', 'idx', 'w1'], attrs: fa },
        { name: 'size', op: 'TensorArraySizeV3', inputs: ['ta', 'w1'] },
        { name: 'cat', op: 'TensorArrayConcatV3', inputs: ['ta', 'w1'], attrs: fa, outputs: 2 },
        { name: 'close', op: 'TensorArrayCloseV3', inputs: ['ta'], outputs: 0 },
      ],
      ['read', 'g', 'size', 'cat', 'cat:1'],
      { idx: i32([2], [2, 0]) },
    );
    expectTensorClose(r.get('read')!, item2, close);
    expectTensorClose(r.get('g')!, fromTf(tf.stack([toTf(item2), toTf(item)])), close);
    expect(r.get('size')!.toArray()).toEqual([3]);
    expectTensorClose(r.get('cat')!, fromTf(tf.concat([toTf(item), toTf(item), toTf(item2)])), close);
    expect(Array.from(r.get('cat:1')!.toFloat64())).toEqual([2, 2, 2]);
  });

  it('Scatter into a fresh array (unstack) and Split by lengths', () => {
    const r = run(
      [
        { name: 'ta', op: 'TensorArrayV3', inputs: ['i3'], attrs: fa, outputs: 2 },
        { name: 'sc', op: 'TensorArrayScatterV3', inputs: ['ta', 'idx', 'x', 'ta:1'], attrs: { T: a.type('float32') } },
        { name: 'g', op: 'TensorArrayGatherV3', inputs: ['ta', 'all', 'sc'], attrs: fa },
        { name: 'tb', op: 'TensorArrayV3', inputs: ['i2'], attrs: fa, outputs: 2 },
        { name: 'sp', op: 'TensorArraySplitV3', inputs: ['tb', 'x', 'lens', 'tb:1'], attrs: { T: a.type('float32') } },
        { name: 'r1', op: 'TensorArrayReadV3', inputs: ['tb', 'i1', 'sp'], attrs: fa },
      ],
      ['g', 'r1'],
      { idx: i32([3], [2, 0, 1]), all: i32([3], [0, 1, 2]), lens: Tensor.fromValues('int64', [2], [1, 2]) },
    );
    expectTensorClose(r.get('g')!, fromTf(tf.gather(toTf(x), tf.tensor1d([1, 2, 0], 'int32'))), close);
    expectTensorClose(r.get('r1')!, f32([2, 2], [3, 4, 5, 6]), close);
  });
});
