/**
 * renderPartitionHtml: a self-contained HTML page (inline CSS, SVG and a small script; no
 * external files) showing the report's numbers and the source graph laid out by ELK, each
 * segment a coloured box that collapses into one block, every fallback node outlined in red
 * with the reason it stays on the fallback backend. The picture zooms (wheel) and pans (drag),
 * so graphs of thousands of nodes stay readable.
 */
import { ErrorCode, type Graph, KilnError } from '@kiln-inference/core';
import { type Box, layoutPartition, NODE_HEIGHT, NODE_WIDTH, type PartitionLayout } from './partition-layout.js';
import type { PartitionReport } from './partition-report.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Distinct, light hues: successive ids step around the colour wheel by the golden angle. */
export function segmentColour(id: number): string {
  return `hsl(${Math.round((id * 137.508) % 360)}, 70%, 76%)`;
}

interface NodeStyle {
  fill: string;
  stroke: string;
  dashed: boolean;
  /** Tooltip line: the segment, or the fallback category and reason. */
  note: string;
  /** Fallback reason printed on the box; '' for engine nodes. */
  reason: string;
}

function nodeStyles(report: PartitionReport, count: number): NodeStyle[] {
  const styles: NodeStyle[] = Array.from({ length: count }, () => ({
    fill: '#ffffff',
    stroke: '#888',
    dashed: false,
    note: '',
    reason: '',
  }));
  for (const s of report.segments) {
    for (const i of s.nodeIndices)
      styles[i] = { fill: segmentColour(s.id), stroke: '#333', dashed: false, note: `segment ${s.id}`, reason: '' };
  }
  for (const group of report.fallback) {
    for (const r of group.reasons) {
      const dropped = r.category === 'segment-too-small' || r.category === 'segment-limit';
      const style = { fill: '#f2f2f2', stroke: '#c0392b', dashed: dropped, note: `${r.category}: ${r.reason}`, reason: r.reason };
      for (const i of r.nodeIndices) styles[i] = style;
    }
  }
  return styles;
}

function edgePath(from: Box, to: Box, cut: boolean, label: string): string {
  const [x1, y1, x2, y2] = [from.x + NODE_WIDTH / 2, from.y + NODE_HEIGHT, to.x + NODE_WIDTH / 2, to.y];
  const bend = Math.max(20, Math.abs(y2 - y1) / 2);
  return `<path class="${cut ? 'edge cut' : 'edge'}" d="M${x1},${y1} C${x1},${y1 + bend} ${x2},${y2 - bend} ${x2},${y2}"><title>${escapeHtml(label)}</title></path>`;
}

/** Edges by where they are drawn: inside a segment (hidden with it when it collapses) or between. */
function renderEdges(graph: Graph, layout: PartitionLayout, segmentOf: Int32Array): { inside: Map<number, string[]>; between: string[] } {
  const producer = graph.producers();
  const inside = new Map<number, string[]>();
  const between: string[] = [];
  graph.nodes.forEach((node, i) => {
    for (const v of new Set(node.inputs)) {
      const p = v ? producer.get(v) : undefined;
      if (p === undefined || p === i) continue;
      const segment = segmentOf[p]!;
      const cut = segment !== segmentOf[i];
      const path = edgePath(layout.nodes[p]!, layout.nodes[i]!, cut, v!);
      if (cut || segment < 0) between.push(path);
      else inside.set(segment, [...(inside.get(segment) ?? []), path]);
    }
  });
  return { inside, between };
}

function renderNode(graph: Graph, i: number, box: Box, s: NodeStyle): string {
  const { x, y } = box;
  const node = graph.nodes[i]!;
  const name = node.name || `#${i}`;
  const tooltip = `${node.op} ${name}${s.note ? `\n${s.note}` : ''}`;
  const reasonLine = s.reason ? `<text x="${x + 6}" y="${y + 46}" class="reason">${escapeHtml(truncate(s.reason, 30))}</text>` : '';
  return [
    `<g class="${s.reason ? 'node fallback' : 'node'}"><title>${escapeHtml(tooltip)}</title>`,
    `<rect class="box" x="${x}" y="${y}" width="${NODE_WIDTH}" height="${NODE_HEIGHT}" rx="6" fill="${s.fill}" stroke="${s.stroke}"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`,
    `<text x="${x + 6}" y="${y + 16}" class="op">${escapeHtml(truncate(node.op, 24))}</text>`,
    `<text x="${x + 6}" y="${y + 31}" class="name">${escapeHtml(truncate(name, 28))}</text>`,
    reasonLine,
    '</g>',
  ].join('');
}

