/**
 * Output ports a consumer may read: where an op's definition fixes its output count (Split's
 * num_split, Unpack's num, FusedBatchNormV3's six), a NodeDef input naming a port past it is
 * GRAPH_DANGLING_INPUT naming the reader and the producer, found when the graph is built rather
 * than as an internal error in conversion.
 */
import { isKilnError, type KilnError } from '@kiln-inference/core';
import { importGraphDef } from '@kiln-inference/tf-graph';
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

const axis = constNode('axis', { dtype: DT.INT32, shape: [], intVal: [0] });
const split: NodeSpec = { name: 'split', op: 'Split', inputs: ['axis', 'x'], attrs: { num_split: { i: 2 }, T: { type: DT.FLOAT } } };
const concat = (parts: string[]): NodeSpec => ({
  name: 'y',
  op: 'ConcatV2',
  inputs: [...parts, 'axis'],
  attrs: { N: { i: parts.length }, T: { type: DT.FLOAT }, Tidx: { type: DT.INT32 } },
});

describe('reads past the outputs an op declares', () => {
  it('a ConcatV2 reading split:2 of a Split with num_split = 2 is GRAPH_DANGLING_INPUT', () => {
    const e = refusal(() => importGraphDef(graphDefBytes([placeholder('x', [4]), axis, split, concat(['split', 'split:1', 'split:2'])])));
    expect(e.code).toBe('GRAPH_DANGLING_INPUT');
    expect(e.node).toMatchObject({ name: 'y', op: 'ConcatV2' });
    expect(e.message).toMatch(/reads 'split:2', but node 'split' \(Split\) has 2 outputs/);
  });

  it('a requested output past the declared ports is GRAPH_MISSING_OUTPUT', () => {
    const bytes = graphDefBytes([placeholder('x', [4]), axis, split]);
    const e = refusal(() => importGraphDef(bytes, { outputs: ['split:5'] }));
    expect(e.code).toBe('GRAPH_MISSING_OUTPUT');
    expect(e.message).toMatch(/'split:5', but node 'split' \(Split\) has 2 outputs/);
  });

  it('reads within the declared ports build as before', () => {
    const graph = importGraphDef(graphDefBytes([placeholder('x', [4]), axis, split, concat(['split:1', 'split'])]));
    expect(graph.nodes.find((n) => n.name === 'split')!.outputs).toEqual(['split', 'split:1']);
    expect(graph.outputs.map((o) => o.name)).toEqual(['y']);
  });

  it('ops whose output count is not fixed here still widen to the ports consumers read', () => {
    const ident: NodeSpec = { name: 'r', op: 'Identity', inputs: ['x'], attrs: { T: { type: DT.FLOAT } } };
    const reader: NodeSpec = { name: 'z', op: 'Identity', inputs: ['r:1'], attrs: { T: { type: DT.FLOAT } } };
    const graph = importGraphDef(graphDefBytes([placeholder('x', [4]), ident, reader]));
    expect(graph.nodes.find((n) => n.name === 'r')!.outputs).toEqual(['r', 'r:1']);
  });
});
