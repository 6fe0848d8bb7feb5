/**
 * TF2 function libraries: PartitionedCall inlined, functional StatelessWhile / StatelessIf with
 * cond/body/branches from the library, and a SavedModel whose serving function reads resource
 * variables (VarHandleOp → ReadVariableOp) restored through the object graph's checkpoint keys.
 * All written by hand here; references computed in plain TypeScript.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertGraph, createTfRegistry } from '@kiln-inference/converters';
import { isKilnError, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { importGraphDef, loadSavedModel } from '@kiln-inference/tf-graph';
import { afterAll, describe, expect, it } from 'vitest';
import { DT } from './proto-writer.js';
import { type FunctionSpec, graphDefWithLibrary, type Node, writeSavedModel } from './support/tf-writers.js';

const tol = { rtol: 1e-3, atol: 1e-4 };
const F = { type: DT.FLOAT };
const I = { type: DT.INT32 };
const fconst = (name: string, shape: number[], values: number[]): Node => ({
  name,
  op: 'Const',
  attrs: { dtype: F, value: { tensor: { dtype: DT.FLOAT, shape, floatVal: values } } },
});
const iconst = (name: string, v: number): Node => ({
  name,
  op: 'Const',
  attrs: { dtype: I, value: { tensor: { dtype: DT.INT32, shape: [], intVal: [v] } } },
});
const placeholder = (name: string, dtype: number, shape: number[] | null): Node => ({
  name,
  op: 'Placeholder',
  attrs: { dtype: { type: dtype }, shape: { shape } },
});

function run(graph: ReturnType<typeof importGraphDef>, feeds: Record<string, Tensor>): Map<string, Tensor> {
  return new ReferenceExecutor().run(convertGraph(graph, createTfRegistry()), feeds);
}

/** affine(x, w, b) = relu(x @ w + b), in FunctionDef naming (node:output_arg:index). */
const affine: FunctionSpec = {
  name: '__inference_affine_12',
  inputs: [
    ['x', DT.FLOAT],
    ['w', DT.FLOAT],
    ['b', DT.FLOAT],
  ],
  outputs: [
    ['y', DT.FLOAT],
    ['pre', DT.FLOAT],
  ],
  nodes: [
    { name: 'mm', op: 'MatMul', inputs: ['x', 'w'], attrs: { T: F, transpose_a: { b: false }, transpose_b: { b: false } } },
    { name: 'add', op: 'AddV2', inputs: ['mm:product:0', 'b'], attrs: { T: F } },
    { name: 'relu', op: 'Relu', inputs: ['add:z:0'], attrs: { T: F } },
  ],
  ret: { y: 'relu:activations:0', pre: 'add:z:0' },
};

/** cond(i, acc) = i < 3;  body(i, acc) = (i + 1, acc * 2 + 1) */
const loopCond: FunctionSpec = {
  name: 'while_cond_7',
  inputs: [
    ['i', DT.INT32],
    ['acc', DT.FLOAT],
  ],
  outputs: [['ok', DT.BOOL]],
  nodes: [iconst('limit', 3), { name: 'less', op: 'Less', inputs: ['i', 'limit:output:0'], attrs: { T: I } }],
  ret: { ok: 'less:z:0' },
};
const loopBody: FunctionSpec = {
  name: 'while_body_8',
  inputs: [
    ['i', DT.INT32],
    ['acc', DT.FLOAT],
  ],
  outputs: [
    ['i_next', DT.INT32],
    ['acc_next', DT.FLOAT],
  ],
  nodes: [
    iconst('one', 1),
    { name: 'inc', op: 'AddV2', inputs: ['i', 'one:output:0'], attrs: { T: I } },
    fconst('two', [], [2]),
    fconst('onef', [], [1]),
    { name: 'dbl', op: 'Mul', inputs: ['acc', 'two:output:0'], attrs: { T: F } },
    { name: 'next', op: 'AddV2', inputs: ['dbl:z:0', 'onef:output:0'], attrs: { T: F } },
  ],
  ret: { i_next: 'inc:z:0', acc_next: 'next:z:0' },
};
const thenFn: FunctionSpec = {
  name: 'cond_true_3',
  inputs: [['v', DT.FLOAT]],
  outputs: [['out', DT.FLOAT]],
  nodes: [{ name: 'neg', op: 'Neg', inputs: ['v'], attrs: { T: F } }],
  ret: { out: 'neg:y:0' },
};
const elseFn: FunctionSpec = {
  name: 'cond_false_4',
  inputs: [['v', DT.FLOAT]],
  outputs: [['out', DT.FLOAT]],
  nodes: [],
  ret: { out: 'v' },
};