function renderGraphSvg(report: PartitionReport, graph: Graph, layout: PartitionLayout): string {
  const styles = nodeStyles(report, graph.nodes.length);
  const segmentOf = new Int32Array(graph.nodes.length).fill(-1);
  for (const s of report.segments) for (const i of s.nodeIndices) segmentOf[i] = s.id;
  const edges = renderEdges(graph, layout, segmentOf);
  const segments = report.segments.map((s) => {
    const b = layout.segments.get(s.id)!;
    const colour = segmentColour(s.id);
    return [
      `<g class="segment" data-segment="${s.id}">`,
      `<rect class="frame" x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" rx="10" fill="${colour}" stroke="#333"/>`,
      // Short enough to fit a one-column segment's width; the tooltip says the rest.
      `<text class="title" x="${b.x + 10}" y="${b.y + 18}"><title>segment ${s.id}: click to collapse or expand</title>▾ ${escapeHtml(s.name)} · ${s.size} nodes</text>`,
      '<g class="members">',
      ...(edges.inside.get(s.id) ?? []),
      ...s.nodeIndices.map((i) => renderNode(graph, i, layout.nodes[i]!, styles[i]!)),
      '</g></g>',
    ].join('\n');
  });
  const outside = graph.nodes.flatMap((_, i) => (segmentOf[i]! < 0 ? [renderNode(graph, i, layout.nodes[i]!, styles[i]!)] : []));
  return (
    `<svg id="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${layout.width} ${layout.height}" data-width="${layout.width}" data-height="${layout.height}">\n` +
    `${segments.join('\n')}\n${edges.between.join('\n')}\n${outside.join('\n')}\n</svg>`
  );
}

