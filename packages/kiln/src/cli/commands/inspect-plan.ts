/**
 * `kiln inspect MODEL.plan`: what a built plan will run, per layer — kind, input and output
 * dtypes, layout, the tactic the builder chose (with how many were timed) and what was fused
 * into the layer — after the manifest's backend, device, precisions, plugins and build settings.
 */
import type { AnyLayer, Network } from '@kiln-inference/core';
import { pluginLabel } from '@kiln-inference/cpu-runtime';
import { deserializePlan, type Plan } from '@kiln-inference/engine';
import { readModelBytes } from '../../load-model.js';

export interface PlanLayerRow {
  name: string;
  kind: string;
  inputs: string[];
  outputs: string[];
  layout: string;
  tactic?: string;
  /** Candidate tactics the builder timed for this layer. */
  candidates?: number;
  fused: string[];
}

export interface PlanInspectReport {
  path: string;
  kilnVersion: string;
  formatVersion: number;
  backend: string;
  device: string;
  precisions: string[];
  /** The plugins the plan needs to load, as namespace::name@version (package). */
  plugins: string[];
  buildSettings: Record<string, unknown>;
  inputs: { name: string; type: string }[];
  outputs: { name: string; type: string }[];
  layers: PlanLayerRow[];
}

function typeOf(network: Network, name: string): string {
  if (!name) return '-';
  const desc = network.tensors.get(name);
  if (!desc) return '?';
  return desc.shape ? `${desc.dtype}[${desc.shape.map((d) => d ?? '?').join(',')}]` : `${desc.dtype}[?]`;
}

/** What fusion put into the layer: a bias input, a residual add, an activation, in-place concat. */
function fusedOps(layer: AnyLayer): string[] {
  const params = layer.params as { epilogue?: { residualInput?: number; activation?: { type: string } }; inPlace?: boolean };
  const fused: string[] = [];
  if ((layer.kind === 'convolution' || layer.kind === 'deconvolution') && layer.inputs[2]) fused.push('bias');
  if (params.epilogue?.residualInput !== undefined) fused.push('residual add');
  if (params.epilogue?.activation) fused.push(params.epilogue.activation.type);
  if (layer.kind === 'concatenation' && params.inPlace) fused.push('in place (producers write the output)');
  return fused;
}

export function inspectPlanObject(path: string, plan: Plan): PlanInspectReport {
  const { manifest, network, tactics } = plan;
  const dtypeOf = (name: string) => (name ? (network.tensors.get(name)?.dtype ?? '?') : '-');
  return {
    path,
    kilnVersion: manifest.kilnVersion,
    formatVersion: manifest.formatVersion,
    backend: manifest.backend,
    device: `${manifest.device.type} (${manifest.device.arch})`,
    precisions: [...manifest.precisions],
    plugins: manifest.plugins.map((p) => `${pluginLabel(p)}${p.package ? ` (${p.package})` : ''}`),
    buildSettings: { ...manifest.buildSettings },
    inputs: network.inputs.map((i) => ({ name: i.name, type: typeOf(network, i.name) })),
    outputs: network.outputs.map((o) => ({ name: o, type: typeOf(network, o) })),
    layers: network.layers.map((layer) => {
      const choice = tactics?.choices[layer.name];
      // The layout the layer computes in: its params' when it has one, else its output's.
      const layout =
        (layer.params as { layout?: string }).layout ?? (layer.outputs[0] ? network.tensors.get(layer.outputs[0])?.layout : undefined);
      return {
        name: layer.name,
        kind: layer.kind,
        inputs: layer.inputs.filter((v) => v).map(dtypeOf),
        outputs: layer.outputs.filter((v) => v).map(dtypeOf),
        layout: layout ?? '-',
        ...(choice ? { tactic: choice.tactic, candidates: Object.keys(choice.timings).length } : {}),
        fused: fusedOps(layer),
      };
    }),
  };
}

export function inspectPlan(path: string): PlanInspectReport {
  return inspectPlanObject(path, deserializePlan(readModelBytes(path)));
}

export function formatPlanInspect(r: PlanInspectReport): string {
  const settings = Object.entries(r.buildSettings)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  const rows = r.layers.map((l) => [
    l.name,
    l.kind,
    `${l.inputs.join(',') || '-'} → ${l.outputs.join(',') || '-'}`,
    l.layout,
    l.tactic ? `${l.tactic}${l.candidates && l.candidates > 1 ? ` (of ${l.candidates})` : ''}` : '-',
    l.fused.join(' + ') || '-',
  ]);
  const header = ['layer', 'kind', 'dtype in → out', 'layout', 'tactic', 'fused'];
  const widths = header.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((row) => row[i]!.length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    `plan        ${r.path} (format ${r.formatVersion}, kiln ${r.kilnVersion})`,
    `backend     ${r.backend} on ${r.device}`,
    `precisions  ${r.precisions.join(', ') || '-'}`,
    ...(r.plugins.length > 0 ? [`plugins     ${r.plugins.join(', ')}`] : []),
    `settings    ${settings || '-'}`,
    'inputs',
    ...r.inputs.map((i) => `  ${i.name}: ${i.type}`),
    'outputs',
    ...r.outputs.map((o) => `  ${o.name}: ${o.type}`),
    `layers (${r.layers.length})`,
    `  ${line(header)}`,
    ...rows.map((row) => `  ${line(row)}`),
  ].join('\n');
}
