/** ModelProto → Graph: nodes, attributes, weights, Constant folding, functions, metadata, declared types. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Graph, Tensor } from '@kiln-inference/core';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { exportOnnx, importOnnx, loadOnnxFile } from '../src/index.js';
import { ProtoTypes } from '../src/proto/schema.js';
import { graphDifference } from './helpers/graph-equality.js';
import { floatInput, modelBytes } from './helpers/model-builder.js';

const corpus = corpusDir();
const utf8 = new TextEncoder();

describe('attributes', () => {
  const subgraph = { name: 'body', node: [{ opType: 'Identity', input: ['x'], output: ['y'] }], output: [floatInput('y', [1])] };
  const bytes = modelBytes({
    name: 'attrs',
    input: [floatInput('x', [1])],
    output: [floatInput('y', [1])],
    node: [
      {
        opType: 'Custom',
        domain: 'test.domain',
        input: ['x'],
        output: ['y'],
        attribute: [
          { name: 'f', type: 1, f: 0.25 },
          { name: 'i', type: 2, i: '-9007199254740993' },
          { name: 's', type: 3, s: utf8.encode('héllo') },
          { name: 't', type: 4, t: { dims: [2], dataType: 6, int32Data: [3, -4] } },
          { name: 'g', type: 5, g: subgraph },
          { name: 'fs', type: 6, floats: [1.5, Number.NaN] },
          { name: 'is', type: 7, ints: [1, -2, '9223372036854775807'] },
          { name: 'ss', type: 8, strings: [utf8.encode('a'), utf8.encode('')] },
          { name: 'ts', type: 9, tensors: [{ dims: [], dataType: 1, floatData: [2] }] },
          { name: 'gs', type: 10, graphs: [subgraph, subgraph] },
          { name: 'tp', type: 13, tp: floatInput('z', [3]).type },
          { name: 'empty_ints', type: 7 },
          { name: 'legacy', i: 42 },
          { name: 'from_parent', refAttrName: 'alpha', type: 1 },
        ],
      },
    ],
  });

  it('maps every AttributeProto type to its AttributeValue', () => {
    const n = importOnnx(bytes).nodes[0]!;
    expect(n.domain).toBe('test.domain');
    expect(n.name).toBe('Custom_0');
    const a = n.attributes;
    expect(a.f).toEqual({ kind: 'float', value: 0.25 });
    expect(a.i).toEqual({ kind: 'int', value: -9007199254740992 });
    expect(a.s).toEqual({ kind: 'string', value: 'héllo' });
    expect(a.t?.kind === 'tensor' && a.t.value.toArray()).toEqual([3, -4]);
    expect(a.g?.kind === 'graph' && a.g.value).toBeInstanceOf(Graph);
    expect(a.g?.kind === 'graph' && a.g.value.nodes[0]!.op).toBe('Identity');
    expect(a.fs?.kind === 'floats' && a.fs.value[0]).toBe(1.5);
    expect(a.fs?.kind === 'floats' && Number.isNaN(a.fs.value[1])).toBe(true);
    expect(a.is).toEqual({ kind: 'ints', value: [1, -2, 2 ** 63] });
    expect(a.ss).toEqual({ kind: 'strings', value: ['a', ''] });
    expect(a.ts?.kind === 'tensors' && a.ts.value[0]!.toArray()).toEqual([2]);
    expect(a.gs?.kind === 'graphs' && a.gs.value).toHaveLength(2);
    expect(a.tp?.kind === 'opaque' && a.tp.value.type).toBe('TYPE_PROTO');
    expect(a.empty_ints).toEqual({ kind: 'ints', value: [] });
    expect(a.legacy).toEqual({ kind: 'int', value: 42 });
    expect(a.from_parent).toBeUndefined();
    expect(n.attributeRefs).toEqual({ from_parent: 'alpha' });
  });

  it('exports them back: huge ints clamp to the int64 range, the rest is equal', () => {
    const g = importOnnx(bytes);
    const back = importOnnx(exportOnnx(g));
    expect(graphDifference(g, back)).toBeUndefined();
    expect(back.nodes[0]!.attributes.is).toEqual({ kind: 'ints', value: [1, -2, 2 ** 63] });
  });
});

describe('weights and declared types', () => {
  it('keeps graph inputs that are initializers as inputs and weights, but not as feeds', () => {
    const g = importOnnx(
      modelBytes({
        input: [floatInput('x', ['batch', 2]), floatInput('w', [2])],
        output: [floatInput('y', ['batch', 2])],
        initializer: [{ name: 'w', dims: [2], dataType: 1, rawData: new Uint8Array(new Float32Array([1, 2]).buffer) }],
        node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
      }),
    );
    expect(g.inputs.map((i) => i.name)).toEqual(['x', 'w']);
    expect(g.feedInputs.map((i) => i.name)).toEqual(['x']);
    expectTensorClose(g.weights.get('w')!, Tensor.fromValues('float32', [2], [1, 2]), { rtol: 0, atol: 0 });
    expect(g.inputs[0]!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: ['batch', 2] });
  });

  it('densifies sparse initializers (linear and coordinate indices)', () => {
    const g = importOnnx(
      modelBytes({
        output: [floatInput('a', [2, 3])],
        sparseInitializer: [
          {
            values: { name: 'a', dims: [2], dataType: 1, floatData: [5, 7] },
            indices: { dims: [2], dataType: 7, int64Data: [1, 5] },
            dims: [2, 3],
          },
          {
            values: { name: 'b', dims: [1], dataType: 1, floatData: [9] },
            indices: { dims: [1, 2], dataType: 7, int64Data: [1, 0] },
            dims: [2, 2],
          },
        ],
      }),
    );
    expect(g.weights.get('a')!.toArray()).toEqual([0, 5, 0, 0, 0, 7]);
    expect(g.weights.get('b')!.toArray()).toEqual([0, 0, 9, 0]);
  });

  it('turns declared 0 dims of inputs and value_info into unknowns, with a warning', () => {
    const warnings: string[] = [];
    const g = importOnnx(
      modelBytes({
        input: [floatInput('x', [0, 4])],
        output: [floatInput('y', [0, 4])],
        valueInfo: [floatInput('mid', [1, 0])],
        node: [
          { opType: 'Relu', input: ['x'], output: ['mid'] },
          { opType: 'Relu', input: ['mid'], output: ['y'] },
        ],
      }),
      { onWarning: (m) => warnings.push(m) },
    );
    expect(g.inputs[0]!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: [null, 4] });
    expect(g.outputs[0]!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: [0, 4] });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/graph input 'x' declares dim 0 as 0/);
    // The declared 1 stays; inference fills the dim the 0 left unknown.
    expect(g.valueInfo.get('mid')!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: [1, 4] });
  });

  it('reads sequence, optional and map types', () => {
    const seq = { name: 's', type: { sequenceType: { elemType: floatInput('', [2]).type } } };
    const opt = { name: 'o', type: { optionalType: { elemType: { sequenceType: { elemType: floatInput('', []).type } } } } };
    const map = { name: 'm', type: { mapType: { keyType: 7, valueType: floatInput('', [1]).type } } };
    const g = importOnnx(modelBytes({ input: [seq, opt, map], output: [seq] }));
    expect(g.inputs.map((i) => i.type)).toEqual([
      { kind: 'sequence', element: { kind: 'tensor', dtype: 'float32', shape: [2] } },
      { kind: 'optional', element: { kind: 'sequence', element: { kind: 'tensor', dtype: 'float32', shape: [] } } },
      { kind: 'map', keyType: 'int64', valueType: { kind: 'tensor', dtype: 'float32', shape: [1] } },
    ]);
  });
});

describe('Constant nodes', () => {
  const constants = modelBytes({
    output: [floatInput('y', [2])],
    node: [
      { opType: 'Constant', output: ['a'], attribute: [{ name: 'value', type: 4, t: { dims: [2], dataType: 1, floatData: [1, 2] } }] },
      { opType: 'Constant', output: ['b'], attribute: [{ name: 'value_float', type: 1, f: 3 }] },
      { opType: 'Constant', output: ['c'], attribute: [{ name: 'value_ints', type: 7, ints: [4, 5] }] },
      { opType: 'Constant', output: ['d'], attribute: [{ name: 'value_strings', type: 8, strings: [utf8.encode('x')] }] },
      { opType: 'Constant', output: ['e'], attribute: [{ name: 'value_int', type: 2, i: 6 }] },
      { opType: 'Constant', output: ['f'], attribute: [{ name: 'value_floats', type: 6, floats: [0.5] }] },
      { opType: 'Constant', output: ['s'], attribute: [{ name: 'value_string', type: 3, s: utf8.encode('z') }] },
      {
        opType: 'Constant',
        output: ['sp'],
        attribute: [
          {
            name: 'sparse_value',
            type: 11,
            sparseTensor: {
              values: { dims: [1], dataType: 1, floatData: [8] },
              indices: { dims: [1], dataType: 7, int64Data: [2] },
              dims: [3],
            },
          },
        ],
      },
      { opType: 'Add', input: ['a', 'b'], output: ['y'] },
    ],
  });

  it('become weights by default, with every value attribute', () => {
    const g = importOnnx(constants);
    expect(g.nodes.map((n) => n.op)).toEqual(['Add']);
    const w = (n: string) => g.weights.get(n)!;
    expect([w('a').dtype, w('a').toArray()]).toEqual(['float32', [1, 2]]);
    expect([w('b').shape, w('b').toArray()]).toEqual([[], [3]]);
    expect([w('c').dtype, w('c').toArray()]).toEqual(['int64', [4n, 5n]]);
    expect(w('d').toArray()).toEqual(['x']);
    expect([w('e').shape, w('e').toArray()]).toEqual([[], [6n]]);
    expect(w('f').toArray()).toEqual([0.5]);
    expect(w('s').toArray()).toEqual(['z']);
    expect(w('sp').toArray()).toEqual([0, 0, 8]);
    expect(g.valueInfo.get('y')!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: [2] });
  });

  it('stay nodes with constantsAsWeights: false, and inference still types them', () => {
    const g = importOnnx(constants, { constantsAsWeights: false });
    expect(g.nodes).toHaveLength(9);
    expect(g.weights.size).toBe(0);
    expect(g.valueInfo.get('c')!.type).toEqual({ kind: 'tensor', dtype: 'int64', shape: [2] });
    expect(g.valueInfo.get('y')!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: [2] });
  });

  it('with two value attributes fail naming the node', () => {
    const bad = modelBytes({
      node: [
        {
          name: 'k',
          opType: 'Constant',
          output: ['a'],
          attribute: [
            { name: 'value_int', type: 2, i: 1 },
            { name: 'value_float', type: 1, f: 1 },
          ],
        },
      ],
    });
    expect(() => importOnnx(bad)).toThrowError(/node 'k' \(Constant\): a Constant needs exactly one value attribute/);
  });

  it.skipIf(!corpus)('of paddleocr det (342 Constant nodes, no initializers) all become weights', async () => {
    if (!corpus) return console.warn(CORPUS_MISSING_MESSAGE);
    const path = join(corpus, 'onnx-models/paddleocr-ppocrv4-det/ch_PP-OCRv4_det_infer.onnx');
    const g = await loadOnnxFile(path);
    expect(g.nodes.some((n) => n.op === 'Constant')).toBe(false);
    expect(g.weights.size).toBe(342);
    const raw = importOnnx(new Uint8Array(readFileSync(path)), { constantsAsWeights: false });
    expect(raw.nodes.filter((n) => n.op === 'Constant')).toHaveLength(342);
    expect(g.nodes.length + 342).toBe(raw.nodes.length);
    g.validate();
  });
});

describe('model fields', () => {
  const bytes = modelBytes(
    {
      name: 'main',
      docString: 'graph doc',
      output: [floatInput('y', [1])],
      node: [{ opType: 'MyFn', domain: 'local', input: ['x'], output: ['y'], attribute: [{ name: 'alpha', type: 2, i: 4 }] }],
      input: [floatInput('x', [1])],
    },
    {
      producerName: 'unit-test',
      producerVersion: '1.2',
      modelVersion: 3,
      docString: 'model doc',
      opsetImport: [
        { domain: '', version: 17 },
        { domain: 'local', version: 1 },
      ],
      metadataProps: [{ key: 'author', value: 'me' }],
      functions: [
        {
          name: 'MyFn',
          domain: 'local',
          input: ['a'],
          output: ['b'],
          attribute: ['alpha'],
          attributeProto: [{ name: 'beta', type: 1, f: 0.5 }],
          opsetImport: [{ domain: '', version: 17 }],
          node: [
            { opType: 'Constant', output: ['k'], attribute: [{ name: 'value_float', type: 1, f: 2 }] },
            { opType: 'Mul', input: ['a', 'k'], output: ['m'] },
            { opType: 'LeakyRelu', input: ['m'], output: ['l'], attribute: [{ name: 'alpha', refAttrName: 'beta', type: 1 }] },
            { opType: 'Shrink', input: ['l'], output: ['b'], attribute: [{ name: 'lambd', refAttrName: 'alpha', type: 2 }] },
          ],
        },
      ],
    },
  );

  it('keeps metadata, opsets and functions (function Constants stay nodes)', () => {
    const g = importOnnx(bytes);
    expect(g.metadata).toEqual({
      ir_version: '8',
      producer_name: 'unit-test',
      producer_version: '1.2',
      model_version: '3',
      doc_string: 'model doc',
      graph_doc_string: 'graph doc',
      'metadata_props.author': 'me',
    });
    expect(g.opsetVersion('local')).toBe(1);
    expect(g.functions).toHaveLength(1);
    const fn = g.functions[0]!;
    expect(fn.nodes.map((n) => n.op)).toEqual(['Constant', 'Mul', 'LeakyRelu', 'Shrink']);
    expect(fn.attributes).toEqual(['alpha', 'beta']);
    expect(fn.attributeDefaults).toEqual({ beta: { kind: 'float', value: 0.5 } });
    expect(fn.nodes[2]!.attributeRefs).toEqual({ alpha: 'beta' });
    expect(graphDifference(g, importOnnx(exportOnnx(g)))).toBeUndefined();
  });

  it('exports referenced attributes with the type of the default or the call site', () => {
    const model = ProtoTypes.ModelProto.decode(exportOnnx(importOnnx(bytes))) as unknown as {
      functions: { attribute: string[]; node: { attribute: { refAttrName: string; type: number }[] }[] }[];
    };
    const refs = model.functions[0]!.node.flatMap((n) => n.attribute).filter((a) => a.refAttrName);
    expect(refs.map((a) => [a.refAttrName, a.type])).toEqual([
      ['beta', 1],
      ['alpha', 2],
    ]);
    expect(model.functions[0]!.attribute).toEqual(['alpha']);
  });

  it('refuses to export a TensorFlow graph as ONNX', () => {
    expect(() => exportOnnx(new Graph({ format: 'tf' }))).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_FORMAT' }));
  });
});

describe('graph equality helper', () => {
  it('reports a changed weight bit, attribute and node', () => {
    const g = importOnnx(
      modelBytes({
        input: [floatInput('x', [2])],
        output: [floatInput('y', [2])],
        node: [{ opType: 'Relu', input: ['x'], output: ['y'] }],
      }),
    );
    const h = importOnnx(exportOnnx(g));
    h.weights.set('w', Tensor.fromValues('float32', [1], [1]));
    expect(graphDifference(g, h)).toMatch(/weights/);
    const k = importOnnx(exportOnnx(g));
    k.nodes[0]!.attributes.alpha = { kind: 'float', value: 1 };
    expect(graphDifference(g, k)).toMatch(/attributes/);
    const m = importOnnx(exportOnnx(g));
    m.nodes[0]!.op = 'Sigmoid';
    expect(graphDifference(g, m)).toMatch(/op/);
  });
});
