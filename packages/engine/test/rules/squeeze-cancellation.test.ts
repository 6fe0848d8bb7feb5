import { Network } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { deadLayerElimination } from '../../src/builder/rules/dead-layer-elimination.js';
import { identityRemoval } from '../../src/builder/rules/identity-removal.js';
import { squeezeCancellation } from '../../src/builder/rules/squeeze-cancellation.js';
import { expectSameOutputs, float32, kinds, optimize } from './golden.js';

type Shape = (number | string | null)[] | null;

/** x → first(axes) → second(axes) → abs → y. */
function pair(
  input: Shape,
  first: ['squeeze' | 'unsqueeze', number[] | undefined, Shape],
  second: ['squeeze' | 'unsqueeze', number[] | undefined, Shape],
): Network {
  const net = new Network('pair');
  net.addInput(float32('x', input));
  net.addLayer(first[0], { name: 'first', inputs: ['x'], outputs: [float32('a', first[2])], params: first[1] ? { axes: first[1] } : {} });
  net.addLayer(second[0], {
    name: 'second',
    inputs: ['a'],
    outputs: [float32('b', second[2])],
    params: second[1] ? { axes: second[1] } : {},
  });
  net.addLayer('unary', { name: 'abs', inputs: ['b'], outputs: [float32('y', second[2])], params: { op: 'abs' } });
  net.markOutput('y');
  return net;
}

const rules = [squeezeCancellation, identityRemoval, deadLayerElimination];

describe('squeeze-cancellation', () => {
  it('removes an unsqueeze that a squeeze undoes, with or without shapes', async () => {
    for (const shape of [[3, 4], null] as Shape[]) {
      const before = pair(shape, ['unsqueeze', [0, 3], shape && [1, 3, 4, 1]], ['squeeze', [3, 0], shape]);
      const after = await optimize(before, rules);
      expect(kinds(after)).toEqual(['unary']);
      expect(after.layers[0]!.inputs).toEqual(['x']);
      expectSameOutputs(before, after, { x: randomTensor('float32', [3, 4], 1) });
    }
  });

  it('removes a squeeze that an unsqueeze undoes when the shapes show it', async () => {
    const before = pair([1, 3, 1], ['squeeze', undefined, [3]], ['unsqueeze', [0, 2], [1, 3, 1]]);
    const after = await optimize(before, rules);
    expect(kinds(after)).toEqual(['unary']);
    expectSameOutputs(before, after, { x: randomTensor('float32', [1, 3, 1], 2) });
  });

  it('keeps pairs that are not provably inverse', async () => {
    const cases = [
      pair(null, ['squeeze', [0], null], ['unsqueeze', [0], null]), // squeeze first, shapes unknown
      pair(null, ['unsqueeze', [0], null], ['squeeze', [1], null]), // other axes
      pair([3, 4], ['unsqueeze', [0], [1, 3, 4]], ['unsqueeze', [0], [1, 1, 3, 4]]), // not opposite layers
      pair([1, 3, 1], ['squeeze', undefined, [3]], ['unsqueeze', [0], [1, 3]]), // a different shape
    ];
    for (const net of cases) expect(kinds(await optimize(net, rules))).toHaveLength(3);
  });
});
