/**
 * One corpus model through the hybrid executor: partition it with an oracle supporting a seeded
 * random half of its op types, run it (engines on the reference kernels, so the arithmetic is
 * the same as the all-CPU run), and compare every output with the whole graph on the CPU.
 */
import { convertGraph } from '@kiln-inference/converters';
import { Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { partition, randomOpOracle } from '@kiln-inference/partitioner';
import { expectTensorClose } from '@kiln-inference/testkit';
import { expect } from 'vitest';
import { defaultBuilderRules, HybridSession } from '../../../src/index.js';
import type { CorpusCase } from './corpus-cases.js';

/** Rules that re-round weights (BatchNorm and scale folding) change the arithmetic; the rest keep it. */
const REROUNDING = new Set(['elementwise-to-scale', 'scale-merging', 'scale-folding']);
const exactRules = defaultBuilderRules.filter((r) => !REROUNDING.has(r.name));

export async function checkCorpusCase(c: CorpusCase, seed: number): Promise<void> {
  const { graph, registry, feeds } = await c.load();
  const { hybrid, report } = partition(graph, randomOpOracle(graph, 0.5, seed), { minimumSegmentSize: 1 });
  const expected = new ReferenceExecutor().runValues(convertGraph(graph, registry), feeds);
  const session = await HybridSession.create(hybrid, {
    registry,
    isDynamicOp: true,
    buildOptions: { rules: exactRules },
    engineOptions: { kernels: 'reference', execution: 'inline' },
  });
  try {
    const actual = await session.runValues(feeds);
    for (const [name, want] of expected) {
      const got = actual[name];
      expect(got, `output '${name}'`).toBeInstanceOf(Tensor);
      expectTensorClose(got as Tensor, want as Tensor, { rtol: 1e-5, atol: 1e-6 });
    }
    // Every segment ran through an engine: none fell back.
    expect(session.counters).toMatchObject({ builds: report.segments.length, fallbacks: 0 });
  } finally {
    await session.dispose();
  }
}
