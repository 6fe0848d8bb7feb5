import { type AnyLayer, type Layer, Network } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { concatElimination } from '../../src/builder/rules/concat-elimination.js';
import { identityRemoval } from '../../src/builder/rules/identity-removal.js';
import { addConstant, expectSameOutputs, float32, kinds, optimize } from './golden.js';

type Dim = number | string | null;

/** x → abs/neg (two producers) → concat([...inputs], axis) → y. */
function concatOf(inputs: string[], options: { batch?: Dim; axis?: number; extraConcat?: string[] } = {}): Network {
  const batch = options.batch ?? 1;
  const axis = options.axis ?? 1;
  const net = new Network('concat');
  net.addInput(float32('x', [batch, 2, 3]));
  net.addLayer('unary', { name: 'abs', inputs: ['x'], outputs: [float32('p', [batch, 2, 3])], params: { op: 'abs' } });
  net.addLayer('unary', { name: 'neg', inputs: ['x'], outputs: [float32('q', [batch, 2, 3])], params: { op: 'neg' } });
  addConstant(net, 'k', randomTensor('float32', [1, 2, 3], 1));
  const out = [batch, 2, 3];
  out[axis] = (out[axis] as number) * inputs.length;
  net.addLayer('concatenation', { name: 'cat', inputs, outputs: [float32('y', out)], params: { axis } });
  net.markOutput('y');
  if (options.extraConcat) {
    const extra = [batch, 2, 3];
    extra[axis] = (extra[axis] as number) * options.extraConcat.length;
    net.addLayer('concatenation', { name: 'cat2', inputs: options.extraConcat, outputs: [float32('y2', extra)], params: { axis } });
    net.markOutput('y2');
  }
  return net;
}

const inPlace = (net: Network, name = 'cat') => (net.layers.find((l) => l.name === name) as Layer<'concatenation'>).params.inPlace ?? false;
const feeds = { x: randomTensor('float32', [1, 2, 3], 2) };

describe('concat-elimination', () => {
  it('marks a batch-1 channel concatenation of computed tensors in place', async () => {
    const before = concatOf(['p', 'q']);
    const after = await optimize(before, [concatElimination]);
    expect(kinds(after)).toEqual(kinds(before));
    expect(inPlace(after)).toBe(true);
    expect(inPlace(before)).toBe(false); // the caller's network is untouched
    expectSameOutputs(before, after, feeds);
  });

  it('marks a concatenation along the first axis in place whatever the batch', async () => {
    const after = await optimize(concatOf(['p', 'q'], { batch: 2, axis: 0 }), [concatElimination]);
    expect(inPlace(after)).toBe(true);
  });

  it('leaves concatenations whose inputs cannot be slices of the output', async () => {
    const cases: Network[] = [
      concatOf(['p', 'q'], { batch: 2 }), // batch 2: each input is two separate pieces of the output
      concatOf(['p', 'q'], { batch: 'n' }), // unknown batch
      concatOf(['p', 'x']), // a network input
      concatOf(['p', 'k']), // a constant
      concatOf(['p', 'p']), // the same tensor twice
    ];
    for (const net of cases) expect(inPlace(await optimize(net, [concatElimination]))).toBe(false);
  });

  it('gives a tensor to only one in-place concatenation', async () => {
    const after = await optimize(concatOf(['p', 'q'], { extraConcat: ['q', 'p'] }), [concatElimination]);
    expect([inPlace(after, 'cat'), inPlace(after, 'cat2')]).toEqual([true, false]);
  });

  it('clears the flag when a later rewrite feeds the concatenation a network input', async () => {
    const net = concatOf(['p', 'i']);
    const at = net.layers.findIndex((l) => l.kind === 'concatenation');
    net.layers.splice(at, 0, { name: 'id', kind: 'identity', inputs: ['x'], outputs: ['i'], params: {} } as AnyLayer);
    net.tensors.set('i', float32('i', [1, 2, 3]));
    // Concat elimination runs first in each sweep here, so it sees the identity before identity removal drops it.
    const after = await optimize(net, [concatElimination, identityRemoval]);
    expect(kinds(after)).not.toContain('identity');
    expect(inPlace(after)).toBe(false);
    expectSameOutputs(net, after, feeds);
  });
});
