/**
 * The `cpu` and `cuda` target oracles: a node is supported when it converts and every layer it
 * converts to lowers to native Program ops (programSupport); refusals name the layer and why.
 */
import { createOnnxRegistry } from '@kiln-inference/converters';
import { Graph, type GraphNode, Tensor } from '@kiln-inference/core';
import { partition } from '@kiln-inference/partitioner';
import { describe, expect, it } from 'vitest';
import { programSupportTable, targetOracle } from '../../src/index.js';

const registry = createOnnxRegistry();
const n = (name: string, op: string, inputs: string[], attributes: GraphNode['attributes'] = {}): GraphNode => ({
  name,
  op,
  domain: '',
  inputs,
  outputs: [name],
  attributes,
});

/** Conv → Relu → Hardmax → Reshape(by a Constant node) → Reshape(by Shape of the input) → Softmax. */
function graph(): Graph {
  return new Graph({
    format: 'onnx',
    name: 'mixed',
    nodes: [
      n('conv', 'Conv', ['x', 'w'], { kernel_shape: { kind: 'ints', value: [3, 3] }, pads: { kind: 'ints', value: [1, 1, 1, 1] } }),
      n('relu', 'Relu', ['conv']),
      n('hard', 'Hardmax', ['relu']),
      n('target', 'Constant', [], { value: { kind: 'tensor', value: Tensor.fromValues('int64', [2], [1, -1]) } }),
      n('flat', 'Reshape', ['hard', 'target']),
      n('xshape', 'Shape', ['x']),
      n('back', 'Reshape', ['flat', 'xshape']),
      n('soft', 'Softmax', ['flat']),
    ],
    inputs: [
      { name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [1, 4, 5, 5] } },
      { name: 'w', type: { kind: 'tensor', dtype: 'float32', shape: [4, 4, 3, 3] } },
    ],
    outputs: [
      { name: 'soft', type: null },
      { name: 'back', type: null },
    ],
    weights: new Map([['w', Tensor.fromValues('float32', [4, 4, 3, 3], new Array<number>(144).fill(0.01))]]),
    opsetImports: [{ domain: '', version: 17 }],
  });
}

describe('targetOracle', () => {
  it('supports what lowers natively and says why the rest does not', () => {
    const g = graph();
    const oracle = targetOracle('cpu', registry);
    const verdict = (name: string) => oracle.supports(g, g.nodes.find((x) => x.name === name)!);
    for (const name of ['conv', 'relu', 'flat', 'soft', 'target']) expect(verdict(name), name).toEqual({ supported: true });
    expect(verdict('hard')).toMatchObject({
      supported: false,
      category: 'unsupported-layer',
      reason: expect.stringMatching(/cpu backend has no native kernel for softmax layer.*hardmax/),
    });
    expect(verdict('back')).toMatchObject({ supported: false, reason: expect.stringMatching(/reshape dims are computed at run time/) });
    expect(verdict('xshape')).toMatchObject({ supported: false });
  });

  it('gives the cuda target the same answers, in its own name', () => {
    const g = graph();
    const cpu = programSupportTable('cpu', registry);
    const cuda = programSupportTable('cuda', registry);
    for (const node of g.nodes) {
      const a = cpu.supportsNode!(g, node)!;
      const b = cuda.supportsNode!(g, node)!;
      expect(b.supported).toBe(a.supported);
      if (!b.supported) expect(b.reason).toMatch(/^the cuda backend/);
    }
  });

  it('partitions around the unsupported nodes', () => {
    const { report } = partition(graph(), targetOracle('cpu', registry), { minimumSegmentSize: 2 });
    expect(report.segments.map((s) => [...s.nodes].sort())).toEqual([
      ['conv', 'relu'],
      ['flat', 'soft', 'target'],
    ]);
    const fallback = report.fallback.flatMap((f) => f.reasons.flatMap((r) => r.nodes)).sort();
    expect(fallback).toEqual(['back', 'hard', 'xshape']);
  });

  it('lowers Erf, PRelu and ConvTranspose on both targets: both executors run every Program op', () => {
    const slope = n('slope', 'Constant', [], {
      value: { kind: 'tensor', value: Tensor.fromValues('float32', [4, 1, 1], [0.1, 0.2, 0.3, 0.4]) },
    });
    const up = n('up', 'ConvTranspose', ['relu', 'w'], { strides: { kind: 'ints', value: [2, 2] } });
    const g = new Graph({
      ...graph(),
      nodes: [...graph().nodes, n('erf', 'Erf', ['relu']), slope, n('prelu', 'PRelu', ['relu', 'slope']), up],
    });
    for (const name of ['erf', 'prelu', 'up']) {
      const node = g.nodes.find((x) => x.name === name)!;
      expect(targetOracle('cpu', registry).supports(g, node), name).toEqual({ supported: true });
      expect(targetOracle('cuda', registry).supports(g, node), name).toEqual({ supported: true });
    }
  });

  it('refuses an unknown target', () => {
    expect(() => targetOracle('tpu', registry)).toThrow(/unknown target 'tpu'.*targets are: cpu, cuda/s);
  });
});
