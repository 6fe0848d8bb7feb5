/**
 * `pnpm bench --suite build`: what the builder does to each light model — layer counts before
 * and after the builder rules, the histogram of the kinds that changed, the activation memory
 * (the memory plan's arena, the peak, against the sum of all activations) and the build time.
 */
import { join } from 'node:path';
import { buildPlan, loadModel, toNetwork } from 'kiln-inference';

export const LIGHT_MODELS = [
  'bvlc_alexnet',
  'densenet121',
  'inception_v1',
  'inception_v2',
  'resnet50',
  'shufflenet',
  'squeezenet',
  'vgg19',
  'zfnet512',
] as const;

export interface BuildRow {
  model: string;
  layers_before: number;
  layers_after: number;
  /** Kinds whose count changed: kind → [before, after]. */
  changed: Record<string, [number, number]>;
  /** Sum of every activation's bytes, as if none were reused (null: the plan has no memory plan). */
  activations_sum_bytes: number | null;
  /** The memory plan's arena: the peak activation memory. */
  activations_peak_bytes: number | null;
  /** peak / sum. */
  activations_ratio: number | null;
  build_ms: number;
}

const MiB = 1024 * 1024;

export async function runBuildSuite(
  corpus: string,
  models: readonly string[] | undefined,
  log: (line: string) => void,
): Promise<BuildRow[]> {
  const rows: BuildRow[] = [];
  for (const name of LIGHT_MODELS.filter((m) => !models?.length || models.includes(`light_${m}`))) {
    const { graph } = await loadModel(join(corpus, 'onnx-backend/light', `light_${name}.onnx`));
    const network = toNetwork(graph);
    const before = network.histogram();
    const t0 = performance.now();
    const plan = await buildPlan(network);
    const buildMs = performance.now() - t0;
    const after = plan.network.histogram();
    const changed: Record<string, [number, number]> = {};
    for (const kind of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if ((before[kind] ?? 0) !== (after[kind] ?? 0)) changed[kind] = [before[kind] ?? 0, after[kind] ?? 0];
    }
    const memory = plan.memoryPlan;
    rows.push({
      model: `light_${name}`,
      layers_before: network.layers.length,
      layers_after: plan.network.layers.length,
      changed,
      activations_sum_bytes: memory?.sumBytes ?? null,
      activations_peak_bytes: memory?.arenaBytes ?? null,
      activations_ratio: memory && memory.sumBytes > 0 ? memory.arenaBytes / memory.sumBytes : null,
      build_ms: buildMs,
    });
    const peak = memory ? `, activations ${mib(memory.arenaBytes)} of ${mib(memory.sumBytes)} MiB` : '';
    log(`light_${name}: ${network.layers.length} → ${plan.network.layers.length} layers${peak} in ${buildMs.toFixed(0)} ms`);
  }
  return rows;
}

export function formatBuildTable(rows: readonly BuildRow[]): string {
  const lines = [
    '| model | layers before → after | changed kinds | activations sum MiB | peak MiB | peak / sum | build ms |',
    '|---|---|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const changed = Object.entries(r.changed)
      .map(([k, [b, a]]) => `${k} ${b}→${a}`)
      .join(', ');
    const sum = r.activations_sum_bytes === null ? '–' : mib(r.activations_sum_bytes);
    const peak = r.activations_peak_bytes === null ? '–' : mib(r.activations_peak_bytes);
    const ratio = r.activations_ratio === null ? '–' : r.activations_ratio.toFixed(3);
    lines.push(
      `| ${r.model} | ${r.layers_before} → ${r.layers_after} | ${changed} | ${sum} | ${peak} | ${ratio} | ${r.build_ms.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(2);
}
