/**
 * The TF While / If and tensor-list converters on hand-built Graphs (no importer):
 * zero-iteration loops, bodies that read outer values, numeric If predicates, list
 * operations, and the reasons given when a body function is missing or a body node cannot
 * convert.
 */
import { type AttributeValue, Graph, type GraphNode, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { checkSupport, convertGraph, createTfRegistry } from '../src/index.js';

const tol = { rtol: 1e-3, atol: 1e-4 };
const node = (
  name: string,
  op: string,
  inputs: string[],
  attributes: Record<string, AttributeValue> = {},
  outputs = [name],
): GraphNode => ({
  name,
  op,
  domain: 'tf',
  inputs,
  outputs,
  attributes,
});
const graphAttr = (value: Graph): AttributeValue => ({ kind: 'graph', value });
const f32 = (shape: number[], values: number[]) => Tensor.fromValues('float32', shape, values);

/** cond(v) = sum(v) < limit; body(v) = v * k + 1, where k is read from the enclosing graph. */
function whileGraph(): Graph {
  const cond = new Graph({
    format: 'tf',
    name: 'cond',
    nodes: [node('c/sum', 'Sum', ['c/v', 'c/axis']), node('c/less', 'Less', ['c/sum', 'c/limit'])],
    inputs: [{ name: 'c/v', type: { kind: 'tensor', dtype: 'float32', shape: null } }],
    outputs: [{ name: 'c/less', type: null }],
    weights: new Map([
      ['c/axis', Tensor.fromValues('int32', [1], [0])],
      ['c/limit', f32([], [40])],
    ]),
  });
  const body = new Graph({
    format: 'tf',
    name: 'body',
    nodes: [node('b/mul', 'Mul', ['b/v', 'k']), node('b/add', 'AddV2', ['b/mul', 'b/one'])],
    inputs: [{ name: 'b/v', type: { kind: 'tensor', dtype: 'float32', shape: null } }],
    outputs: [{ name: 'b/add', type: null }],
    weights: new Map([['b/one', f32([], [1])]]),
  });
  return new Graph({
    format: 'tf',
    nodes: [node('loop', 'While', ['x'], { cond: graphAttr(cond), body: graphAttr(body) })],
    inputs: [
      { name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [2] } },
      { name: 'k', type: { kind: 'tensor', dtype: 'float32', shape: [] } },
    ],
    outputs: [{ name: 'loop', type: null }],
  });
}

function reference(x: number[], k: number): number[] {
  let v = [...x];
  while (v[0]! + v[1]! < 40) v = v.map((e) => e * k + 1);
  return v;
}

