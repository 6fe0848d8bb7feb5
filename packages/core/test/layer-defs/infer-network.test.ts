import { describe, expect, it } from 'vitest';
import { ErrorCode, inferNetwork, KilnError, Network, Tensor } from '../../src/index.js';

/** x → relu → matmul with a constant → y, declared with unknown shapes except where noted. */
function chain(declaredY: (number | string | null)[] | null = null): Network {
  const net = new Network('chain');
  net.addInput({ name: 'x', dtype: 'float32', shape: ['batch', 4] });
  net.addLayer('activation', { name: 'relu', inputs: ['x'], outputs: ['r'], params: { type: 'relu' } });
  net.addLayer('constant', {
    name: 'w',
    inputs: [],
    outputs: [{ name: 'w_out', dtype: 'float32', shape: [4, 3] }],
    params: { value: Tensor.zeros('float32', [4, 3]) },
  });
  net.addLayer('matrix_multiply', {
    name: 'mm',
    inputs: ['r', 'w_out'],
    outputs: [{ name: 'y', dtype: 'float32', shape: declaredY }],
    params: { transposeA: false, transposeB: false },
  });
  net.markOutput('y');
  return net;
}

describe('inferNetwork', () => {
  it('infers forward from the declared inputs, symbols kept', () => {
    const facts = inferNetwork(chain());
    expect(facts.get('r')).toEqual({ dtype: 'float32', shape: ['batch', 4] });
    expect(facts.get('y')).toEqual({ dtype: 'float32', shape: ['batch', 3] });
    expect(facts.get('w_out')?.value?.shape).toEqual([4, 3]);
  });

  it('uses given shapes for inputs and any other tensor', () => {
    expect(inferNetwork(chain(), { shapes: new Map([['x', [2, 4]]]) }).get('y')?.shape).toEqual([2, 3]);
    expect(inferNetwork(chain(), { shapes: new Map([['r', [7, 4]]]) }).get('y')?.shape).toEqual([7, 3]);
  });

  it('declared dims fill unknowns, and "prefer" keeps a static declaration', () => {
    const net = chain([5, 3]);
    expect(inferNetwork(net).get('y')?.shape).toEqual([5, 3]);
    expect(inferNetwork(net, { declared: 'ignore' }).get('y')?.shape).toEqual(['batch', 3]);
    const known = inferNetwork(net, { shapes: new Map([['x', [2, 4]]]) });
    expect(known.get('y')?.shape).toEqual([2, 3]);
    expect(inferNetwork(net, { shapes: new Map([['x', [2, 4]]]), declared: 'prefer' }).get('y')?.shape).toEqual([5, 3]);
  });

  it('throws naming the layer, or keeps declarations with onError "declared"', () => {
    const net = chain([null, 3]);
    const bad = new Map([['x', [2, 5]]]);
    try {
      inferNetwork(net, { shapes: bad });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KilnError);
      expect((e as KilnError).code).toBe(ErrorCode.SHAPE_MISMATCH);
      expect((e as KilnError).layer).toEqual({ name: 'mm', kind: 'matrix_multiply', index: 2 });
    }
    expect(inferNetwork(net, { shapes: bad, onError: 'declared' }).get('y')).toEqual({ dtype: 'float32', shape: [null, 3] });
  });

  it('takes plugin output dtypes from their declarations', () => {
    const net = new Network('p');
    net.addInput({ name: 'x', dtype: 'float32', shape: [3] });
    net.addLayer('plugin', {
      name: 'unique',
      inputs: ['x'],
      outputs: [{ name: 'idx', dtype: 'int64', shape: null }],
      params: { namespace: 'kiln', name: 'Unique', version: '1', fields: {} },
    });
    expect(inferNetwork(net).get('idx')?.dtype).toBe('int64');
  });

  it('infers the taken branch of a conditional with a known condition from the captured facts', () => {
    const branch = (kind: 'relu' | 'sigmoid') => {
      const b = new Network(`${kind}_branch`);
      b.addInput({ name: 'x', dtype: 'float32', shape: null });
      b.addLayer('activation', { name: `${kind}_l`, inputs: ['x'], outputs: [`${kind}_y`], params: { type: kind } });
      b.markOutput(`${kind}_y`);
      return b;
    };
    const net = new Network('if');
    net.addInput({ name: 'x', dtype: 'float32', shape: ['n', 8] });
    net.addLayer('constant', {
      name: 'cond',
      inputs: [],
      outputs: [{ name: 'c', dtype: 'bool', shape: [] }],
      params: { value: Tensor.fromValues('bool', [], [true]) },
    });
    net.addLayer('conditional', {
      name: 'if',
      inputs: ['c', 'x'],
      outputs: [{ name: 'y', dtype: 'float32', shape: null }],
      params: { thenBranch: branch('relu'), elseBranch: branch('sigmoid') },
    });
    expect(inferNetwork(net).get('y')).toMatchObject({ dtype: 'float32', shape: ['n', 8] });
  });
});