describe('TF2 GraphDef with a function library', () => {
  const nodes: Node[] = [
    placeholder('x', DT.FLOAT, [2, 3]),
    fconst('w', [3, 2], [1, -1, 0.5, 2, -2, 0.25]),
    fconst('b', [2], [0.1, -0.3]),
    {
      name: 'call',
      op: 'PartitionedCall',
      inputs: ['x', 'w', 'b'],
      attrs: { Tin: { types: [DT.FLOAT, DT.FLOAT, DT.FLOAT] }, Tout: { types: [DT.FLOAT, DT.FLOAT] }, f: { func: affine.name } },
    },
    iconst('i0', 0),
    {
      name: 'loop',
      op: 'StatelessWhile',
      inputs: ['i0', 'call:1'],
      attrs: { T: { types: [DT.INT32, DT.FLOAT] }, cond: { func: loopCond.name }, body: { func: loopBody.name } },
    },
    placeholder('flag', DT.BOOL, []),
    {
      name: 'branch',
      op: 'StatelessIf',
      inputs: ['flag', 'loop:1'],
      attrs: {
        Tcond: { type: DT.BOOL },
        Tin: { types: [DT.FLOAT] },
        Tout: { types: [DT.FLOAT] },
        then_branch: { func: thenFn.name },
        else_branch: { func: elseFn.name },
      },
    },
  ];
  const bytes = graphDefWithLibrary(nodes, [affine, loopCond, loopBody, thenFn, elseFn]);
  const x = [1, 2, 3, -1, 0.5, 4];
  const w = [1, -1, 0.5, 2, -2, 0.25];
  const b = [0.1, -0.3];
  const pre = [0, 1].flatMap((r) => [0, 1].map((c) => x[r * 3]! * w[c]! + x[r * 3 + 1]! * w[2 + c]! + x[r * 3 + 2]! * w[4 + c]! + b[c]!));

  it('inlines the PartitionedCall (both outputs, by output-argument name)', () => {
    const g = importGraphDef(bytes, { outputs: ['call', 'call:1'] });
    expect(g.nodes.some((n) => n.op === 'PartitionedCall')).toBe(false);
    const out = run(g, { x: Tensor.fromValues('float32', [2, 3], x) });
    expectTensorClose(
      out.get('call')!,
      Tensor.fromValues(
        'float32',
        [2, 2],
        pre.map((v) => Math.max(0, v)),
      ),
      tol,
    );
    expectTensorClose(out.get('call:1')!, Tensor.fromValues('float32', [2, 2], pre), tol);
  });

  it('runs StatelessWhile and StatelessIf bodies from the library', () => {
    const g = importGraphDef(bytes, { outputs: ['loop', 'loop:1', 'branch'] });
    const looped = pre.map((v) => {
      let acc = v;
      for (let i = 0; i < 3; i++) acc = acc * 2 + 1;
      return acc;
    });
    for (const flag of [true, false]) {
      const out = run(g, { x: Tensor.fromValues('float32', [2, 3], x), flag: Tensor.fromValues('bool', [], [flag]) });
      expect(out.get('loop')!.toArray()).toEqual([3]);
      expectTensorClose(out.get('loop:1')!, Tensor.fromValues('float32', [2, 2], looped), tol);
      expectTensorClose(
        out.get('branch')!,
        Tensor.fromValues(
          'float32',
          [2, 2],
          looped.map((v) => (flag ? -v : v)),
        ),
        tol,
      );
    }
  });

  it('any single function node removed gives a result or a KilnError', () => {
    for (const fn of [affine, loopCond, loopBody, thenFn]) {
      for (const dropped of fn.nodes) {
        const damaged = { ...fn, nodes: fn.nodes.filter((n) => n !== dropped) };
        const library = [affine, loopCond, loopBody, thenFn, elseFn].map((f) => (f === fn ? damaged : f));
        try {
          convertGraph(importGraphDef(graphDefWithLibrary(nodes, library), { outputs: ['branch', 'call'] }), createTfRegistry());
        } catch (e) {
          expect(isKilnError(e), `dropping ${fn.name}/${dropped.name}: ${(e as Error).message}`).toBe(true);
        }
      }
    }
  });

  it('a call to a function the library lacks is a KilnError naming the call', () => {
    const missing = graphDefWithLibrary(nodes, [loopCond, loopBody, thenFn, elseFn]);
    try {
      importGraphDef(missing, { outputs: ['call'] });
      expect.unreachable();
    } catch (e) {
      expect(isKilnError(e)).toBe(true);
      expect((e as Error).message).toMatch(/__inference_affine_12/);
      expect((e as { node?: { name: string } }).node?.name).toBe('call');
    }
  });
});

