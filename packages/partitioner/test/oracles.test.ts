import { ErrorCode, Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import {
  combineOracles,
  converterOracle,
  extractSubgraph,
  layerKindTable,
  layerTableOracle,
  nodeSetOracle,
  opSetOracle,
  predicateOracle,
  randomOpOracle,
  randomOpSubset,
  registryLowering,
} from '../src/index.js';
import { floatValue, makeGraph, node } from './support/graphs.js';
import { tinyRegistry } from './support/tiny-converters.js';

const graph = makeGraph(
  [node('r', 'Relu', ['x']), node('n', 'Neg', ['r']), node('a', 'Add', ['n', 'w']), node('q', 'Quux', ['a'])],
  ['x'],
  ['q'],
);
graph.weights.set('w', Tensor.fromValues('float32', [3], [1, 2, 3]));
const nodeNamed = (name: string) => graph.nodes.find((n) => n.name === name)!;

describe('converterOracle', () => {
  const oracle = converterOracle(tinyRegistry());

  it('supports nodes with a converter whose validator accepts them', () => {
    expect(oracle.supports(graph, nodeNamed('r'))).toEqual({ supported: true });
    expect(oracle.supports(graph, nodeNamed('a'))).toEqual({ supported: true });
  });

  it('says why when there is no converter or the validator refuses', () => {
    expect(oracle.supports(graph, nodeNamed('q'))).toEqual({
      supported: false,
      category: 'unsupported-op',
      reason: 'no converter for ai.onnx::Quux',
    });
    const g = makeGraph([node('a', 'Add', ['d', 'd'])], [], ['a']);
    g.inputs = [{ name: 'd', type: { kind: 'tensor', dtype: 'float64', shape: [2] } }];
    expect(oracle.supports(g, g.nodes[0]!)).toEqual({
      supported: false,
      category: 'unsupported-dtype',
      reason: 'Add takes no float64 here',
    });
  });

  it('turns a crashing validator into an unsupported verdict', () => {
    const crashing = tinyRegistry().register({
      domain: '',
      op: 'Relu',
      priority: 1,
      validate: () => {
        throw new TypeError('boom');
      },
      convert: () => undefined,
    });
    expect(converterOracle(crashing).supports(graph, nodeNamed('r'))).toEqual({
      supported: false,
      category: 'other',
      reason: 'the Relu validator failed: boom',
    });
  });
});

describe('layerTableOracle', () => {
  const lowering = registryLowering(tinyRegistry());

  it('lowers each node and asks the table about its layers', () => {
    const oracle = layerTableOracle(layerKindTable('gpu', ['activation', 'elementwise', 'constant']), lowering);
    expect(oracle.supports(graph, nodeNamed('r'))).toEqual({ supported: true });
    // Add reads a weight: it lowers to a constant and an elementwise layer.
    expect(oracle.supports(graph, nodeNamed('a'))).toEqual({ supported: true });
    const neg = oracle.supports(graph, nodeNamed('n'));
    expect(neg).toEqual({ supported: false, category: 'unsupported-layer', reason: "the gpu backend has no 'unary' layer (needed for n)" });
  });

  it('reports nodes it cannot lower, with the converter error as the reason', () => {
    const oracle = layerTableOracle(layerKindTable('gpu', ['activation']), lowering);
    const verdict = oracle.supports(graph, nodeNamed('q'));
    expect(verdict.supported).toBe(false);
    if (!verdict.supported) expect(verdict.reason).toMatch(/could not determine the layers of Quux: .*no converter for ai.onnx::Quux/);
  });

  it('lets a table answer about whole nodes first', () => {
    const oracle = layerTableOracle(
      {
        backend: 'dla',
        supportsLayer: () => ({ supported: true }),
        supportsNode: (_g, n) =>
          n.op === 'Relu' ? { supported: false, category: 'dynamic-shape', reason: 'DLA needs static shapes' } : undefined,
      },
      lowering,
    );
    expect(oracle.supports(graph, nodeNamed('r'))).toEqual({
      supported: false,
      category: 'dynamic-shape',
      reason: 'DLA needs static shapes',
    });
    expect(oracle.supports(graph, nodeNamed('n'))).toEqual({ supported: true });
  });

  it('rejects tables it cannot use', () => {
    expect(() => layerTableOracle(layerKindTable('gpu', ['activation']))).toThrowError(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
    expect(() => layerTableOracle({ backend: 'none' })).toThrowError(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
  });

  it('assumes float32 for inputs of unknown type', () => {
    const g = makeGraph([node('r', 'Relu', ['y'])], [], ['r']);
    g.inputs = [{ name: 'y', type: null }];
    const oracle = layerTableOracle(layerKindTable('gpu', ['activation']), lowering);
    expect(oracle.supports(g, g.nodes[0]!)).toEqual({ supported: true });
    expect(g.inputs[0]!.type).toBeNull();
  });
});

describe('combineOracles and synthetic oracles', () => {
  it('requires every oracle to agree and names the one that refused', () => {
    const combined = combineOracles(converterOracle(tinyRegistry()), opSetOracle(['Relu', 'Add', 'Quux'], 'gpu ops'));
    expect(combined.name).toBe('converters + gpu ops');
    expect(combined.supports(graph, nodeNamed('r'))).toEqual({ supported: true });
    expect(combined.supports(graph, nodeNamed('n'))).toEqual({
      supported: false,
      category: 'unsupported-op',
      reason: 'gpu ops: op Neg is not in the gpu ops',
    });
    expect(combined.supports(graph, nodeNamed('q'))).toMatchObject({
      supported: false,
      reason: 'converters: no converter for ai.onnx::Quux',
    });
    expect(() => combineOracles()).toThrowError(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
  });

  it('answers by node name and by predicate', () => {
    expect(nodeSetOracle(['n']).supports(graph, nodeNamed('n'))).toEqual({ supported: true });
    expect(nodeSetOracle(['n']).supports(graph, nodeNamed('r'))).toMatchObject({
      supported: false,
      reason: 'node r is not in the node set',
    });
    const even = predicateOracle('even inputs', (_g, n) => n.inputs.length % 2 === 0, 'other');
    expect(even.supports(graph, nodeNamed('a'))).toEqual({ supported: true });
    expect(even.supports(graph, nodeNamed('r'))).toEqual({
      supported: false,
      category: 'other',
      reason: 'even inputs does not support Relu',
    });
  });

  it('picks a reproducible random subset of op types', () => {
    const ops = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
    const half = randomOpSubset(ops, 0.5, 3);
    expect(half).toHaveLength(4);
    expect(randomOpSubset([...ops].reverse(), 0.5, 3)).toEqual(half);
    expect(new Set(half).size).toBe(4);
    const seeds = new Set(Array.from({ length: 10 }, (_, s) => randomOpSubset(ops, 0.5, s).join()));
    expect(seeds.size).toBeGreaterThan(1);
    expect(randomOpSubset(ops, 1, 1)).toEqual(ops);
    const oracle = randomOpOracle(graph, 0.5, 1);
    const answers = graph.nodes.map((n) => oracle.supports(graph, n).supported);
    expect(answers.filter(Boolean)).toHaveLength(2);
  });
});

describe('extractSubgraph', () => {
  it('types boundary values from inputs, value info or weights, and carries the weights it reads', () => {
    const g = makeGraph([node('r', 'Relu', ['x']), node('a', 'Add', ['r', 'w']), node('t', 'Tanh', ['a'])], ['x'], ['t']);
    g.weights.set('w', Tensor.fromValues('float32', [3], [1, 2, 3]));
    g.valueInfo.set('t', { name: 't', type: { kind: 'tensor', dtype: 'float32', shape: [2, 3] } });
    const sub = extractSubgraph(g, [g.nodes[1]!, g.nodes[2]!], { name: 'sub', outputs: ['t'] });
    expect(sub.inputs).toEqual([{ name: 'r', type: null }]);
    // The declared graph output has no type; the inferred value info does.
    expect(sub.outputs).toEqual([{ name: 't', type: { kind: 'tensor', dtype: 'float32', shape: [2, 3] } }]);
    expect([...sub.weights.keys()]).toEqual(['w']);
    const first = extractSubgraph(g, [g.nodes[0]!], { name: 'first', outputs: ['r'] });
    expect(first.inputs).toEqual([floatValue('x')]);
  });
});
