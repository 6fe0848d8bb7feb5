/**
 * `kiln inspect MODEL`: format, opsets, inputs/outputs with shapes, op histogram, parameter
 * count, and which ops kiln supports (with the reason when not).
 */

import { checkSupport } from '@kiln-inference/converters';
import { formatShape, type Graph, type ValueInfo } from '@kiln-inference/core';
import { type PluginRegistry, type PluginsOption, resolvePlugins } from '@kiln-inference/plugin-sdk';
import type { LoadModelOptions } from '../../load-model.js';
import { loadModel, registryFor } from '../../load-model.js';

export interface InspectReport {
  path: string;
  format: string;
  opsets: { domain: string; version: number }[];
  producer?: string;
  inputs: { name: string; type: string }[];
  outputs: { name: string; type: string }[];
  nodes: number;
  ops: { op: string; count: number; supported: boolean; reason?: string }[];
  parameters: number;
  weightBytes: number;
  unsupportedNodes: { node: string; op: string; reason: string }[];
}

function typeString(v: ValueInfo): string {
  const t = v.type;
  if (!t) return '?';
  if (t.kind === 'tensor' || t.kind === 'sparse_tensor') return `${t.dtype}${formatShape(t.shape)}`;
  return t.kind;
}

export function inspectGraph(path: string, format: string, graph: Graph, plugins?: PluginRegistry): InspectReport {
  const registry = registryFor(graph, plugins);
  const ops = new Map<string, { count: number; supported: boolean; reason?: string }>();
  const unsupportedNodes: InspectReport['unsupportedNodes'] = [];
  for (const node of graph.nodes) {
    const key = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}::${node.op}` : node.op;
    const verdict = checkSupport(registry, graph, node);
    const entry = ops.get(key) ?? { count: 0, supported: true };
    entry.count++;
    if (!verdict.supported) {
      entry.supported = false;
      entry.reason ??= verdict.reason;
      unsupportedNodes.push({ node: node.name, op: key, reason: verdict.reason });
    }
    ops.set(key, entry);
  }
  let parameters = 0;
  let weightBytes = 0;
  for (const w of graph.weights.values()) {
    parameters += w.size;
    weightBytes += Array.isArray(w.data) ? 0 : w.data.byteLength;
  }
  return {
    path,
    format,
    opsets: graph.opsetImports.map((o) => ({ domain: o.domain || 'ai.onnx', version: o.version })),
    ...(graph.metadata.producer_name
      ? { producer: `${graph.metadata.producer_name} ${graph.metadata.producer_version ?? ''}`.trim() }
      : {}),
    inputs: graph.feedInputs.map((i) => ({ name: i.name, type: typeString(i) })),
    outputs: graph.outputs.map((o) => ({ name: o.name, type: typeString(o) })),
    nodes: graph.nodes.length,
    ops: [...ops.entries()].map(([op, e]) => ({ op, ...e })).sort((a, b) => b.count - a.count || a.op.localeCompare(b.op)),
    parameters,
    weightBytes,
    unsupportedNodes,
  };
}

export async function inspectModel(path: string, options: LoadModelOptions & { plugins?: PluginsOption } = {}): Promise<InspectReport> {
  const { format, graph } = await loadModel(path, options);
  return inspectGraph(path, format, graph, await resolvePlugins(options.plugins));
}

export function formatInspect(r: InspectReport): string {
  const lines = [
    `model       ${r.path}`,
    `format      ${r.format}${r.producer ? ` (producer: ${r.producer})` : ''}`,
    `opsets      ${r.opsets.map((o) => `${o.domain} ${o.version}`).join(', ') || '-'}`,
    `nodes       ${r.nodes}`,
    `parameters  ${r.parameters.toLocaleString('en-US')} (${(r.weightBytes / 2 ** 20).toFixed(2)} MiB)`,
    'inputs',
    ...r.inputs.map((i) => `  ${i.name}: ${i.type}`),
    'outputs',
    ...r.outputs.map((o) => `  ${o.name}: ${o.type}`),
    'ops (count, supported)',
    ...r.ops.map((o) => `  ${o.op.padEnd(28)} ${String(o.count).padStart(5)}  ${o.supported ? 'yes' : `NO: ${o.reason}`}`),
  ];
  const supported = r.nodes - r.unsupportedNodes.length;
  lines.push(`support     ${supported}/${r.nodes} nodes convertible${r.unsupportedNodes.length ? '' : ' (all)'}`);
  return lines.join('\n');
}
