import { checkSupport, convertGraph, createOnnxRegistry, createTfRegistry, createUffRegistry } from '@kiln-inference/converters';
import { type AttributeValue, ErrorCode, Graph, type GraphNode, isKilnError, type KilnError, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { definePlugin, field, PluginRegistry } from '../src/index.js';
import { Clip, ThreadId } from './fixtures/kiln-plugin-clip/src/index.js';

function thrown(f: () => unknown): KilnError {
  try {
    f();
  } catch (e) {
    if (isKilnError(e)) return e;
    throw e;
  }
  throw new Error('expected a KilnError');
}

/** A one-node graph x[2,3] float32 → node → y. */
function oneNodeGraph(format: 'onnx' | 'tf' | 'uff', node: Omit<GraphNode, 'inputs' | 'outputs' | 'name'>): Graph {
  return new Graph({
    format,
    nodes: [{ name: 'n', inputs: ['x'], outputs: ['y'], ...node }],
    inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [2, 3] } }],
    outputs: [{ name: 'y', type: null }],
    opsetImports: format === 'onnx' ? [{ domain: '', version: 17 }] : [],
  });
}

const X = new Tensor('float32', [2, 3], new Float32Array([-7, -1, 0.5, 3, 6.5, 12]));

const BUILT_INS = { onnx: createOnnxRegistry, tf: createTfRegistry, uff: createUffRegistry };

function runConverted(graph: Graph, registry: PluginRegistry, base = BUILT_INS[graph.format]()) {
  const network = convertGraph(graph, base.registerAll(registry.converters()));
  const outputs = new ReferenceExecutor({ plugins: registry.kernels().plugins }).run(network, new Map([['x', X]]));
  return { network, y: outputs.get('y')! };
}

