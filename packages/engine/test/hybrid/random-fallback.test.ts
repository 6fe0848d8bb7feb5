/**
 * A random op on the CPU fallback must draw anew on every run, even when everything it reads is
 * a weight: folding it at session creation would freeze one draw into every run.
 */
import { createOnnxRegistry } from '@kiln-inference/converters';
import { Graph, Tensor } from '@kiln-inference/core';
import { nodeSetOracle, partition } from '@kiln-inference/partitioner';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { HybridSession } from '../../src/index.js';

const engineOptions = { execution: 'inline' as const, kernels: 'reference' as const };

describe('hybrid constant steps and random ops', () => {
  it('does not fold a fallback RandomUniformLike whose only input is a weight', async () => {
    const node = (name: string, op: string, inputs: string[]) => ({ name, op, domain: '', inputs, outputs: [name], attributes: {} });
    const graph = new Graph({
      format: 'onnx',
      name: 'random-fallback',
      nodes: [node('r', 'RandomUniformLike', ['w']), node('y', 'Add', ['x', 'r'])],
      inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [64] } }],
      outputs: [{ name: 'y', type: null }],
      weights: new Map([['w', new Tensor('float32', [64])]]),
      opsetImports: [{ domain: '', version: 17 }],
    });
    const { hybrid } = partition(graph, nodeSetOracle(['y']), { minimumSegmentSize: 1 });
    expect(hybrid.steps.map((s) => s.kind)).toEqual(['fallback', 'engine']);
    const session = await HybridSession.create(hybrid, { registry: createOnnxRegistry(), engineOptions });
    try {
      // The draw stays a fallback step instead of becoming a weight of the engine.
      expect(session.engineNodes[0]!.graph.weights.has('r')).toBe(false);
      const x = new Tensor('float32', [64]);
      const first = (await session.run({ x })).y!;
      const second = (await session.run({ x })).y!;
      for (const t of [first, second]) {
        const values = t.data as Float32Array;
        expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
      }
      // 64 uniform draws agreeing everywhere would be a 2^-1400-ish coincidence.
      expect(() => expectTensorClose(first, second, { rtol: 0, atol: 0 })).toThrow();
    } finally {
      await session.dispose();
    }
  });
});
