/**
 * Resource limits in the TensorFlow importers: a tiny GraphDef or model.json must not be able to
 * ask for 2^32 outputs, a 16 GiB constant or a million-deep JSON value, and every limit can be
 * set per call. A breach is RESOURCE_LIMIT naming the node (or weight) and the limit.
 */
import { isKilnError, type KilnError, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { importGraphDef, importTfjsModel } from '@kiln-inference/tf-graph';
import { describe, expect, it } from 'vitest';
import { constNode, DT, graphDefBytes, type NodeSpec, placeholder } from './proto-writer.js';

function refusal(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (e) {
    expect(isKilnError(e), String(e)).toBe(true);
    return e as KilnError;
  }
  throw new Error('expected a KilnError');
}

async function rejection(promise: Promise<unknown>): Promise<KilnError> {
  try {
    await promise;
  } catch (e) {
    expect(isKilnError(e), String(e)).toBe(true);
    return e as KilnError;
  }
  throw new Error('expected a KilnError');
}

const axis = constNode('axis', { dtype: DT.INT32, shape: [], intVal: [0] });

describe('GraphDef outputs per node', () => {
  it('refuses Split with num_split = 4294967295 before making its outputs', () => {
    const split: NodeSpec = {
      name: 'split',
      op: 'Split',
      inputs: ['axis', 'x'],
      attrs: { num_split: { i: 4294967295 }, T: { type: DT.FLOAT } },
    };
    const e = refusal(() => importGraphDef(graphDefBytes([placeholder('x', [4]), axis, split])));
    expect(e.code).toBe('RESOURCE_LIMIT');
    expect(e.node).toMatchObject({ name: 'split', op: 'Split' });
    expect(e.message).toMatch(/outputs of the node \(4294967295\) is over the limit maxNodeOutputs = 65536/);
  });

  it('refuses Unpack num and a consumer reading port 2^32 the same way', () => {
    const unpack: NodeSpec = { name: 'u', op: 'Unpack', inputs: ['x'], attrs: { num: { i: 2 ** 31 }, T: { type: DT.FLOAT } } };
    expect(refusal(() => importGraphDef(graphDefBytes([placeholder('x', [4]), unpack]))).node?.name).toBe('u');
    const reader: NodeSpec = { name: 'r', op: 'Identity', inputs: ['x2:4294967295'], attrs: { T: { type: DT.FLOAT } } };
    const two: NodeSpec = { name: 'x2', op: 'Identity', inputs: ['x'], attrs: { T: { type: DT.FLOAT } } };
    const e = refusal(() => importGraphDef(graphDefBytes([placeholder('x', [4]), two, reader])));
    expect(e.code).toBe('RESOURCE_LIMIT');
    expect(e.node?.name).toBe('x2');
  });

  it('accepts as many outputs as the limit allows, which a call can lower', () => {
    const split: NodeSpec = { name: 'split', op: 'Split', inputs: ['axis', 'x'], attrs: { num_split: { i: 4 }, T: { type: DT.FLOAT } } };
    const bytes = graphDefBytes([placeholder('x', [4]), axis, split]);
    expect(importGraphDef(bytes).nodes[0]!.outputs).toEqual(['split', 'split:1', 'split:2', 'split:3']);
    expect(refusal(() => importGraphDef(bytes, { limits: { maxNodeOutputs: 3 } })).code).toBe('RESOURCE_LIMIT');
  });
});

describe('GraphDef constants and nodes', () => {
  it('refuses a broadcast constant of 65536 × 65536 from its declared dims', () => {
    const big = constNode('big', { dtype: DT.FLOAT, shape: [65536, 65536], floatVal: [1] });
    const e = refusal(() => importGraphDef(graphDefBytes([big]), { outputs: ['big'] }));
    expect(e.code).toBe('RESOURCE_LIMIT');
    expect(e.node).toMatchObject({ name: 'big', op: 'Const' });
    expect(e.message).toMatch(/float32 tensor of 4294967296 elements/);
  });

  it('takes limits per call: a small maxTensorBytes refuses a normal constant, naming its node', () => {
    const w = constNode('w', { dtype: DT.FLOAT, shape: [4, 4], content: new Uint8Array(64) });
    const add: NodeSpec = { name: 'add', op: 'AddV2', inputs: ['x', 'w'], attrs: { T: { type: DT.FLOAT } } };
    const bytes = graphDefBytes([placeholder('x', [4, 4]), w, add]);
    expectTensorClose(importGraphDef(bytes).weights.get('w')!, Tensor.zeros('float32', [4, 4]), { rtol: 0, atol: 0 });
    const e = refusal(() => importGraphDef(bytes, { limits: { maxTensorBytes: 32 } }));
    expect(e.code).toBe('RESOURCE_LIMIT');
    expect(e.node?.name).toBe('w');
    expect(e.message).toMatch(/needs 64 B, over the limit maxTensorBytes = 32 B/);
    expect(refusal(() => importGraphDef(bytes, { limits: { maxModelBytes: 63 } })).message).toMatch(/the graph's constants/);
    expect(refusal(() => importGraphDef(bytes, { limits: { maxNodes: 2 } })).message).toMatch(/nodes in the graph \(3\)/);
    expect(refusal(() => importGraphDef(bytes, { limits: { maxNodes: 0 } })).code).toBe('INVALID_ARGUMENT');
  });
});

describe('TensorFlow.js limits', () => {
  function model(shape: number[], topologyExtra: object = {}): object {
    return {
      format: 'graph-model',
      modelTopology: {
        node: [
          { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: {} } } } },
          { name: 'y', op: 'Identity', input: ['w'], attr: { T: { type: 'DT_FLOAT' } } },
        ],
        versions: { producer: 1000 },
        ...topologyExtra,
      },
      weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'w', shape, dtype: 'float32' }] }],
    };
  }

  it('refuses a manifest weight over the limit before reading any shard', async () => {
    let reads = 0;
    const read = () => {
      reads++;
      return new Uint8Array(16);
    };
    const e = await rejection(importTfjsModel(model([65536, 65536]), read));
    expect(e.code).toBe('RESOURCE_LIMIT');
    expect(e.message).toMatch(/TensorFlow.js weight 'w': a float32 tensor of 4294967296 elements/);
    const small = await rejection(importTfjsModel(model([4]), read, { limits: { maxTensorBytes: 8 } }));
    expect(small.message).toMatch(/weight 'w'.*over the limit maxTensorBytes = 8 B/);
    expect(reads).toBe(0);
    const g = await importTfjsModel(model([4]), () => new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer));
    expectTensorClose(g.weights.get('w')!, Tensor.fromValues('float32', [4], [1, 2, 3, 4]), { rtol: 0, atol: 0 });
  });

  it('refuses JSON nested deeper than maxNestingDepth and strings over maxStringLength', async () => {
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const e = await rejection(importTfjsModel(model([4], { library: deep }), () => new Uint8Array(16)));
    expect(e.code).toBe('RESOURCE_LIMIT');
    expect(e.message).toMatch(/model.json: the nesting depth of its JSON \(65\) is over the limit maxNestingDepth = 64/);
    const long = await rejection(
      importTfjsModel(model([4], { note: 'x'.repeat(100) }), () => new Uint8Array(16), { limits: { maxStringLength: 50 } }),
    );
    expect(long.message).toMatch(/the length of a string \(100\) is over the limit maxStringLength = 50/);
  });
});
