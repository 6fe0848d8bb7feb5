/**
 * `kiln partition MODEL --target cpu|cuda`: what the target backend would run as engines and
 * what stays on the CPU, with the reasons. Prints a short summary table and writes the
 * PartitionReport as JSON (--json) and as an HTML page with an SVG drawing (--report).
 * `cuda` asks the same native support table as `cpu` (both lower the same Program ops), so
 * it works on any machine.
 */
import { writeFileSync } from 'node:fs';
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { targetOracle } from '@kiln-inference/engine';
import { type PartitionReport, partition, renderPartitionHtml } from '@kiln-inference/partitioner';
import { type PluginsOption, resolvePlugins } from '@kiln-inference/plugin-sdk';
import { type LoadModelOptions, loadModel, registryFor } from '../../load-model.js';

export interface PartitionCommandOptions extends LoadModelOptions {
  target: string;
  /** Plugin packages or paths (`--plugin`): their ops convert, and run on the CPU. */
  plugins?: PluginsOption;
  minimumSegmentSize?: number;
  maximumSegments?: number;
  excludeOps?: string[];
  /** Where to write the HTML report. */
  html?: string;
  /** Where to write the JSON report. */
  json?: string;
}

/** The PartitionReport plus what was partitioned for which target. */
export interface PartitionCommandReport extends PartitionReport {
  model: string;
  format: string;
  target: string;
}

function writeReport(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new KilnError(ErrorCode.IO_ERROR, `cannot write '${path}': ${(e as Error).message}`, {
      hint: 'check that the folder exists and is writable',
      cause: e,
    });
  }
}

export async function partitionModel(path: string, options: PartitionCommandOptions): Promise<PartitionCommandReport> {
  const { format, graph } = await loadModel(path, options);
  const oracle = targetOracle(options.target, registryFor(graph, await resolvePlugins(options.plugins)));
  const { report } = partition(graph, oracle, {
    ...(options.minimumSegmentSize !== undefined ? { minimumSegmentSize: options.minimumSegmentSize } : {}),
    ...(options.maximumSegments !== undefined ? { maximumSegments: options.maximumSegments } : {}),
    ...(options.excludeOps ? { excludeOps: options.excludeOps } : {}),
  });
  const result: PartitionCommandReport = { model: path, format, target: options.target, ...report };
  if (options.json) writeReport(options.json, `${JSON.stringify(result, null, 2)}\n`);
  if (options.html) writeReport(options.html, await renderPartitionHtml(report, graph));
  return result;
}

const pad = (s: string | number, n: number) => String(s).padEnd(n);

/** The summary table: totals, then one row per segment and per fallback op (largest first). */
export function formatPartition(r: PartitionCommandReport, limit = 12): string {
  const fallbackNodes = r.fallback.reduce((a, f) => a + f.count, 0);
  const lines = [
    `model       ${r.model} (${r.format})`,
    `target      ${r.target}   minimum segment size ${r.options.minimumSegmentSize}`,
    `nodes       ${r.nodesBefore} → ${r.nodesAfter} (${r.segments.length} engine${r.segments.length === 1 ? '' : 's'} + ${fallbackNodes} fallback)`,
    `coverage    ${r.coverage.toFixed(1)}% of nodes in engines`,
    `transfers   ${r.transfers.total} host↔device per run`,
    '',
    `${pad('engine', 20)}${pad('nodes', 8)}${pad('inputs', 8)}${pad('outputs', 8)}ops`,
  ];
  const segments = [...r.segments].sort((a, b) => b.size - a.size);
  for (const s of segments.slice(0, limit)) {
    const ops = Object.entries(s.ops)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([op, n]) => `${op}×${n}`)
      .join(' ');
    lines.push(`${pad(s.name, 20)}${pad(s.size, 8)}${pad(s.inputs.length, 8)}${pad(s.outputs.length, 8)}${ops}`);
  }
  if (segments.length > limit) lines.push(`… ${segments.length - limit} more engines (see --json)`);
  if (r.fallback.length > 0) {
    lines.push('', `${pad('fallback op', 20)}${pad('nodes', 8)}reason`);
    const groups = [...r.fallback].sort((a, b) => b.count - a.count);
    for (const f of groups.slice(0, limit)) lines.push(`${pad(f.op, 20)}${pad(f.count, 8)}${f.reasons[0]?.reason ?? ''}`);
    if (groups.length > limit) lines.push(`… ${groups.length - limit} more ops (see --json)`);
  }
  return lines.join('\n');
}
