/**
 * The hybrid executor on random DAGs with random oracles: whatever the partition, the static or
 * dynamic build mode and the cache size, running the hybrid graph gives the outputs of the whole
 * graph on the CPU reference kernels, and every engine-node run is accounted for in the counters.
 */

import { nodeSetOracle, partition } from '@kiln-inference/partitioner';
import { expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomDag } from '../../../partitioner/test/support/random-dag.js';
import { declaredSignatures, HybridSession } from '../../src/index.js';
import { runWhole, tinyRegistry } from './support/chain-graph.js';

const registry = tinyRegistry();
const feeds = { x0: randomTensor('float32', [2, 3], 7, -2, 2), x1: randomTensor('float32', [2, 3], 8, -2, 2) };

describe('hybrid sessions equal running the whole graph on the CPU', () => {
  it('on random DAGs, random oracles, both build modes and any cache size', async () => {
    await fc.assert(
      fc.asyncProperty(
        randomDag(16, true),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        async ({ graph, supported }, minimumSegmentSize, isDynamicOp, maximumCachedEngines) => {
          const { hybrid } = partition(graph, nodeSetOracle(supported), { minimumSegmentSize });
          const session = await HybridSession.create(hybrid, {
            registry,
            isDynamicOp,
            maximumCachedEngines,
            engineOptions: { execution: 'inline', kernels: 'reference' },
          });
          try {
            const expected = runWhole(graph, registry, feeds);
            for (let run = 0; run < 2; run++) {
              const actual = await session.run(feeds);
              expect(Object.keys(actual)).toEqual([...expected.keys()]);
              for (const [name, tensor] of expected) expectTensorClose(actual[name]!, tensor, { rtol: 1e-6, atol: 1e-6 });
            }
            const engines = hybrid.segments.length;
            // Static mode builds ahead the engines whose input types are known (declared, or inferred by
            // converting the whole graph); the others, and all with isDynamicOp, at their first run.
            const aheadOf = (r: (typeof session.engineNodes)[number]) => !isDynamicOp && declaredSignatures(r.graph) !== null;
            const ahead = session.engineNodes.filter(aheadOf).length;
            expect(session.counters).toMatchObject({ builds: engines, hits: engines + ahead, fallbacks: 0 });
            expect(session.engineNodes.map((r) => r.engines()[0]?.origin)).toEqual(
              session.engineNodes.map((r) => (aheadOf(r) ? 'static' : 'dynamic')),
            );
          } finally {
            await session.dispose();
          }
        },
      ),
      { numRuns: 60, seed: 11 },
    );
  });
});
