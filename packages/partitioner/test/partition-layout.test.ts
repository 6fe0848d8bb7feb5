/**
 * The partition picture's layout at a size where a hand layout stops being readable: 1,200
 * nodes in a residual chain with unsupported ops every so often, so there are many segments
 * and fallback nodes. Checks the layout data itself (no browser here to screenshot the page).
 */
import type { Box, PartitionLayout } from '@kiln-inference/partitioner';
import { beforeAll, describe, expect, it } from 'vitest';
import { layoutPartition, opSetOracle, partition } from '../src/index.js';
import { makeGraph, node } from './support/graphs.js';

const NODES = 1200;

/** n0 reads x; every 5th node adds the one five back (a residual); every 97th is unsupported. */
function residualChain() {
  const nodes = Array.from({ length: NODES }, (_, k) => {
    const previous = k === 0 ? 'x' : `n${k - 1}`;
    if (k % 97 === 96) return node(`n${k}`, 'Custom', [previous]);
    if (k % 5 === 4 && k >= 5) return node(`n${k}`, 'Add', [previous, `n${k - 5}`]);
    return node(`n${k}`, 'Relu', [previous]);
  });
  return makeGraph(nodes, ['x'], [`n${NODES - 1}`]);
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const contains = (outer: Box, inner: Box) =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.width <= outer.x + outer.width &&
  inner.y + inner.height <= outer.y + outer.height;

describe('layoutPartition', () => {
  const graph = residualChain();
  const { report } = partition(graph, opSetOracle(['Relu', 'Add']));
  let layout: PartitionLayout;
  beforeAll(async () => {
    layout = await layoutPartition(report, graph);
  });

  it(`lays out ${NODES} nodes: inside the page, none overlapping, every edge pointing down`, () => {
    expect(report.segments.length).toBe(13);
    expect(report.fallback.flatMap((g) => g.reasons.flatMap((r) => r.nodeIndices))).toHaveLength(12);
    expect(layout.nodes).toHaveLength(NODES);
    for (const box of layout.nodes) {
      expect(box.width).toBeGreaterThan(0);
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(layout.width);
      expect(box.y + box.height).toBeLessThanOrEqual(layout.height);
    }
    const byTop = [...layout.nodes].sort((a, b) => a.y - b.y);
    let overlapping = 0;
    for (let i = 0; i < byTop.length; i++) {
      for (let j = i + 1; j < byTop.length && byTop[j]!.y < byTop[i]!.y + byTop[i]!.height; j++) {
        if (overlaps(byTop[i]!, byTop[j]!)) overlapping++;
      }
    }
    expect(overlapping).toBe(0);
    const upward = graph.nodes.flatMap((n, i) =>
      n.inputs.filter((v) => v !== 'x').filter((v) => layout.nodes[Number(v.slice(1))]!.y >= layout.nodes[i]!.y),
    );
    expect(upward).toEqual([]);
  });

  it("gives every segment a box around exactly its nodes, apart from the other segments' boxes", () => {
    expect([...layout.segments.keys()]).toEqual(report.segments.map((s) => s.id));
    for (const s of report.segments) {
      const frame = layout.segments.get(s.id)!;
      for (const i of s.nodeIndices) expect(contains(frame, layout.nodes[i]!)).toBe(true);
      const outsiders = layout.nodes.filter((box, i) => !s.nodeIndices.includes(i) && overlaps(frame, box));
      expect(outsiders).toEqual([]);
      for (const t of report.segments) if (t.id !== s.id) expect(overlaps(frame, layout.segments.get(t.id)!)).toBe(false);
    }
  });
});