describe('TF2 tf.map_fn: a While over tensor lists', () => {
  const VARIANT = 21;
  const shapeConst = (name: string): Node => ({
    name,
    op: 'Const',
    attrs: { dtype: I, value: { tensor: { dtype: DT.INT32, shape: [1], intVal: [3] } } },
  });
  const mapCond: FunctionSpec = {
    name: 'map_while_cond_20',
    inputs: [
      ['i', DT.INT32],
      ['n', DT.INT32],
      ['rows', VARIANT],
      ['acc', VARIANT],
    ],
    outputs: [['ok', DT.BOOL]],
    nodes: [{ name: 'less', op: 'Less', inputs: ['i', 'n'], attrs: { T: I } }],
    ret: { ok: 'less:z:0' },
  };
  // acc[i] = sigmoid(rows[i]) * 2
  const mapBody: FunctionSpec = {
    name: 'map_while_body_21',
    inputs: [
      ['i', DT.INT32],
      ['n', DT.INT32],
      ['rows', VARIANT],
      ['acc', VARIANT],
    ],
    outputs: [
      ['i_next', DT.INT32],
      ['n_out', DT.INT32],
      ['rows_out', VARIANT],
      ['acc_out', VARIANT],
    ],
    nodes: [
      shapeConst('elem_shape'),
      { name: 'row', op: 'TensorListGetItem', inputs: ['rows', 'i', 'elem_shape:output:0'], attrs: { element_dtype: F } },
      { name: 'sig', op: 'Sigmoid', inputs: ['row:item:0'], attrs: { T: F } },
      fconst('two', [], [2]),
      { name: 'y', op: 'Mul', inputs: ['sig:y:0', 'two:output:0'], attrs: { T: F } },
      { name: 'set', op: 'TensorListSetItem', inputs: ['acc', 'i', 'y:z:0'], attrs: { element_dtype: F } },
      iconst('one', 1),
      { name: 'inc', op: 'AddV2', inputs: ['i', 'one:output:0'], attrs: { T: I } },
    ],
    ret: { i_next: 'inc:z:0', n_out: 'n', rows_out: 'rows', acc_out: 'set:output_handle:0' },
  };
  const nodes: Node[] = [
    placeholder('x', DT.FLOAT, [-1, 3]),
    shapeConst('elem_shape'),
    { name: 'shape', op: 'Shape', inputs: ['x'], attrs: { T: F, out_type: I } },
    iconst('zero', 0),
    { name: 'n', op: 'GatherV2', inputs: ['shape', 'zero', 'zero'], attrs: { Tparams: I, Tindices: I, Taxis: I } },
    { name: 'rows', op: 'TensorListFromTensor', inputs: ['x', 'elem_shape'], attrs: { element_dtype: F, shape_type: I } },
    { name: 'acc', op: 'TensorListReserve', inputs: ['elem_shape', 'n'], attrs: { element_dtype: F, shape_type: I } },
    {
      name: 'map/while',
      op: 'StatelessWhile',
      inputs: ['zero', 'n', 'rows', 'acc'],
      attrs: { T: { types: [DT.INT32, DT.INT32, VARIANT, VARIANT] }, cond: { func: mapCond.name }, body: { func: mapBody.name } },
    },
    { name: 'stacked', op: 'TensorListStack', inputs: ['map/while:3', 'elem_shape'], attrs: { element_dtype: F, num_elements: { i: -1 } } },
  ];

  it('maps every row and stacks the results, for any batch size', () => {
    const g = importGraphDef(graphDefWithLibrary(nodes, [mapCond, mapBody]), { outputs: ['stacked'] });
    for (const batch of [1, 4]) {
      const x = Array.from({ length: batch * 3 }, (_, k) => (k - 5) / 3);
      const out = run(g, { x: Tensor.fromValues('float32', [batch, 3], x) });
      expectTensorClose(
        out.get('stacked')!,
        Tensor.fromValues(
          'float32',
          [batch, 3],
          x.map((v) => 2 / (1 + Math.exp(-v))),
        ),
        tol,
      );
    }
  });
});