function renderSummary(report: PartitionReport): string {
  const t = report.transfers;
  const rows: [string, string][] = [
    ['oracle', report.oracle],
    ['nodes before → after', `${report.nodesBefore} → ${report.nodesAfter}`],
    ['coverage', `${report.coverage}%`],
    ['segments kept / dropped', `${report.segments.length} / ${report.dropped.length}`],
    [
      'host↔device transfers',
      `${t.total} (host→device ${t.hostToDevice}, device→host ${t.deviceToHost}; device→device ${t.deviceToDevice})`,
    ],
    ['minimumSegmentSize', String(report.options.minimumSegmentSize)],
  ];
  return `<table class="summary">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

function renderSegmentTable(report: PartitionReport): string {
  if (report.segments.length === 0) return '<p>No segment was kept.</p>';
  const rows = report.segments.map(
    (s) =>
      `<tr><td><span class="swatch" style="background:${segmentColour(s.id)}"></span>${s.id}</td><td>${escapeHtml(s.name)}</td><td>${s.size}</td>` +
      `<td>${escapeHtml(
        Object.entries(s.ops)
          .map(([op, n]) => `${op}×${n}`)
          .join(', '),
      )}</td>` +
      `<td>${escapeHtml(s.inputs.join(', '))}</td><td>${escapeHtml(s.outputs.join(', '))}</td></tr>`,
  );
  return `<table><tr><th>segment</th><th>engine node</th><th>nodes</th><th>ops</th><th>inputs</th><th>outputs</th></tr>${rows.join('')}</table>`;
}

function renderFallbackTable(report: PartitionReport): string {
  if (report.fallback.length === 0) return '<p>Every node runs inside an engine.</p>';
  const rows = report.fallback.flatMap((g) =>
    g.reasons.map(
      (r) =>
        `<tr><td>${escapeHtml(g.op)}</td><td>${escapeHtml(r.category)}</td><td>${escapeHtml(r.reason)}</td><td>${r.nodes.length}</td>` +
        `<td>${escapeHtml(truncate(r.nodes.join(', '), 200))}</td></tr>`,
    ),
  );
  return `<table><tr><th>op</th><th>category</th><th>reason</th><th>nodes</th><th>names</th></tr>${rows.join('')}</table>`;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:16px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px;vertical-align:top}
.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;border:1px solid #333}
#graph{width:100%;height:85vh;border:1px solid #ccc;cursor:grab;touch-action:none;background:#fff}
svg text{font-family:ui-monospace,monospace}.op{font-size:12px;font-weight:bold}.name{font-size:11px;fill:#333}.reason{font-size:10px;fill:#c0392b}
.frame{fill-opacity:.18}.title{font-size:12px;font-weight:bold;cursor:pointer}
.segment.collapsed .members{display:none}.segment.collapsed .frame{fill-opacity:.9}
.fallback rect{stroke-width:2.5}
.edge{fill:none;stroke:#999;stroke-width:1}.edge.cut{stroke:#e67e22;stroke-width:1.5;stroke-dasharray:4,2}`;

/** Wheel zooms about the pointer, dragging pans, a segment's title collapses it, buttons act on all. */
const SCRIPT = `(() => {
  const svg = document.getElementById('graph');
  const vb = svg.viewBox.baseVal;
  const fit = () => Object.assign(vb, { x: 0, y: 0, width: +svg.dataset.width, height: +svg.dataset.height });
  const toGraph = (e) => { const r = svg.getBoundingClientRect(); return [vb.x + ((e.clientX - r.left) / r.width) * vb.width, vb.y + ((e.clientY - r.top) / r.height) * vb.height]; };
  svg.addEventListener('wheel', (e) => {
    e.preventDefault();
    const k = e.deltaY > 0 ? 1.2 : 1 / 1.2;
    const [px, py] = toGraph(e);
    Object.assign(vb, { x: px - (px - vb.x) * k, y: py - (py - vb.y) * k, width: vb.width * k, height: vb.height * k });
  }, { passive: false });
  let last = null;
  svg.addEventListener('pointerdown', (e) => { if (!e.target.closest('.title')) { last = [e.clientX, e.clientY]; svg.setPointerCapture(e.pointerId); } });
  svg.addEventListener('pointermove', (e) => {
    if (!last) return;
    const r = svg.getBoundingClientRect();
    const scale = Math.max(vb.width / r.width, vb.height / r.height);
    vb.x -= (e.clientX - last[0]) * scale; vb.y -= (e.clientY - last[1]) * scale; last = [e.clientX, e.clientY];
  });
  svg.addEventListener('pointerup', () => { last = null; });
  for (const title of svg.querySelectorAll('.segment .title')) title.addEventListener('click', () => title.closest('.segment').classList.toggle('collapsed'));
  const all = (collapsed) => { for (const s of svg.querySelectorAll('.segment')) s.classList.toggle('collapsed', collapsed); };
  document.getElementById('collapse-all').onclick = () => all(true);
  document.getElementById('expand-all').onclick = () => all(false);
  document.getElementById('fit').onclick = fit;
})();`;

/** The report as a standalone HTML page; `graph` must be the graph the report was made from. */
export async function renderPartitionHtml(report: PartitionReport, graph: Graph): Promise<string> {
  if (graph.nodes.length !== report.nodesBefore) {
    throw new KilnError(
      ErrorCode.INVALID_ARGUMENT,
      `the report describes ${report.nodesBefore} nodes but the graph has ${graph.nodes.length}`,
      {
        hint: 'pass the source graph given to partition(), not the hybrid graph',
      },
    );
  }
  const svg = renderGraphSvg(report, graph, await layoutPartition(report, graph));
  const title = `Kiln partition: ${report.graph}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
${renderSummary(report)}
<h2>Segments</h2>
${renderSegmentTable(report)}
<h2>Fallback nodes</h2>
${renderFallbackTable(report)}
<h2>Graph</h2>
<p>Coloured boxes run inside the engine of their segment; boxes outlined in red run on the fallback backend (dashed: their segment was dropped). Orange dashed edges cross a segment boundary. Scroll to zoom, drag to pan, click a segment's title to collapse it.</p>
<p><button id="collapse-all">collapse all segments</button> <button id="expand-all">expand all</button> <button id="fit">fit</button></p>
${svg}
<script>${SCRIPT}</script>
</body></html>
`;
}