describe('TF While / If converters', () => {
  it('While checks cond before each iteration and lets the body read outer values', () => {
    const network = convertGraph(whileGraph(), createTfRegistry());
    expect(network.layers.some((l) => l.kind === 'loop')).toBe(true);
    const exec = new ReferenceExecutor();
    for (const [x, k] of [
      [[1, 2], 2],
      [[50, 1], 3],
      [[0.5, -0.25], 1.5],
    ] as [number[], number][]) {
      const out = exec.run(network, { x: f32([2], x), k: f32([], [k]) });
      expectTensorClose(out.get('loop')!, f32([2], reference(x, k)), tol);
    }
  });

  it('If accepts a numeric predicate (non-zero is true)', () => {
    const then = new Graph({ format: 'tf', nodes: [node('t/neg', 'Neg', ['a'])], outputs: [{ name: 't/neg', type: null }] });
    const other = new Graph({ format: 'tf', nodes: [node('e/sq', 'Square', ['a'])], outputs: [{ name: 'e/sq', type: null }] });
    const g = new Graph({
      format: 'tf',
      nodes: [node('if', 'If', ['p', 'a'], { then_branch: graphAttr(then), else_branch: graphAttr(other) })],
      inputs: [
        { name: 'p', type: { kind: 'tensor', dtype: 'int32', shape: [] } },
        { name: 'a', type: { kind: 'tensor', dtype: 'float32', shape: [3] } },
      ],
      outputs: [{ name: 'if', type: null }],
    });
    const network = convertGraph(g, createTfRegistry());
    const a = [1, -2, 3];
    for (const p of [0, 7]) {
      const out = new ReferenceExecutor().run(network, { p: Tensor.fromValues('int32', [], [p]), a: f32([3], a) });
      expectTensorClose(
        out.get('if')!,
        f32(
          [3],
          a.map((v) => (p ? -v : v * v)),
        ),
        tol,
      );
    }
  });

  it('tensor lists: push back, length, out-of-order SetItem on a reserved list, stack', () => {
    const f = { kind: 'type', value: 'float32' } as AttributeValue;
    const idx = (name: string, v: number) => [name, Tensor.fromValues('int32', [], [v])] as const;
    const g = new Graph({
      format: 'tf',
      nodes: [
        node('empty', 'EmptyTensorList', ['shape', 'max'], { element_dtype: f }),
        node('push_a', 'TensorListPushBack', ['empty', 'a'], { element_dtype: f }),
        node('push_b', 'TensorListPushBack', ['push_a', 'b'], { element_dtype: f }),
        node('len', 'TensorListLength', ['push_b']),
        node('pushed', 'TensorListStack', ['push_b', 'shape'], { element_dtype: f }),
        node('reserved', 'TensorListReserve', ['shape', 'three'], { element_dtype: f }),
        node('set2', 'TensorListSetItem', ['reserved', 'i2', 'a'], { element_dtype: f }),
        node('set0', 'TensorListSetItem', ['set2', 'i0', 'b'], { element_dtype: f }),
        node('set1', 'TensorListSetItem', ['set0', 'i1', 'b'], { element_dtype: f }),
        node('item', 'TensorListGetItem', ['set1', 'i2', 'shape'], { element_dtype: f }),
        node('set', 'TensorListStack', ['set1', 'shape'], { element_dtype: f }),
      ],
      inputs: [
        { name: 'a', type: { kind: 'tensor', dtype: 'float32', shape: [2] } },
        { name: 'b', type: { kind: 'tensor', dtype: 'float32', shape: [2] } },
      ],
      outputs: ['len', 'pushed', 'item', 'set'].map((name) => ({ name, type: null })),
      weights: new Map([
        ['shape', Tensor.fromValues('int32', [1], [2])],
        idx('max', -1),
        idx('three', 3),
        idx('i0', 0),
        idx('i1', 1),
        idx('i2', 2),
      ]),
    });
    const out = new ReferenceExecutor().run(convertGraph(g, createTfRegistry()), { a: f32([2], [1, 2]), b: f32([2], [-3, 4]) });
    expect(out.get('len')!.toArray()).toEqual([2]);
    expectTensorClose(out.get('pushed')!, f32([2, 2], [1, 2, -3, 4]), tol);
    expectTensorClose(out.get('item')!, f32([2], [1, 2]), tol);
    expectTensorClose(out.get('set')!, f32([3, 2], [-3, 4, -3, 4, 1, 2]), tol);
  });

  it('names the missing function and the blocking body node', () => {
    const g = whileGraph();
    const loop = g.nodes[0]!;
    const registry = createTfRegistry();
    const missing = {
      ...loop,
      attributes: { ...loop.attributes, body: { kind: 'func', value: { name: 'while_body_42', attributes: {} } } },
    } as GraphNode;
    const v1 = checkSupport(registry, new Graph({ ...g, nodes: [missing] }), missing);
    expect(v1.supported === false && v1.reason).toMatch(/'body' names function 'while_body_42'/);
    const body = loop.attributes.body!.value as Graph;
    const broken = new Graph({ ...body, nodes: [node('b/mul', 'NoSuchOp', ['b/v', 'k']), body.nodes[1]!] });
    const blocked = { ...loop, attributes: { ...loop.attributes, body: graphAttr(broken) } };
    const v2 = checkSupport(registry, new Graph({ ...g, nodes: [blocked] }), blocked);
    expect(v2.supported === false && v2.reason).toMatch(/While 'loop': node 'b\/mul' \(NoSuchOp\) blocks it/);
  });
});
