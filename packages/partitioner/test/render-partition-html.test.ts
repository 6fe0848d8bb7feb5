import { Script } from 'node:vm';
import { ErrorCode } from '@kiln-inference/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { opSetOracle, partition, renderPartitionHtml, segmentColour } from '../src/index.js';
import { makeGraph, node } from './support/graphs.js';

const graph = makeGraph(
  [
    node('a', 'Relu', ['x']),
    node('b', 'Relu', ['a']),
    node('c', 'Weird<op>', ['a']),
    node('d', 'Add', ['b', 'c']),
    node('e', 'Relu', ['d']),
    node('f', 'Relu', ['e']),
    node('lonely', 'Relu', ['x']),
  ],
  ['x'],
  ['f', 'lonely'],
);

describe('renderPartitionHtml', () => {
  const { report } = partition(graph, opSetOracle(['Relu', 'Add']), { minimumSegmentSize: 2 });
  let html = '';
  beforeAll(async () => {
    html = await renderPartitionHtml(report, graph);
  });

  it('is one self-contained page with an SVG box per node and a frame per segment', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<link|src=/);
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html.match(/<rect class="box" /g)).toHaveLength(graph.nodes.length);
    expect(html.match(/<rect class="frame" /g)).toHaveLength(report.segments.length);
    expect(html.match(/<path class="edge/g)).toHaveLength(6);
    expect(html.match(/<path class="edge cut"/g)).toHaveLength(3);
  });

  it("puts each segment's nodes and inner edges in its collapsible group, the rest outside", () => {
    const group = (id: number) =>
      html.slice(html.indexOf(`data-segment="${id}"`), html.indexOf('</g></g>', html.indexOf(`data-segment="${id}"`)));
    expect(group(0).match(/<g class="node"/g)).toHaveLength(2);
    expect(group(0).match(/<path class="edge"/g)).toHaveLength(1);
    expect(group(1).match(/<g class="node"/g)).toHaveLength(3);
    expect(group(1).match(/<path class="edge"/g)).toHaveLength(2);
    expect(html.match(/<g class="node fallback"/g)).toHaveLength(2);
    expect(html).toContain('<button id="collapse-all">');
  });

  it('carries a zoom, pan and collapse script that is valid JavaScript (compiled here, not run: no browser)', () => {
    const script = html.slice(html.indexOf('<script>') + 8, html.indexOf('</script>'));
    expect(() => new Script(script)).not.toThrow();
    for (const id of ['collapse-all', 'expand-all', 'fit']) expect(script).toContain(`getElementById('${id}')`);
  });

  it('colours each segment and labels fallback nodes with their reason, escaped', () => {
    expect(report.segments.map((s) => s.nodes)).toEqual([
      ['a', 'b'],
      ['d', 'e', 'f'],
    ]);
    // Each segment's colour fills its frame and its node boxes.
    expect(html.match(new RegExp(`fill="${segmentColour(0).replace(/[()]/g, '\\$&')}"`, 'g'))).toHaveLength(1 + 2);
    expect(html.match(new RegExp(`fill="${segmentColour(1).replace(/[()]/g, '\\$&')}"`, 'g'))).toHaveLength(1 + 3);
    expect(html).toContain('op Weird&lt;op&gt; is not in the op set');
    expect(html).not.toContain('Weird<op>');
    // The dropped single-node segment is drawn dashed and says why.
    expect(html).toContain('stroke-dasharray="5,3"');
    expect(html).toContain('its segment has 1 node, fewer than minimumSegmentSize 2');
    expect(html).toContain(`${report.coverage}%`);
  });

  it('refuses a graph that is not the one the report describes', async () => {
    const other = makeGraph([node('a', 'Relu', ['x'])], ['x'], ['a']);
    await expect(renderPartitionHtml(report, other)).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
  });
});
