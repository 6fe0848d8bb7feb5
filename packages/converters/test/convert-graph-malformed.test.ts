/**
 * What conversion refuses of a malformed graph instead of failing inside itself: a consumer
 * reading an output port its producer's converter does not make (a one-output Range read as
 * 'r:1') is GRAPH_DANGLING_INPUT naming both nodes; a TF node lacking a required input, an
 * Unpack without a usable `num`, and any converter result with an unnamed layer output are
 * CONVERSION_FAILED naming the node, never an internal error later in lowering; a constant
 * sized by a declared dim is checked against the resource limits before it is built.
 */
import { isKilnError, type KilnError, Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { ConverterRegistry, convertGraph, createTfRegistry } from '../src/index.js';
import { a, runOp, tfGraph } from './tf-test-graph.js';

function refusal(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (e) {
    expect(isKilnError(e), String(e)).toBe(true);
    return e as KilnError;
  }
  throw new Error('expected a KilnError');
}

const scalar = (v: number) => Tensor.fromValues('float32', [], [v]);

describe('output ports the producer does not make', () => {
  it("a ConcatV2 reading 'r:1' of a Range (one output) is GRAPH_DANGLING_INPUT naming both", () => {
    const graph = tfGraph({
      weights: { start: scalar(0), limit: scalar(3), delta: scalar(1), axis: Tensor.fromValues('int32', [], [0]) },
      nodes: [
        { name: 'r', op: 'Range', inputs: ['start', 'limit', 'delta'], attrs: { Tidx: a.type('float32') }, outputs: 2 },
        { name: 'y', op: 'ConcatV2', inputs: ['r', 'r:1', 'axis'], attrs: { N: a.i(2), T: a.type('float32') } },
      ],
      outputs: ['y'],
    });
    const e = refusal(() => convertGraph(graph, createTfRegistry()));
    expect(e.code).toBe('GRAPH_DANGLING_INPUT');
    expect(e.node).toMatchObject({ name: 'y', op: 'ConcatV2' });
    expect(e.message).toMatch(/reads 'r:1', but node 'r' \(Range\) produces 1 output and not that one/);
  });

  it('an output nobody reads may go unmade', () => {
    const graph = tfGraph({
      weights: { start: scalar(0), limit: scalar(3), delta: scalar(1) },
      nodes: [{ name: 'r', op: 'Range', inputs: ['start', 'limit', 'delta'], attrs: { Tidx: a.type('float32') }, outputs: 2 }],
      outputs: ['r'],
    });
    expect(convertGraph(graph, createTfRegistry()).outputs).toEqual(['r']);
  });
});

describe('missing inputs and unnamed outputs', () => {
  it('a TF node without the input its op needs is CONVERSION_FAILED naming it', () => {
    const graph = tfGraph({ nodes: [{ name: 'bd1', op: 'Reshape', inputs: [], attrs: { T: a.type('float32') } }], outputs: ['bd1'] });
    const e = refusal(() => convertGraph(graph, createTfRegistry()));
    expect(e.code).toBe('CONVERSION_FAILED');
    expect(e.node).toMatchObject({ name: 'bd1', op: 'Reshape' });
    expect(e.message).toMatch(/Reshape needs input 0, but the node has 0 inputs/);
  });

  it('a converter that makes a layer with an empty output name is CONVERSION_FAILED naming the node', () => {
    const registry = new ConverterRegistry([
      {
        domain: 'tf',
        op: 'Broken',
        convert: (ctx) => {
          ctx.network.addLayer('identity', {
            name: 'broken',
            inputs: [ctx.input(0)],
            outputs: [{ name: '', dtype: 'float32', shape: [2] }],
            params: {},
          });
        },
      },
    ]);
    const graph = tfGraph({
      inputs: { x: { dtype: 'float32', shape: [2] } },
      nodes: [{ name: 'b', op: 'Broken', inputs: ['x'] }],
      outputs: ['b'],
    });
    const e = refusal(() => convertGraph(graph, registry));
    expect(e.code).toBe('CONVERSION_FAILED');
    expect(e.node).toMatchObject({ name: 'b', op: 'Broken' });
    expect(e.message).toMatch(/layer 'broken' \(identity\) with an output that has no name/);
  });
});

describe('Unpack num', () => {
  const unpack = (attrs: Record<string, ReturnType<typeof a.i>>, outputs: number) =>
    tfGraph({
      inputs: { x: { dtype: 'float32', shape: [3, 2] } },
      nodes: [{ name: 'u', op: 'Unpack', inputs: ['x'], attrs: { T: a.type('float32'), ...attrs }, outputs }],
      outputs: Array.from({ length: outputs }, (_, i) => (i === 0 ? 'u' : `u:${i}`)),
    });

  it('is required', () => {
    const e = refusal(() => convertGraph(unpack({}, 1), createTfRegistry()));
    expect(e.code).toBe('CONVERSION_FAILED');
    expect(e.node).toMatchObject({ name: 'u', op: 'Unpack' });
    expect(e.message).toMatch(/Unpack has no 'num' attribute/);
  });

  it('must equal the unpacked dim', () => {
    const zero = refusal(() => convertGraph(unpack({ num: a.i(0) }, 1), createTfRegistry()));
    expect(zero.code).toBe('CONVERSION_FAILED');
    expect(zero.message).toMatch(/Unpack num = 0, but the input's dim 0 is 3/);
    const two = refusal(() => convertGraph(unpack({ num: a.i(2), axis: a.i(0) }, 2), createTfRegistry()));
    expect(two.message).toMatch(/Unpack num = 2, but the input's dim 0 is 3/);
  });

  it('unpacks when it matches', () => {
    const parts = runOp('Unpack', [Tensor.fromValues('float32', [3, 2], [0, 1, 2, 3, 4, 5])], { axis: a.i(0), num: a.i(3) }, 3);
    expect(parts.map((p) => Array.from(p.toFloat64()))).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
  });
});

describe('constants sized by declared dims', () => {
  it('MaxPoolWithArgmax over 2^33 declared channels is a RESOURCE_LIMIT, not a 2^33-element array', () => {
    const graph = tfGraph({
      inputs: { x: { dtype: 'float32', shape: [1, 2, 2, 2 ** 33] } },
      nodes: [
        {
          name: 'p',
          op: 'MaxPoolWithArgmax',
          inputs: ['x'],
          attrs: { T: a.type('float32'), ksize: a.ints([1, 2, 2, 1]), strides: a.ints([1, 1, 1, 1]), padding: a.s('VALID') },
          outputs: 2,
        },
      ],
      outputs: ['p', 'p:1'],
    });
    const e = refusal(() => convertGraph(graph, createTfRegistry()));
    expect(e.code).toBe('RESOURCE_LIMIT');
    expect(e.node).toMatchObject({ name: 'p', op: 'MaxPoolWithArgmax' });
    expect(e.message).toMatch(/an? int64 tensor of 8589934592 elements is over the limit maxTensorElements/);
  });
});
