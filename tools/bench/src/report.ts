/** Benchmark rows: the JSON schema shared by every suite, and the table printed at the end. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface BenchRow {
  model: string;
  batch: number;
  precision: string;
  kiln_ms: number;
  peer: string;
  peer_ms: number;
  /** peer_ms / kiln_ms: above 1 means Kiln is faster. */
  ratio: number;
  note?: string;
}

export interface BenchReport {
  suite: string;
  date: string;
  machine: { cpu: string; cores: number; node: string; platform: string };
  command: string;
  /** BenchRow for timing suites; suites that report other figures define their own rows. */
  rows: readonly object[];
}

export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['model', 'batch', 'precision', 'kiln ms', 'peer', 'peer ms', 'ratio'];
  const body = rows.map((r) => [
    r.model,
    String(r.batch),
    r.precision,
    r.kiln_ms.toFixed(1),
    r.peer,
    r.peer_ms.toFixed(1),
    r.ratio.toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

export function writeJson(path: string, report: BenchReport | Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
