/**
 * Issue #16's acceptance: a TF.js graph model whose post-processing is TF1 `tf.map_fn` (TensorArray
 * unstack / read / write / stack in a while frame, as TF1 writes it, Consts in a weight shard as
 * the TF.js converter writes them) imports, converts and matches a plain TypeScript reference,
 * through importTfjsModel and through the umbrella's InferenceSession.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertGraph, createTfRegistry } from '@kiln-inference/converters';
import { Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { importTfjsModel, loadTfjsModel } from '@kiln-inference/tf-graph';
import { describe, expect, it } from 'vitest';

const tol = { rtol: 1e-3, atol: 1e-4 };
const KERNEL = [0.5, -0.25, 1, -1, 0.75, 0.1, 0.3, 0.2, -0.6, 0.05, -0.4, 0.9]; // [4, 3]
const BIAS = [0.1, -0.2, 0.3];

type Json = Record<string, unknown>;
interface Weight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: number[];
}

const F = { type: 'DT_FLOAT' };
const I = { type: 'DT_INT32' };
const R = { type: 'DT_RESOURCE' };
const s = (text: string) => ({ s: Buffer.from(text).toString('base64') });
const shape = (dims: number[]) => ({ dim: dims.map((d) => ({ size: String(d) })) });
const FRAME = 'map/while/while_context';

/** The TF.js graph model: nodes in the converter's JSON form, and the weights its shard holds. */
function tfjsModel(): { json: Json; shard: Uint8Array } {
  const weights: Weight[] = [];
  const nodes: Json[] = [];
  const node = (name: string, op: string, input: string[], attr: Json = {}) => nodes.push({ name, op, input, attr });
  // Const nodes: the converter moves each value into the shard and clears tensor_content; the
  // dtype, tensorShape and any scalar *_val fields stay in the topology.
  const cnst = (name: string, dtype: 'float32' | 'int32', dims: number[], values: number[], control: string[] = []) => {
    const dt = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
    const inline = dims.length === 0 ? { [dtype === 'float32' ? 'floatVal' : 'intVal']: values } : {};
    nodes.push({
      name,
      op: 'Const',
      ...(control.length ? { input: control.map((c) => `^${c}`) } : {}),
      attr: { dtype: { type: dt }, value: { tensor: { dtype: dt, tensorShape: dims.length ? shape(dims) : {}, ...inline } } },
    });
    weights.push({ name, shape: dims, dtype, values });
  };
  const enter = (name: string, input: string, T: Json, constant: boolean) =>
    node(name, 'Enter', [input], { T, frame_name: s(FRAME), is_constant: { b: constant }, parallel_iterations: { i: '10' } });
  /** Enter / Merge / Switch / Identity / NextIteration / Exit of loop variable k. */
  const loopVar = (k: string, init: string, next: string, T: Json) => {
    enter(`map/while/Enter${k}`, init, T, false);
    node(`map/while/Merge${k}`, 'Merge', [`map/while/Enter${k}`, `map/while/NextIteration${k}`], { T, N: { i: '2' } });
    node(`map/while/Switch${k}`, 'Switch', [`map/while/Merge${k}`, 'map/while/LoopCond'], { T, _class: { list: { s: [] } } });
    node(`map/while/Identity${k}`, 'Identity', [`map/while/Switch${k}:1`], { T });
    node(`map/while/NextIteration${k}`, 'NextIteration', [next], { T });
    node(`map/while/Exit${k}`, 'Exit', [`map/while/Switch${k}`], { T });
  };
  const taAttrs = {
    dtype: F,
    element_shape: { shape: shape([3]) },
    dynamic_size: { b: false },
    clear_after_read: { b: true },
    identical_element_shapes: { b: true },
    tensor_array_name: { s: '' },
  };

  node('x', 'Placeholder', [], { dtype: F, shape: { shape: shape([-1, 4]) } });
  // Dense layer.
  cnst('dense/kernel', 'float32', [4, 3], KERNEL);
  cnst('dense/bias', 'float32', [3], BIAS);
  node('dense/MatMul', 'MatMul', ['x', 'dense/kernel'], { T: F, transpose_a: { b: false }, transpose_b: { b: false } });
  node('dense/BiasAdd', 'BiasAdd', ['dense/MatMul', 'dense/bias'], { T: F, data_format: s('NHWC') });
  // tf.map_fn(lambda row: sigmoid(row) * reduce_max(sigmoid(row), keepdims=True), logits), TF 1.15.
  const slice = { Index: I, T: I, begin_mask: { i: '0' }, ellipsis_mask: { i: '0' }, end_mask: { i: '0' }, new_axis_mask: { i: '0' } };
  node('map/Shape', 'Shape', ['dense/BiasAdd'], { T: F, out_type: I });
  cnst('map/strided_slice/stack', 'int32', [1], [0]);
  cnst('map/strided_slice/stack_1', 'int32', [1], [1]);
  cnst('map/strided_slice/stack_2', 'int32', [1], [1]);
  node(
    'map/strided_slice',
    'StridedSlice',
    ['map/Shape', 'map/strided_slice/stack', 'map/strided_slice/stack_1', 'map/strided_slice/stack_2'],
    {
      ...slice,
      shrink_axis_mask: { i: '1' },
    },
  );
  node('map/TensorArray', 'TensorArrayV3', ['map/strided_slice'], taAttrs);
  node('map/TensorArray_1', 'TensorArrayV3', ['map/strided_slice'], taAttrs);
  node('map/TensorArrayUnstack/Shape', 'Shape', ['dense/BiasAdd'], { T: F, out_type: I });
  cnst('map/TensorArrayUnstack/strided_slice/stack', 'int32', [1], [0]);
  cnst('map/TensorArrayUnstack/strided_slice/stack_1', 'int32', [1], [1]);
  cnst('map/TensorArrayUnstack/strided_slice/stack_2', 'int32', [1], [1]);
  node(
    'map/TensorArrayUnstack/strided_slice',
    'StridedSlice',
    [
      'map/TensorArrayUnstack/Shape',
      'map/TensorArrayUnstack/strided_slice/stack',
      'map/TensorArrayUnstack/strided_slice/stack_1',
      'map/TensorArrayUnstack/strided_slice/stack_2',
    ],
    { ...slice, shrink_axis_mask: { i: '1' } },
  );
  cnst('map/TensorArrayUnstack/range/start', 'int32', [], [0]);
  cnst('map/TensorArrayUnstack/range/delta', 'int32', [], [1]);
  node(
    'map/TensorArrayUnstack/range',
    'Range',
    ['map/TensorArrayUnstack/range/start', 'map/TensorArrayUnstack/strided_slice', 'map/TensorArrayUnstack/range/delta'],
    { Tidx: I },
  );
  node(
    'map/TensorArrayUnstack/TensorArrayScatter/TensorArrayScatterV3',
    'TensorArrayScatterV3',
    ['map/TensorArray_1', 'map/TensorArrayUnstack/range', 'dense/BiasAdd', 'map/TensorArray_1:1'],
    { T: F, _class: { list: { s: [s('loc:@dense/BiasAdd').s] } } },
  );
  cnst('map/Const', 'int32', [], [0]);
  cnst('map/while/iteration_counter', 'int32', [], [0]);
  // Loop variables: the maximum_iterations counter, i, and the output TensorArray's flow.
  loopVar('', 'map/while/iteration_counter', 'map/while/add', I);
  loopVar('_1', 'map/Const', 'map/while/add_1', I);
  loopVar('_2', 'map/TensorArray:1', 'map/while/TensorArrayWrite/TensorArrayWriteV3', F);
  enter('map/while/Less/Enter', 'map/strided_slice', I, true);
  node('map/while/Less', 'Less', ['map/while/Merge', 'map/while/Less/Enter'], { T: I });
  node('map/while/Less_1', 'Less', ['map/while/Merge_1', 'map/while/Less/Enter'], { T: I });
  node('map/while/LogicalAnd', 'LogicalAnd', ['map/while/Less', 'map/while/Less_1']);
  node('map/while/LoopCond', 'LoopCond', ['map/while/LogicalAnd']);
  cnst('map/while/add/y', 'int32', [], [1], ['map/while/Identity']);
  node('map/while/add', 'AddV2', ['map/while/Identity', 'map/while/add/y'], { T: I });
  enter('map/while/TensorArrayReadV3/Enter', 'map/TensorArray_1', R, true);
  enter('map/while/TensorArrayReadV3/Enter_1', 'map/TensorArrayUnstack/TensorArrayScatter/TensorArrayScatterV3', F, true);
  node(
    'map/while/TensorArrayReadV3',
    'TensorArrayReadV3',
    ['map/while/TensorArrayReadV3/Enter', 'map/while/Identity_1', 'map/while/TensorArrayReadV3/Enter_1'],
    { dtype: F },
  );
  node('map/while/Sigmoid', 'Sigmoid', ['map/while/TensorArrayReadV3'], { T: F });
  cnst('map/while/Max/reduction_indices', 'int32', [], [0], ['map/while/Identity']);
  node('map/while/Max', 'Max', ['map/while/Sigmoid', 'map/while/Max/reduction_indices'], { T: F, Tidx: I, keep_dims: { b: true } });
  node('map/while/mul', 'Mul', ['map/while/Sigmoid', 'map/while/Max'], { T: F });
  enter('map/while/TensorArrayWrite/TensorArrayWriteV3/Enter', 'map/TensorArray', R, true);
  node(
    'map/while/TensorArrayWrite/TensorArrayWriteV3',
    'TensorArrayWriteV3',
    ['map/while/TensorArrayWrite/TensorArrayWriteV3/Enter', 'map/while/Identity_1', 'map/while/mul', 'map/while/Identity_2'],
    { T: F, _class: { list: { s: [s('loc:@map/while/mul').s] } } },
  );
  cnst('map/while/add_1/y', 'int32', [], [1], ['map/while/Identity']);
  node('map/while/add_1', 'AddV2', ['map/while/Identity_1', 'map/while/add_1/y'], { T: I });
  node('map/TensorArrayStack/TensorArraySizeV3', 'TensorArraySizeV3', ['map/TensorArray', 'map/while/Exit_2'], {
    _class: { list: { s: [s('loc:@map/TensorArray').s] } },
  });
  cnst('map/TensorArrayStack/range/start', 'int32', [], [0]);
  cnst('map/TensorArrayStack/range/delta', 'int32', [], [1]);
  node(
    'map/TensorArrayStack/range',
    'Range',
    ['map/TensorArrayStack/range/start', 'map/TensorArrayStack/TensorArraySizeV3', 'map/TensorArrayStack/range/delta'],
    { Tidx: I },
  );
  node(
    'map/TensorArrayStack/TensorArrayGatherV3',
    'TensorArrayGatherV3',
    ['map/TensorArray', 'map/TensorArrayStack/range', 'map/while/Exit_2'],
    { dtype: F, element_shape: { shape: shape([3]) }, _class: { list: { s: [s('loc:@map/TensorArray').s] } } },
  );
  node('scores', 'Identity', ['map/TensorArrayStack/TensorArrayGatherV3'], { T: F });

  const parts = weights.map((w) => new Uint8Array((w.dtype === 'float32' ? new Float32Array(w.values) : new Int32Array(w.values)).buffer));
  const shard = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    shard.set(p, offset);
    offset += p.length;
  }
  const json: Json = {
    format: 'graph-model',
    generatedBy: '1.15.5',
    convertedBy: 'TensorFlow.js Converter v3.21.0',
    signature: {
      inputs: { 'x:0': { name: 'x:0', dtype: 'DT_FLOAT', tensorShape: shape([-1, 4]) } },
      outputs: { 'scores:0': { name: 'scores:0', dtype: 'DT_FLOAT', tensorShape: shape([-1, 3]) } },
    },
    modelTopology: { node: nodes, library: {}, versions: { producer: 134 } },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }],
  };
  return { json, shard };
}

