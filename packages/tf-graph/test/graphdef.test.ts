import { checkSupport, convertGraph, createTfRegistry } from '@kiln-inference/converters';
import { isKilnError, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { importGraphDef } from '@kiln-inference/tf-graph';
import { describe, expect, it } from 'vitest';
import { constNode, DT, graphDefBytes, type NodeSpec, placeholder } from './proto-writer.js';

const exact = { rtol: 0, atol: 0 };

function weight(nodes: NodeSpec[], name: string, outputs = ['out']): Tensor {
  const all = [...nodes, { name: 'out', op: 'Identity', inputs: [name], attrs: { T: { type: DT.FLOAT } } }];
  const g = importGraphDef(graphDefBytes(all), { outputs });
  return g.weights.get(name)!;
}

describe('GraphDef import: Const weights', () => {
  it('reads tensor_content as raw little-endian data', () => {
    const content = new Uint8Array(new Float32Array([1.5, -2, 3.25, 4]).buffer);
    const w = weight([constNode('w', { dtype: DT.FLOAT, shape: [2, 2], content })], 'w');
    expectTensorClose(w, Tensor.fromValues('float32', [2, 2], [1.5, -2, 3.25, 4]), exact);
  });

  it('broadcasts a single typed value over the whole shape', () => {
    const w = weight([constNode('w', { dtype: DT.FLOAT, shape: [2, 3], floatVal: [0.25] })], 'w');
    expectTensorClose(w, Tensor.fromValues('float32', [2, 3], [0.25, 0.25, 0.25, 0.25, 0.25, 0.25]), exact);
  });

  it('repeats the last typed value to fill the shape and zero-fills an empty tensor', () => {
    const w = weight([constNode('w', { dtype: DT.INT32, shape: [4], intVal: [7, 8] })], 'w');
    expect(w.toArray()).toEqual([7, 8, 8, 8]);
    const z = weight([constNode('z', { dtype: DT.FLOAT, shape: [3] })], 'z');
    expect(z.toArray()).toEqual([0, 0, 0]);
  });

  it('reads int64, bool, half and string values', () => {
    expect(weight([constNode('a', { dtype: DT.INT64, shape: [2], int64Val: [-5, 9] })], 'a').toArray()).toEqual([-5n, 9n]);
    expect(weight([constNode('b', { dtype: DT.BOOL, shape: [2], boolVal: [true, false] })], 'b').toArray()).toEqual([true, false]);
    // 0x3c00 is 1.0 and 0xc000 is -2.0 in IEEE half precision.
    expect(weight([constNode('h', { dtype: DT.HALF, shape: [2], halfVal: [0x3c00, 0xc000] })], 'h').toArray()).toEqual([1, -2]);
    expect(weight([constNode('s', { dtype: DT.STRING, shape: [2], stringVal: ['ab', 'c'] })], 's').toArray()).toEqual(['ab', 'c']);
  });

  it('rejects more typed values than elements', () => {
    expect(() => weight([constNode('w', { dtype: DT.FLOAT, shape: [1], floatVal: [1, 2] })], 'w')).toThrow(/2 values for shape \[1\]/);
  });
});

describe('GraphDef import: structure', () => {
  const nodes: NodeSpec[] = [
    placeholder('x', [-1, 4]),
    { name: 'split', op: 'Split', inputs: ['dim', 'x'], attrs: { num_split: { i: 2 }, T: { type: DT.FLOAT } } },
    constNode('dim', { dtype: DT.INT32, shape: [], intVal: [1] }),
    { name: 'guard', op: 'NoOp' },
    { name: 'second', op: 'Identity', inputs: ['split:1', '^guard'], attrs: { T: { type: DT.FLOAT } } },
  ];

  it('names output ports name, name:1 … and keeps control inputs apart', () => {
    const g = importGraphDef(graphDefBytes(nodes));
    expect(g.format).toBe('tf');
    const split = g.nodes.find((n) => n.name === 'split')!;
    expect(split).toMatchObject({ domain: 'tf', inputs: ['dim', 'x'], outputs: ['split', 'split:1'] });
    const second = g.nodes.find((n) => n.name === 'second')!;
    expect(second.inputs).toEqual(['split:1']);
    expect(g.outputs.map((o) => o.name)).toEqual(['second']);
    expect(g.inputs).toEqual([{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [null, 4] } }]);
  });

  it('accepts requested outputs with :0 and :N suffixes and prunes what they do not need', () => {
    const g = importGraphDef(graphDefBytes(nodes), { outputs: ['split:0', 'split:1'] });
    expect(g.outputs.map((o) => o.name)).toEqual(['split', 'split:1']);
    expect(g.nodes.map((n) => n.name)).toEqual(['split']);
  });

  it('treats an empty Placeholder shape as unknown in old graphs and as a scalar in new ones', () => {
    const graph = (producer: number) =>
      importGraphDef(graphDefBytes([placeholder('p', []), { name: 'o', op: 'Identity', inputs: ['p'] }], producer));
    expect(graph(15).inputs[0]!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: null });
    expect(graph(27).inputs[0]!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: [] });
    const unknownRank = importGraphDef(graphDefBytes([placeholder('p', null), { name: 'o', op: 'Identity', inputs: ['p'] }]));
    expect(unknownRank.inputs[0]!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: null });
  });

  it('converts attributes to kiln attribute kinds', () => {
    const g = importGraphDef(
      graphDefBytes([
        placeholder('x', [1, 8, 8, 3]),
        constNode('w', { dtype: DT.FLOAT, shape: [1, 1, 3, 2], floatVal: [1] }),
        {
          name: 'conv',
          op: 'Conv2D',
          inputs: ['x', 'w'],
          attrs: {
            strides: { ints: [1, 2, 2, 1] },
            padding: { s: 'SAME' },
            T: { type: DT.FLOAT },
            use_cudnn_on_gpu: { b: true },
            fused_ops: { strings: ['BiasAdd', 'Relu'] },
          },
        },
      ]),
    );
    expect(g.nodes[0]!.attributes).toEqual({
      strides: { kind: 'ints', value: [1, 2, 2, 1] },
      padding: { kind: 'string', value: 'SAME' },
      T: { kind: 'type', value: 'float32' },
      use_cudnn_on_gpu: { kind: 'bool', value: true },
      fused_ops: { kind: 'strings', value: ['BiasAdd', 'Relu'] },
    });
  });
});

