import { Network } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { identityRemoval } from '../../src/builder/rules/identity-removal.js';
import { expectSameOutputs, kinds, optimize } from './golden.js';

function networkWithPassThroughs(): Network {
  const net = new Network('identities');
  net.addInput({ name: 'x', dtype: 'float32', shape: [3] });
  net.addLayer('identity', { name: 'id', inputs: ['x'], outputs: [{ name: 'a', dtype: 'float32', shape: [3] }], params: {} });
  net.addLayer('cast', {
    name: 'same_cast',
    inputs: ['a'],
    outputs: [{ name: 'b', dtype: 'float32', shape: [3] }],
    params: { to: 'float32' },
  });
  net.addLayer('elementwise', {
    name: 'square',
    inputs: ['b', 'b'],
    outputs: [{ name: 'c', dtype: 'float32', shape: [3] }],
    params: { op: 'mul' },
  });
  net.addLayer('cast', {
    name: 'narrowing',
    inputs: ['c'],
    outputs: [{ name: 'h', dtype: 'float16', shape: [3] }],
    params: { to: 'float16' },
  });
  net.addLayer('identity', { name: 'named_output', inputs: ['c'], outputs: [{ name: 'y', dtype: 'float32', shape: [3] }], params: {} });
  net.markOutput('y');
  net.markOutput('h');
  return net;
}

describe('identity-removal', () => {
  it('rewires readers past identities and same-dtype casts, keeping real casts and named outputs', async () => {
    const before = networkWithPassThroughs();
    const after = await optimize(before, [identityRemoval]);
    expect(kinds(after)).toEqual(['elementwise', 'cast', 'identity']);
    expect(after.layers[0]!.inputs).toEqual(['x', 'x']);
    expect(after.tensors.has('a')).toBe(false);
    expectSameOutputs(before, after, { x: randomTensor('float32', [3], 5) });
  });

  it('leaves the caller network untouched', async () => {
    const before = networkWithPassThroughs();
    await optimize(before, [identityRemoval]);
    expect(kinds(before)).toEqual(['identity', 'cast', 'elementwise', 'cast', 'identity']);
    expect(before.layers[2]!.inputs).toEqual(['b', 'b']);
  });
});