describe('PluginRegistry', () => {
  it('keys plugins by (namespace, name, version) and accepts the same plugin twice', () => {
    const registry = new PluginRegistry([Clip, ThreadId]).register(Clip);
    expect(registry.size).toBe(2);
    expect(registry.has({ namespace: 'acme', name: 'Clip', version: '1' })).toBe(true);
    expect(registry.has({ namespace: 'acme', name: 'Clip', version: '2' })).toBe(false);
  });

  it('reports two different plugins under one identity, naming both sources', () => {
    const other = definePlugin({ ...Clip.spec, converts: [] });
    const registry = new PluginRegistry().register(Clip, { package: '@acme/kiln-plugin-clip@1.2.0' });
    const e = thrown(() => registry.register(other, { package: '@evil/clip@0.0.1' }));
    expect(e.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(e.message).toBe(
      'plugin acme::Clip@1 is registered twice: from @acme/kiln-plugin-clip@1.2.0 and from @evil/clip@0.0.1 ' +
        'Hint: load only one of them, or give one a new version (or namespace)',
    );
  });

  it('reports two plugins converting one op at the same priority', () => {
    const Other = definePlugin({ ...Clip.spec, namespace: 'other', converts: [{ domain: 'tf', op: 'Relu6', priority: 10 }] });
    const e = thrown(() => new PluginRegistry([Clip, Other]));
    expect(e.message).toContain('plugins acme::Clip@1 and other::Clip@1 both convert tf::Relu6 at priority 10');
    // A higher priority is a decision, not a conflict.
    const Winner = definePlugin({ ...Clip.spec, namespace: 'winner', converts: [{ domain: 'tf', op: 'Relu6', priority: 11 }] });
    expect(new PluginRegistry([Clip, Winner]).size).toBe(2);
  });

  it('keeps registries apart: a plugin registered in one is unknown to another', () => {
    const graph = oneNodeGraph('onnx', { op: 'Clip', domain: 'acme', attributes: {} });
    expect(() => runConverted(graph, new PluginRegistry([Clip]))).not.toThrow();
    const e = thrown(() => runConverted(graph, new PluginRegistry([ThreadId])));
    expect(e.code).toBe(ErrorCode.UNSUPPORTED_OP);
    expect(e.node).toMatchObject({ name: 'n', op: 'Clip' });
  });
});

describe('conversion to plugins', () => {
  it('maps an ONNX custom-domain op to the plugin, fields from its attributes', () => {
    const attributes: Record<string, AttributeValue> = { alpha: { kind: 'float', value: 4 } };
    const { network, y } = runConverted(
      oneNodeGraph('onnx', { op: 'BoundedRelu', domain: 'com.acme', attributes }),
      new PluginRegistry([Clip]),
    );
    expect(network.layers.map((l) => [l.kind, l.params])).toEqual([
      ['plugin', { namespace: 'acme', name: 'Clip', version: '1', fields: { min: 0, max: 4 } }],
    ]);
    expect(network.tensor('y')).toMatchObject({ dtype: 'float32', shape: [2, 3] });
    expectTensorClose(y, new Tensor('float32', [2, 3], new Float32Array([0, 0, 0.5, 3, 4, 4])), { rtol: 0, atol: 0 });
  });

  it('maps an op kiln does not know in a TF graph to the plugin that converts it', () => {
    const Swish = definePlugin({
      namespace: 'acme',
      name: 'Swish',
      version: '1',
      inputs: ['x'],
      fields: { beta: field.float({ default: 1 }) },
      converts: [{ domain: 'tf', op: 'AcmeSwish' }],
      outputs: ({ inputs }) => [{ dtype: 'float32', shape: inputs[0]!.shape }],
      cpu({ inputs, fields }) {
        const x = inputs[0]!;
        const out = Float32Array.from(x.data as Float32Array, (v) => v / (1 + Math.exp(-fields.beta * v)));
        return new Tensor('float32', x.shape, out);
      },
    });
    const graph = oneNodeGraph('tf', {
      op: 'AcmeSwish',
      domain: 'tf',
      attributes: { beta: { kind: 'float', value: 2 }, T: { kind: 'type', value: 'float32' } },
    });
    expect(checkSupport(createTfRegistry(), graph, graph.nodes[0]!)).toMatchObject({ supported: false, category: 'unsupported-op' });
    const { y } = runConverted(graph, new PluginRegistry([Swish]));
    const expected = Float64Array.from(X.data as Float32Array, (v) => v / (1 + Math.exp(-2 * v)));
    expectTensorClose(y, new Tensor('float32', [2, 3], Float32Array.from(expected)), { rtol: 1e-6, atol: 1e-6 });
  });

  it('maps a UFF op (a TensorRT plugin node) to the plugin', () => {
    const Plugin6 = definePlugin({
      ...Clip.spec,
      namespace: 'uffplugins',
      converts: [{ domain: 'uff', op: 'Clip_TRT', fields: (a) => ({ max: a.clipMax }) }],
    });
    const graph = oneNodeGraph('uff', { op: 'Clip_TRT', domain: 'uff', attributes: { clipMax: { kind: 'float', value: 1 } } });
    expectTensorClose(
      runConverted(graph, new PluginRegistry([Plugin6])).y,
      new Tensor('float32', [2, 3], new Float32Array([0, 0, 0.5, 1, 1, 1])),
      {
        rtol: 0,
        atol: 0,
      },
    );
  });

  it('overrides a built-in converter only with a higher priority', () => {
    const graph = oneNodeGraph('tf', { op: 'Relu6', domain: 'tf', attributes: { T: { kind: 'type', value: 'float32' } } });
    const withPlugin = runConverted(graph, new PluginRegistry([Clip]));
    expect(withPlugin.network.layers.map((l) => l.kind)).toEqual(['plugin']);
    expectTensorClose(withPlugin.y, new Tensor('float32', [2, 3], new Float32Array([0, 0, 0.5, 3, 6, 6])), { rtol: 0, atol: 0 });
    const LowClip = definePlugin({ ...Clip.spec, namespace: 'low', converts: [{ domain: 'tf', op: 'Relu6' }] });
    const builtIn = runConverted(graph, new PluginRegistry([LowClip]));
    expect(builtIn.network.layers.map((l) => l.kind)).not.toContain('plugin');
    expectTensorClose(builtIn.y, withPlugin.y, { rtol: 0, atol: 0 });
  });

  it('says why a node cannot become the plugin: bad fields, wrong dtypes', () => {
    const registry = createOnnxRegistry().registerAll(new PluginRegistry([Clip]).converters());
    const bad = oneNodeGraph('onnx', { op: 'Clip', domain: 'acme', attributes: { max: { kind: 'string', value: 'six' } } });
    expect(checkSupport(registry, bad, bad.nodes[0]!)).toMatchObject({
      supported: false,
      category: 'unsupported-attribute',
      reason: expect.stringContaining(`plugin acme::Clip@1: field 'max' should be a number, got "six"`),
    });
    const typo = oneNodeGraph('onnx', { op: 'Clip', domain: 'acme', attributes: { maximum: { kind: 'float', value: 1 } } });
    expect(checkSupport(registry, typo, typo.nodes[0]!)).toMatchObject({ reason: expect.stringContaining("has no field 'maximum'") });
    const ints = new Graph({ ...oneNodeGraph('onnx', { op: 'Clip', domain: 'acme', attributes: {} }) });
    ints.inputs = [{ name: 'x', type: { kind: 'tensor', dtype: 'int64', shape: [2] } }];
    expect(checkSupport(registry, ints, ints.nodes[0]!)).toMatchObject({ supported: false, category: 'unsupported-dtype' });
  });
});