/** The same model in plain TypeScript: logits = x·W + b; each row r → sigmoid(r) · max(sigmoid(r)). */
function reference(x: number[], batch: number): Tensor {
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    const sig = [0, 1, 2].map((j) => {
      let v = BIAS[j]!;
      for (let k = 0; k < 4; k++) v += x[b * 4 + k]! * KERNEL[k * 3 + j]!;
      return 1 / (1 + Math.exp(-v));
    });
    const m = Math.max(...sig);
    out.push(...sig.map((v) => v * m));
  }
  return Tensor.fromValues('float32', [batch, 3], out);
}

const input = (batch: number) => Array.from({ length: batch * 4 }, (_, k) => ((k * 7) % 11) / 4 - 1.2);

describe('TF.js graph model with tf.map_fn post-processing', () => {
  it('imports, converts and matches the reference for batch 1 and 3', async () => {
    const { json, shard } = tfjsModel();
    const graph = await importTfjsModel(json, (path) => {
      expect(path).toBe('group1-shard1of1.bin');
      return shard;
    });
    expect(graph.nodes.map((n) => n.op)).toContain('While');
    expect(graph.weights.get('dense/kernel')!.toArray()).toEqual(Array.from(new Float32Array(KERNEL)));
    const network = convertGraph(graph, createTfRegistry());
    expect(network.layers.map((l) => l.kind)).toContain('loop');
    for (const batch of [1, 3]) {
      const x = input(batch);
      const out = new ReferenceExecutor().run(network, { x: Tensor.fromValues('float32', [batch, 4], x) });
      expectTensorClose(out.get('scores')!, reference(x, batch), tol);
    }
  });

  it('loads from model.json and its shard on disk and gives the same results', async () => {
    const { json, shard } = tfjsModel();
    const dir = mkdtempSync(join(tmpdir(), 'kiln-tfjs-map-fn-'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    writeFileSync(join(dir, 'group1-shard1of1.bin'), shard);
    const network = convertGraph(await loadTfjsModel(join(dir, 'model.json')), createTfRegistry());
    expect(network.outputs).toEqual(['scores']);
    for (const batch of [1, 3]) {
      const x = input(batch);
      const out = new ReferenceExecutor().run(network, { x: Tensor.fromValues('float32', [batch, 4], x) });
      expectTensorClose(out.get('scores')!, reference(x, batch), tol);
    }
  });
});