describe('TF2 SavedModel with resource variables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-tf2-sm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const kernel = [0.5, -1, 2, 0.25, 1.5, -0.5];
  const bias = [0.2, -0.1, 0.3];
  const serve: FunctionSpec = {
    name: '__inference_serve_99',
    inputs: [
      ['x', DT.FLOAT],
      ['kernel', DT.RESOURCE],
      ['bias', DT.RESOURCE],
    ],
    outputs: [['y', DT.FLOAT]],
    nodes: [
      { name: 'k', op: 'ReadVariableOp', inputs: ['kernel'], attrs: { dtype: F } },
      { name: 'b', op: 'ReadVariableOp', inputs: ['bias'], attrs: { dtype: F } },
      { name: 'mm', op: 'MatMul', inputs: ['x', 'k:value:0'], attrs: { T: F, transpose_a: { b: false }, transpose_b: { b: false } } },
      { name: 'ba', op: 'BiasAdd', inputs: ['mm:product:0', 'b:value:0'], attrs: { T: F } },
      { name: 'act', op: 'Tanh', inputs: ['ba:output:0'], attrs: { T: F } },
    ],
    ret: { y: 'act:y:0' },
  };
  // The signature wrapper calls the model function, as tf.saved_model.save writes it.
  const wrapper: FunctionSpec = {
    name: '__inference_signature_wrapper_100',
    inputs: [
      ['x', DT.FLOAT],
      ['kernel', DT.RESOURCE],
      ['bias', DT.RESOURCE],
    ],
    outputs: [['y', DT.FLOAT]],
    nodes: [
      {
        name: 'inner',
        op: 'StatefulPartitionedCall',
        inputs: ['x', 'kernel', 'bias'],
        attrs: { Tin: { types: [DT.FLOAT, DT.RESOURCE, DT.RESOURCE] }, Tout: { types: [DT.FLOAT] }, f: { func: serve.name } },
      },
    ],
    ret: { y: 'inner:output:0' },
  };
  const varHandle = (name: string, shape: number[]): Node => ({
    name,
    op: 'VarHandleOp',
    attrs: { dtype: F, shape: { shape }, shared_name: { s: name }, container: { s: '' } },
  });
  writeSavedModel(dir, {
    nodes: [
      placeholder('serving_default_x', DT.FLOAT, [-1, 2]),
      varHandle('dense/kernel', [2, 3]),
      varHandle('dense/bias', [3]),
      {
        name: 'StatefulPartitionedCall',
        op: 'StatefulPartitionedCall',
        inputs: ['serving_default_x', 'dense/kernel', 'dense/bias'],
        attrs: { Tin: { types: [DT.FLOAT, DT.RESOURCE, DT.RESOURCE] }, Tout: { types: [DT.FLOAT] }, f: { func: wrapper.name } },
      },
      // Initialisation-only ops that serving never runs.
      fconst('init_value', [3], [0, 0, 0]),
      { name: 'assign', op: 'AssignVariableOp', inputs: ['dense/bias', 'init_value'], attrs: { dtype: F } },
    ],
    functions: [serve, wrapper],
    inputs: { x: 'serving_default_x:0' },
    outputs: { y: 'StatefulPartitionedCall:0' },
    variables: [
      { path: ['layer_with_weights-0', 'kernel'], name: 'dense/kernel', shape: [2, 3], values: kernel },
      { path: ['layer_with_weights-0', 'bias'], name: 'dense/bias', shape: [3], values: bias },
    ],
  });

  it('restores the variables through the object graph and matches the reference', async () => {
    const loaded = await loadSavedModel(dir);
    expect([...loaded.variables.keys()].sort()).toEqual([
      'layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE',
      'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE',
    ]);
    const x = [1, -2, 0.5, 3];
    const y = [0, 1].flatMap((r) => [0, 1, 2].map((c) => Math.tanh(x[r * 2]! * kernel[c]! + x[r * 2 + 1]! * kernel[3 + c]! + bias[c]!)));
    const out = run(loaded.graph, { serving_default_x: Tensor.fromValues('float32', [2, 2], x) });
    expectTensorClose(out.get('StatefulPartitionedCall')!, Tensor.fromValues('float32', [2, 3], y), tol);
  });
});
