import { ErrorCode, Graph, isKilnError } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { ContractibleDag } from '../src/contractible-dag.js';
import { ENGINE_OP, nodeSetOracle, opSetOracle, partition } from '../src/index.js';
import { makeGraph, node } from './support/graphs.js';

const segmentNames = (graph: Graph, segments: { nodeIndices: number[] }[]): string[][] =>
  segments.map((s) => s.nodeIndices.map((i) => graph.nodes[i]!.name));

describe('segmenter classic cases', () => {
  it('splits a diamond whose contraction would make a cycle', () => {
    // a → b → d and a → c → d, with c unsupported: {a, b, d} would read and feed c.
    const graph = makeGraph(
      [node('a', 'Relu', ['x']), node('b', 'Relu', ['a']), node('c', 'Custom', ['a']), node('d', 'Add', ['b', 'c'])],
      ['x'],
      ['d'],
    );
    const { hybrid, report } = partition(graph, opSetOracle(['Relu', 'Add']), { minimumSegmentSize: 1 });
    expect(segmentNames(graph, hybrid.segments)).toEqual([['a', 'b'], ['d']]);
    expect(hybrid.segments[0]!.outputs).toEqual(['a', 'b']);
    expect(hybrid.segments[1]!.inputs).toEqual(['b', 'c']);
    expect(hybrid.graph.nodes.map((n) => n.op)).toEqual([ENGINE_OP, 'Custom', ENGINE_OP]);
    hybrid.graph.validate();
    expect(report.fallback).toEqual([
      {
        op: 'Custom',
        domain: '',
        count: 1,
        reasons: [{ category: 'unsupported-op', reason: 'op Custom is not in the op set', nodes: ['c'], nodeIndices: [2] }],
      },
    ]);
  });

  it('merges a diamond whose every node is supported into one segment', () => {
    const graph = makeGraph(
      [node('a', 'Relu', ['x']), node('b', 'Relu', ['a']), node('c', 'Relu', ['a']), node('d', 'Add', ['b', 'c'])],
      ['x'],
      ['d'],
    );
    const { hybrid, report } = partition(graph, opSetOracle(['Relu', 'Add']));
    expect(segmentNames(graph, hybrid.segments)).toEqual([['a', 'b', 'c', 'd']]);
    expect(hybrid.segments[0]!.inputs).toEqual(['x']);
    expect(hybrid.segments[0]!.outputs).toEqual(['d']);
    expect(report.coverage).toBe(100);
    expect(report.transfers).toEqual({ hostToDevice: 1, deviceToHost: 1, total: 2, deviceToDevice: 0 });
  });

  it('splits a chain at an unsupported node and drops the short piece', () => {
    const graph = makeGraph(
      [
        node('a', 'Relu', ['x']),
        node('b', 'Relu', ['a']),
        node('u', 'Custom', ['b']),
        node('c', 'Relu', ['u']),
        node('d', 'Relu', ['c']),
        node('e', 'Relu', ['d']),
      ],
      ['x'],
      ['e'],
    );
    const oracle = opSetOracle(['Relu']);
    const all = partition(graph, oracle, { minimumSegmentSize: 1 });
    expect(segmentNames(graph, all.hybrid.segments)).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);

    const { hybrid, report } = partition(graph, oracle);
    expect(segmentNames(graph, hybrid.segments)).toEqual([['c', 'd', 'e']]);
    expect(report.dropped).toEqual([
      {
        size: 2,
        category: 'segment-too-small',
        reason: 'its segment has 2 nodes, fewer than minimumSegmentSize 3',
        nodes: ['a', 'b'],
        nodeIndices: [0, 1],
      },
    ]);
    expect(report.nodesBefore).toBe(6);
    expect(report.nodesAfter).toBe(4);
    expect(report.coverage).toBe(50);
    expect(hybrid.graph.nodes.map((n) => n.name)).toEqual(['a', 'b', 'u', 'kiln_engine_0']);
    // u → engine (host→device) and engine → graph output (device→host).
    expect(report.transfers.total).toBe(2);
  });

  it('honours exclusions by node name and by op', () => {
    const graph = makeGraph(
      [node('a', 'Relu', ['x']), node('b', 'Tanh', ['a']), node('c', 'Relu', ['b']), node('d', 'Relu', ['c'])],
      ['x'],
      ['d'],
    );
    const oracle = opSetOracle(['Relu', 'Tanh']);
    const byName = partition(graph, oracle, { minimumSegmentSize: 1, excludeNodes: ['c'] });
    expect(segmentNames(graph, byName.hybrid.segments)).toEqual([['a', 'b'], ['d']]);
    expect(byName.report.fallback[0]!.reasons[0]).toMatchObject({ category: 'excluded', reason: "node 'c' is in excludeNodes" });
    const byOp = partition(graph, oracle, { minimumSegmentSize: 1, excludeOps: ['Tanh'] });
    expect(segmentNames(graph, byOp.hybrid.segments)).toEqual([['a'], ['c', 'd']]);
  });

  it('keeps the largest segments under maximumSegments, ids in topological order', () => {
    const graph = makeGraph(
      [
        node('a', 'Relu', ['x']),
        node('u1', 'Custom', ['a']),
        node('b1', 'Relu', ['u1']),
        node('b2', 'Relu', ['b1']),
        node('b3', 'Relu', ['b2']),
        node('u2', 'Custom', ['b3']),
        node('c1', 'Relu', ['u2']),
        node('c2', 'Relu', ['c1']),
      ],
      ['x'],
      ['c2'],
    );
    const { hybrid, report } = partition(graph, opSetOracle(['Relu']), { minimumSegmentSize: 1, maximumSegments: 2 });
    expect(segmentNames(graph, hybrid.segments)).toEqual([
      ['b1', 'b2', 'b3'],
      ['c1', 'c2'],
    ]);
    expect(hybrid.segments.map((s) => s.id)).toEqual([0, 1]);
    expect(report.dropped.map((d) => [d.category, d.nodes])).toEqual([['segment-limit', ['a']]]);
    expect(report.transfers).toEqual({ hostToDevice: 2, deviceToHost: 2, total: 4, deviceToDevice: 0 });
  });

  it('counts device-to-device edges between engines separately', () => {
    // Two segments joined directly: {a,b} feeds u (unsupported) and, directly, d.
    const graph = makeGraph(
      [node('a', 'Relu', ['x']), node('b', 'Relu', ['a']), node('u', 'Custom', ['b']), node('d', 'Add', ['b', 'u'])],
      ['x'],
      ['d'],
    );
    const { hybrid, report } = partition(graph, opSetOracle(['Relu', 'Add']), { minimumSegmentSize: 1 });
    expect(segmentNames(graph, hybrid.segments)).toEqual([['a', 'b'], ['d']]);
    expect(report.transfers).toEqual({ hostToDevice: 2, deviceToHost: 2, total: 4, deviceToDevice: 1 });
  });

  it('counts captured outer values of sub-graphs as dependencies', () => {
    const body = new Graph({ format: 'onnx', name: 'then', nodes: [node('t', 'Relu', ['b'])], outputs: [{ name: 't', type: null }] });
    const iff = { ...node('if', 'If', ['cond'], ['y']), attributes: { then_branch: { kind: 'graph' as const, value: body } } };
    const graph = makeGraph(
      [node('a', 'Relu', ['x']), node('b', 'Relu', ['a']), node('cond', 'Custom', ['a']), iff, node('z', 'Relu', ['y'])],
      ['x'],
      ['z'],
    );
    // Contracting a→b→If would hide that If reads b while cond (unsupported) sits between a and If.
    const { hybrid } = partition(graph, nodeSetOracle(['a', 'b', 'if', 'z']), { minimumSegmentSize: 1 });
    hybrid.graph.validate();
    const withIf = hybrid.segments.find((s) => s.nodeIndices.includes(3))!;
    expect(withIf.inputs).toContain('cond');
    expect(withIf.inputs).toContain('b');
    expect(segmentNames(graph, hybrid.segments)).toEqual([
      ['a', 'b'],
      ['if', 'z'],
    ]);
  });

  it('names engine nodes so they never collide with source node names', () => {
    const graph = makeGraph([node('kiln_engine_0', 'Relu', ['x']), node('b', 'Relu', ['kiln_engine_0'])], ['x'], ['b']);
    const { hybrid } = partition(graph, opSetOracle(['Relu']), { minimumSegmentSize: 1 });
    expect(hybrid.segments[0]!.name).toBe('kiln_engine_0_1');
  });

  it('rejects bad options and cyclic graphs with KilnErrors', () => {
    const graph = makeGraph([node('a', 'Relu', ['x'])], ['x'], ['a']);
    const oracle = opSetOracle(['Relu']);
    for (const bad of [
      { minimumSegmentSize: 0 },
      { minimumSegmentSize: 2.5 },
      { maximumSegments: -1 },
      { minimumSegmentSize: Number.NaN },
    ]) {
      expect(() => partition(graph, oracle, bad)).toThrowError(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    }
    const cyclic = makeGraph([node('a', 'Relu', ['b']), node('b', 'Relu', ['a'])], ['x'], ['b']);
    try {
      partition(cyclic, oracle);
      expect.unreachable();
    } catch (e) {
      expect(isKilnError(e, ErrorCode.GRAPH_CYCLE)).toBe(true);
    }
  });

  it('handles an empty graph and a graph with nothing supported', () => {
    const empty = makeGraph([], ['x'], ['x']);
    const r = partition(empty, opSetOracle([]));
    expect(r.report).toMatchObject({ nodesBefore: 0, nodesAfter: 0, coverage: 0, segments: [] });
    const graph = makeGraph([node('a', 'Relu', ['x']), node('b', 'Relu', ['a'])], ['x'], ['b']);
    const none = partition(graph, opSetOracle([]));
    expect(none.hybrid.segments).toEqual([]);
    expect(none.hybrid.graph.nodes.map((n) => n.name)).toEqual(['a', 'b']);
    expect(none.report.transfers.total).toBe(0);
  });

  it('partitions a graph of thousands of nodes', () => {
    // A ladder: every third node unsupported, with skip edges that make many contractions unsafe.
    const nodes = [node('n0', 'Relu', ['x'])];
    for (let i = 1; i < 6000; i++) {
      const inputs = i >= 5 ? [`n${i - 1}`, `n${i - 5}`] : [`n${i - 1}`];
      nodes.push(node(`n${i}`, i % 3 === 0 ? 'Custom' : 'Add', inputs));
    }
    const graph = makeGraph(nodes.reverse(), ['x'], ['n5999']);
    const { hybrid, report } = partition(graph, opSetOracle(['Relu', 'Add']), { minimumSegmentSize: 1 });
    hybrid.graph.validate();
    expect(report.nodesBefore).toBe(6000);
    // n0 plus the 3999 Add nodes; the Custom ones (every third) stay on the fallback backend.
    expect(hybrid.segments.reduce((s, x) => s + x.nodeIndices.length, 0)).toBe(4001);
  });

  it('partitions a hub with a thousand consumers, half of them behind an unsupported node', () => {
    const nodes = [node('h', 'Relu', ['x']), node('u', 'Custom', ['h'])];
    for (let i = 0; i < 1000; i++) nodes.push(node(`c${i}`, 'Add', i % 2 ? ['h', 'u'] : ['h', 'x']));
    for (let i = 0; i < 1000; i += 2) nodes.push(node(`d${i}`, 'Add', [`c${i}`, `c${i + 1}`]));
    const outputs = nodes.filter((n) => n.name.startsWith('d')).map((n) => n.name);
    const graph = makeGraph(nodes, ['x'], outputs);
    const { hybrid, report } = partition(graph, opSetOracle(['Relu', 'Add']), { minimumSegmentSize: 1 });
    hybrid.graph.validate();
    // h absorbs the even consumers; each odd consumer (behind u) pairs with its d.
    expect(report.segments.map((s) => s.size)).toEqual([501, ...new Array(500).fill(2)]);
  });
});

describe('ContractibleDag', () => {
  it('refuses a contraction when another path joins the ends, and repairs ranks on back edges', () => {
    const dag = new ContractibleDag([0, 1, 2, 3]);
    expect(dag.insertEdge(0, 1)).toBe(true);
    expect(dag.insertEdge(1, 2)).toBe(true);
    expect(dag.insertEdge(0, 2)).toBe(true);
    expect(dag.contractEdge(0, 2)).toBe(-1);
    expect(dag.hasEdge(0, 2)).toBe(true);
    // 3 → 0 goes against the initial ranks; it is accepted and reachability follows it.
    expect(dag.insertEdge(3, 0)).toBe(true);
    expect(dag.reachable(3, 2)).toBe(true);
    expect(dag.reachable(2, 3)).toBe(false);
    expect(dag.insertEdge(2, 3)).toBe(false);
    const kept = dag.contractEdge(0, 1);
    expect([0, 1]).toContain(kept);
    expect(dag.hasEdge(kept, 2)).toBe(true);
    expect(dag.hasEdge(3, kept)).toBe(true);
    expect(dag.contractEdge(kept, 2)).toBe(kept === 0 ? 0 : kept);
  });
});
