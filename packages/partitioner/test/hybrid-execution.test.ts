import { expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeSetOracle, partition } from '../src/index.js';
import { makeGraph, node } from './support/graphs.js';
import { randomDag } from './support/random-dag.js';
import { runHybrid, runWhole } from './support/run-hybrid.js';
import { tinyRegistry } from './support/tiny-converters.js';

const registry = tinyRegistry();
const feeds = { x0: randomTensor('float32', [2, 3], 7, -2, 2), x1: randomTensor('float32', [2, 3], 8, -2, 2) };

describe('hybrid execution equals running the whole graph on the CPU', () => {
  it('on random DAGs of elementwise ops with random oracles', () => {
    fc.assert(
      fc.property(randomDag(14), fc.integer({ min: 1, max: 4 }), ({ graph, supported }, minimumSegmentSize) => {
        const { hybrid } = partition(graph, nodeSetOracle(supported), { minimumSegmentSize });
        const expected = runWhole(graph, registry, feeds);
        const actual = runHybrid(hybrid, registry, feeds);
        expect([...actual.keys()]).toEqual([...expected.keys()]);
        for (const [name, tensor] of expected) expectTensorClose(actual.get(name)!, tensor, { rtol: 1e-6, atol: 1e-6 });
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it('on a diamond split around an unsupported node', () => {
    const graph = makeGraph(
      [
        node('a', 'Relu', ['x0']),
        node('b', 'Add', ['a', 'x1']),
        node('c', 'Tanh', ['a']),
        node('d', 'Mul', ['b', 'c']),
        node('e', 'Sigmoid', ['d']),
        node('f', 'Sub', ['e', 'x0']),
      ],
      ['x0', 'x1'],
      ['f', 'b'],
    );
    const { hybrid } = partition(graph, nodeSetOracle(['a', 'b', 'd', 'e', 'f']), { minimumSegmentSize: 2 });
    expect(hybrid.segments.map((s) => s.nodeIndices)).toEqual([
      [0, 1],
      [3, 4, 5],
    ]);
    const expected = runWhole(graph, registry, feeds);
    const actual = runHybrid(hybrid, registry, feeds);
    for (const [name, tensor] of expected) expectTensorClose(actual.get(name)!, tensor, { rtol: 1e-6, atol: 1e-6 });
  });
});