describe('GraphDef import: TF1 control flow', () => {
  // while (i < 10) i = i + 1, as tf.while_loop writes it in TF1: a frame with a back edge.
  const loop: NodeSpec[] = [
    constNode('zero', { dtype: DT.INT32, shape: [], intVal: [0] }),
    constNode('ten', { dtype: DT.INT32, shape: [], intVal: [10] }),
    constNode('one', { dtype: DT.INT32, shape: [], intVal: [1] }),
    { name: 'while/Enter', op: 'Enter', inputs: ['zero'], attrs: { frame_name: { s: 'while' } } },
    { name: 'while/Merge', op: 'Merge', inputs: ['while/Enter', 'while/NextIteration'] },
    { name: 'while/Less', op: 'Less', inputs: ['while/Merge', 'ten'] },
    { name: 'while/LoopCond', op: 'LoopCond', inputs: ['while/Less'] },
    { name: 'while/Switch', op: 'Switch', inputs: ['while/Merge', 'while/LoopCond'] },
    { name: 'while/add', op: 'Add', inputs: ['while/Switch:1', 'one'] },
    { name: 'while/NextIteration', op: 'NextIteration', inputs: ['while/add'] },
    { name: 'while/Exit', op: 'Exit', inputs: ['while/Switch'] },
  ];

  it('restructures the frame, back edge included, into a While the converters accept', () => {
    const g = importGraphDef(graphDefBytes(loop), { outputs: ['while/Exit'] });
    expect(g.nodes.map((n) => n.op).sort()).toEqual(['Identity', 'While']);
    const registry = createTfRegistry();
    for (const node of g.nodes) expect(checkSupport(registry, g, node).supported).toBe(true);
    expect(() => convertGraph(g, registry)).not.toThrow();
  });
});

describe('GraphDef import: bad input', () => {
  const expectKiln = (f: () => unknown, pattern: RegExp): void => {
    try {
      f();
    } catch (e) {
      expect(isKilnError(e)).toBe(true);
      expect((e as Error).message).toMatch(pattern);
      return;
    }
    throw new Error('expected a KilnError');
  };

  it('names a missing producer, a duplicate node and a missing output', () => {
    expectKiln(
      () => importGraphDef(graphDefBytes([{ name: 'a', op: 'Relu', inputs: ['ghost'] }])),
      /node 'a' \(Relu\): input 'ghost' names no node/,
    );
    expectKiln(() => importGraphDef(graphDefBytes([placeholder('a', [1]), placeholder('a', [1])])), /two nodes are named 'a'/);
    expectKiln(() => importGraphDef(graphDefBytes([placeholder('a', [1])]), { outputs: ['b'] }), /requested output 'b' names no node/);
  });

  it('rejects empty, truncated and non-protobuf files', () => {
    const good = graphDefBytes([placeholder('x', [1]), { name: 'y', op: 'Relu', inputs: ['x'] }]);
    expectKiln(() => importGraphDef(new Uint8Array()), /empty/);
    expectKiln(() => importGraphDef(good.subarray(0, good.length - 3)), /truncated|ends|past the end/);
    expectKiln(() => importGraphDef(new TextEncoder().encode('{"not": "a graph"}')), /GraphDef/);
    // A SavedModel's first field is its schema version.
    expectKiln(() => importGraphDef(Uint8Array.of(0x08, 0x01, 0x12, 0x00)), /starts with a version number.*loadSavedModel/);
  });

  it('rejects unsupported dtypes and absurd constant shapes', () => {
    expectKiln(() => weight([constNode('r', { dtype: DT.RESOURCE, shape: [1] })], 'r'), /DT_RESOURCE/);
    expectKiln(
      () => weight([constNode('big', { dtype: DT.FLOAT, shape: [1 << 20, 1 << 20, 1 << 20], floatVal: [1] })], 'big'),
      /over the limit maxTensorElements/,
    );
  });
});
