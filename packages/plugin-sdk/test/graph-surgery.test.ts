import { convertGraph, createOnnxRegistry, createTfRegistry } from '@kiln-inference/converters';
import { ErrorCode, Graph, type GraphNode, isKilnError, type KilnError, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { exportOnnx, importOnnx } from '@kiln-inference/onnx';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { collapseNamespaces, PLUGIN_VERSION_ATTRIBUTE, PluginRegistry, replaceOps } from '../src/index.js';
import { Clip } from './fixtures/kiln-plugin-clip/src/index.js';

function thrown(f: () => unknown): KilnError {
  try {
    f();
  } catch (e) {
    if (isKilnError(e)) return e;
    throw e;
  }
  throw new Error('expected a KilnError');
}

const T = { T: { kind: 'type', value: 'float32' } } as const;

/** TF's old relu6 as a name scope: x → ReLU6/Relu → ReLU6/Minimum(·, ReLU6/Const = 6) → Neg → y. */
function relu6ScopeGraph(): Graph {
  const node = (name: string, op: string, inputs: string[], extra: Partial<GraphNode> = {}): GraphNode => ({
    name,
    op,
    domain: 'tf',
    inputs,
    outputs: [name],
    attributes: { ...T },
    ...extra,
  });
  return new Graph({
    format: 'tf',
    nodes: [
      node('ReLU6/Relu', 'Relu', ['x']),
      node('ReLU6/Minimum', 'Minimum', ['ReLU6/Relu', 'ReLU6/Const']),
      node('y', 'Neg', ['ReLU6/Minimum'], { controlInputs: ['ReLU6/Relu'] }),
    ],
    inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [2, 3] } }],
    outputs: [{ name: 'y', type: null }],
    weights: new Map([['ReLU6/Const', new Tensor('float32', [], new Float32Array([6]))]]),
  });
}

const X = new Tensor('float32', [2, 3], new Float32Array([-2, 0, 1, 5.5, 6, 9]));

function run(graph: Graph, registry: PluginRegistry): Tensor {
  const base = graph.format === 'tf' ? createTfRegistry() : createOnnxRegistry();
  const network = convertGraph(graph, base.registerAll(registry.converters()));
  return new ReferenceExecutor({ plugins: registry.kernels().plugins }).run(network, new Map([['x', X]])).get('y')!;
}

describe('collapseNamespaces', () => {
  it('replaces a TF name scope with one plugin node reading what the scope read', () => {
    const before = relu6ScopeGraph();
    const after = collapseNamespaces(before, { ReLU6: Clip.node({ min: 0, max: 6 }) });
    expect(after.nodes.map((n) => [n.name, n.domain, n.op, n.inputs, n.outputs])).toEqual([
      ['ReLU6', 'acme', 'Clip', ['x'], ['ReLU6/Minimum']],
      ['y', 'tf', 'Neg', ['ReLU6/Minimum'], ['y']],
    ]);
    expect(after.nodes[0]!.attributes).toEqual({
      min: { kind: 'float', value: 0 },
      max: { kind: 'float', value: 6 },
      [PLUGIN_VERSION_ATTRIBUTE]: { kind: 'string', value: '1' },
    });
    // The control dependency on a node of the scope now waits for the plugin node; the scope's constant is gone.
    expect(after.nodes[1]!.controlInputs).toEqual(['ReLU6/Minimum']);
    expect([...after.weights.keys()]).toEqual([]);
    // The caller's graph is untouched.
    expect(before.nodes).toHaveLength(3);
    const expected = new Tensor('float32', [2, 3], new Float32Array([-0, -0, -1, -5.5, -6, -6]));
    expectTensorClose(run(before, new PluginRegistry()), expected, { rtol: 0, atol: 0 });
    expectTensorClose(run(after, new PluginRegistry([Clip])), expected, { rtol: 0, atol: 0 });
  });

  it('names the scope it cannot find and the scopes there are', () => {
    const e = thrown(() => collapseNamespaces(relu6ScopeGraph(), { Relu6: Clip.node({}) }));
    expect(e.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(e.message).toContain("no node is in the scope 'Relu6'");
    expect(e.hint).toContain('ReLU6, y');
  });

  it('refuses a scope whose collapse would make a cycle', () => {
    const graph = relu6ScopeGraph();
    // y reads the scope's Relu and the scope's Minimum reads y: one node cannot both precede and follow y.
    graph.nodes[2] = { ...graph.nodes[2]!, inputs: ['ReLU6/Relu'], controlInputs: [] };
    graph.nodes[1] = { ...graph.nodes[1]!, inputs: ['y', 'ReLU6/Const'] };
    graph.outputs = [{ name: 'ReLU6/Minimum', type: null }];
    expect(thrown(() => collapseNamespaces(graph, { ReLU6: Clip.node({}) })).code).toBe(ErrorCode.GRAPH_CYCLE);
  });
});

describe('replaceOps', () => {
  it('replaces each matching node, fields per node from a function', () => {
    const graph = replaceOps(relu6ScopeGraph(), { op: 'Relu', domain: 'tf' }, () => Clip.node({ max: 1 }));
    expect(graph.nodes.map((n) => `${n.name}:${n.domain}::${n.op}`)).toEqual([
      'ReLU6/Relu:acme::Clip',
      'ReLU6/Minimum:tf::Minimum',
      'y:tf::Neg',
    ]);
    const expected = new Tensor('float32', [2, 3], new Float32Array([-0, -0, -1, -1, -1, -1]));
    expectTensorClose(run(graph, new PluginRegistry([Clip])), expected, { rtol: 0, atol: 0 });
  });

  it('says when nothing matches, listing the ops there are', () => {
    const e = thrown(() => replaceOps(relu6ScopeGraph(), 'Relu6', Clip.node({})));
    expect(e.message).toContain('replaceOps: no node matches "Relu6"');
    expect(e.hint).toContain('Minimum, Neg, Relu');
  });

  it('keeps a plugin node through ONNX export and import (the namespace becomes an opset domain)', () => {
    const onnx = new Graph({
      format: 'onnx',
      nodes: [{ name: 'r', op: 'Relu', domain: '', inputs: ['x'], outputs: ['y'], attributes: {} }],
      inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [2, 3] } }],
      outputs: [{ name: 'y', type: { kind: 'tensor', dtype: 'float32', shape: [2, 3] } }],
      opsetImports: [{ domain: '', version: 17 }],
    });
    const edited = replaceOps(onnx, 'Relu', Clip.node({ min: 0.5, max: 5 }));
    expect(edited.opsetImports).toEqual([
      { domain: '', version: 17 },
      { domain: 'acme', version: 1 },
    ]);
    const reloaded = importOnnx(exportOnnx(edited));
    expect(reloaded.nodes.map((n) => `${n.domain}::${n.op}`)).toEqual(['acme::Clip']);
    const expected = new Tensor('float32', [2, 3], new Float32Array([0.5, 0.5, 1, 5, 5, 5]));
    expectTensorClose(run(reloaded, new PluginRegistry([Clip])), expected, { rtol: 0, atol: 0 });
  });
});
