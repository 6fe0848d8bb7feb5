/** Tallies per target and how a run is shown: the console table, JSON and Markdown reports. */

import type { Finding } from './findings.js';
import { BAD_OUTCOMES, type CaseResult, OUTCOMES, type Outcome } from './fuzz-case.js';

export interface TargetTally {
  target: string;
  cases: number;
  outcomes: Record<Outcome, number>;
  /** Rejections by KilnError code. */
  codes: Record<string, number>;
  /** Rejections whose KilnError wraps a TypeError/RangeError (an internal error caught late). */
  wrapped: Record<string, number>;
  /** Worker-seconds spent on this target's cases (its cost, whatever else ran beside it). */
  seconds: number;
  note?: string;
}

export function emptyTally(target: string): TargetTally {
  return {
    target,
    cases: 0,
    outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>,
    codes: {},
    wrapped: {},
    seconds: 0,
  };
}

export function addResult(t: TargetTally, r: CaseResult): void {
  t.cases++;
  t.outcomes[r.outcome]++;
  t.seconds += (r.ms ?? 0) / 1000;
  if (r.outcome === 'rejected' && r.code) t.codes[r.code] = (t.codes[r.code] ?? 0) + 1;
  if (r.wrapped) {
    const what = r.wrapped === 'INTERNAL' ? `INTERNAL '${(r.message ?? '').split(' Hint:')[0]!.slice(0, 80)}'` : r.wrapped;
    // Fuzzed names carry control characters; keep report lines on one line.
    const key = Array.from(`${what} at ${r.frame || '?'}`, (ch) => (ch < ' ' ? '·' : ch)).join('');
    t.wrapped[key] = (t.wrapped[key] ?? 0) + 1;
  }
}

export function badCount(t: TargetTally): number {
  return BAD_OUTCOMES.reduce((s, o) => s + t.outcomes[o], 0);
}

const COLUMNS = ['accepted', 'rejected', ...BAD_OUTCOMES] as const;

/** Hours that `perTarget` cases of every target would take on `jobs` workers at these rates. */
export function projectHours(tallies: readonly TargetTally[], perTarget: number, jobs: number): number {
  const secondsPerRound = tallies.reduce((s, t) => s + (t.cases > 0 ? t.seconds / t.cases : 0), 0);
  return (secondsPerRound * perTarget) / Math.max(1, jobs) / 3600;
}

export function formatTable(tallies: readonly TargetTally[]): string {
  const header = ['target', 'cases', ...COLUMNS, 'cases/s/worker'];
  const rows = tallies.map((t) => [
    t.target,
    String(t.cases),
    ...COLUMNS.map((o) => String(t.outcomes[o])),
    t.seconds > 0 ? (t.cases / t.seconds).toFixed(1) : '-',
  ]);
  const total = emptyTally('total');
  for (const t of tallies) {
    total.cases += t.cases;
    for (const o of OUTCOMES) total.outcomes[o] += t.outcomes[o];
  }
  rows.push(['total', String(total.cases), ...COLUMNS.map((o) => String(total.outcomes[o])), '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const notes = tallies.filter((t) => t.note).map((t) => `  ${t.target}: ${t.note}`);

  return [line(header), ...rows.map(line), ...notes].join('\n');
}

export function formatMarkdown(
  tallies: readonly TargetTally[],
  findings: readonly Finding[],
  run: { seed: number; jobs: number; seconds: number; timeCapMs: number; rssCapMb: number; projectedHoursFor100k: number },
): string {
  const out: string[] = [];
  out.push(`# Fuzz run: seed ${run.seed}, ${run.jobs} worker process(es), ${run.seconds.toFixed(0)} s`);
  out.push('');
  out.push(`Caps: ${run.timeCapMs} ms per case, ${run.rssCapMb} MB RSS per worker.`);
  out.push('');
  out.push(
    `At the per-worker rates below, 100,000 cases per target would take ${run.projectedHoursFor100k.toFixed(1)} h on ${run.jobs} worker(s).`,
  );
  out.push('');
  out.push(`| target | cases | ${COLUMNS.join(' | ')} | cases/s per worker |`);
  out.push(`|---|---:|${COLUMNS.map(() => '---:').join('|')}|---:|`);
  for (const t of tallies) {
    out.push(
      `| ${t.target} | ${t.cases} | ${COLUMNS.map((o) => t.outcomes[o]).join(' | ')} | ${t.seconds > 0 ? (t.cases / t.seconds).toFixed(1) : '-'} |`,
    );
  }
  out.push('');
  out.push('## Rejections by error code');
  for (const t of tallies) {
    const codes = Object.entries(t.codes).sort((a, b) => b[1] - a[1]);
    out.push(`- **${t.target}**: ${codes.map(([c, n]) => `${c} ${n}`).join(', ') || '—'}${t.note ? ` (${t.note})` : ''}`);
    const wrapped = Object.entries(t.wrapped).sort((a, b) => b[1] - a[1]);
    if (wrapped.length)
      out.push(`  - internal errors caught and re-thrown as KilnError: ${wrapped.map(([k, n]) => `${k} (${n})`).join('; ')}`);
  }
  out.push('');
  out.push(`## Distinct findings (${findings.length})`);
  for (const f of findings) {
    const r = f.result;
    out.push(
      `- \`${f.dir}\` — ${f.target} **${r.outcome}** ${r.kind ?? ''} ${r.frame ? `at ${r.frame}` : ''} ×${f.count}: ${(r.message ?? '').split('\n')[0]}`,
    );
  }
  return `${out.join('\n')}\n`;
}
