/**
 * `pnpm fuzz`: runs the fuzz targets in capped worker processes, prints a table per target,
 * saves one reproducer per distinct finding and exits non-zero on any bad outcome.
 * `--short` is the CI preset; `--replay <dir>` re-runs one saved reproducer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Finding, loadFinding, saveFinding } from './findings.js';
import { type CaseResult, dedupeKey, type FuzzCase, isBad } from './fuzz-case.js';
import { addResult, badCount, emptyTally, formatMarkdown, formatTable, projectHours, type TargetTally } from './report.js';
import { generateCase } from './run-case.js';
import { type Job, runJobs, type SupervisorOptions } from './supervisor.js';
import { TARGETS, targetByName } from './targets/index.js';

/** The CI preset: a fixed seed and ≥ 2,000 cases over every target. */
const SHORT = { seed: 20261207, totalCases: 2000 };

const { values } = parseArgs({
  options: {
    targets: { type: 'string' },
    cases: { type: 'string' },
    seed: { type: 'string' },
    jobs: { type: 'string' },
    'time-cap-ms': { type: 'string' },
    'rss-cap-mb': { type: 'string' },
    'heap-mb': { type: 'string' },
    'max-seconds': { type: 'string' },
    json: { type: 'string' },
    'report-md': { type: 'string' },
    findings: { type: 'string' },
    short: { type: 'boolean' },
    replay: { type: 'string' },
    help: { type: 'boolean' },
  },
});

if (values.help) {
  console.log(`pnpm fuzz [--targets ${TARGETS.map((t) => t.name).join(',')}] [--cases N per target] [--seed S] [--jobs J]
          [--time-cap-ms 10000] [--rss-cap-mb 2048] [--json FILE] [--report-md FILE] [--findings DIR]
          [--max-seconds T]   stop starting cases after T s (or on Ctrl-C) and report what ran
pnpm fuzz --short            the CI preset (seed ${SHORT.seed}, ${SHORT.totalCases} cases spread over the targets)
pnpm fuzz --replay DIR       re-run one saved reproducer`);
  process.exit(0);
}

const options: SupervisorOptions = {
  jobs: Number(values.jobs ?? 2),
  timeCapMs: Number(values['time-cap-ms'] ?? 10_000),
  rssCapMb: Number(values['rss-cap-mb'] ?? 2048),
  heapMb: Number(values['heap-mb'] ?? 1536),
  recycleAfter: 2000,
};
const findingsRoot = resolve(values.findings ?? 'out/fuzz/findings');

async function replay(dir: string): Promise<void> {
  const c = loadFinding(dir);
  console.log(`replaying ${c.target} case ${c.index} (seed ${c.seed}): ${c.note}`);
  let result: CaseResult | undefined;
  await runJobs([{ target: c.target, index: c.index, message: { type: 'replay', case: c } }], { ...options, jobs: 1 }, (_, r) => {
    result = r;
  });
  console.log(JSON.stringify(result, null, 2));
  process.exit(result && isBad(result.outcome) ? 1 : 0);
}

async function fuzz(): Promise<void> {
  const seed = Number(values.seed ?? (values.short ? SHORT.seed : Date.now() % 2 ** 31));
  const names = values.targets ? values.targets.split(',').map((s) => s.trim()) : TARGETS.map((t) => t.name);
  const targets = names.map(targetByName);
  const tallies = new Map<string, TargetTally>(targets.map((t) => [t.name, emptyTally(t.name)]));
  const findings = new Map<string, Finding>();
  const started = performance.now();
  const firstAt = new Map<string, number>();
  const lastAt = new Map<string, number>();
  // Interleave targets so that every target progresses even if a run is stopped early.
  const runnable = targets.filter((t) => {
    const why = t.unavailable?.();
    if (why) tallies.get(t.name)!.note = `skipped: ${why}`;
    return !why;
  });
  const maxSeconds = Number(values['max-seconds'] ?? Number.POSITIVE_INFINITY);
  let stopping = false;
  process.once('SIGINT', () => {
    stopping = true;
    process.stderr.write('stopping: finishing the cases in flight, then reporting\n');
  });
  // The CI preset keeps its total of 2,000 cases when a target cannot run here.
  const perTarget = Number(values.cases ?? (values.short ? Math.ceil(SHORT.totalCases / Math.max(1, runnable.length)) : 1000));
  function* jobs(): Generator<Job> {
    for (let i = 0; i < perTarget; i++) {
      if (stopping || (performance.now() - started) / 1000 > maxSeconds) return;
      for (const t of runnable) yield { target: t.name, index: i, message: { type: 'run', target: t.name, seed, index: i } };
    }
  }
  let done = 0;
  const total = perTarget * runnable.length;
  const progress = setInterval(() => {
    const s = (performance.now() - started) / 1000;
    process.stderr.write(`  ${done}/${total} cases, ${s.toFixed(0)} s, ${findings.size} distinct findings\n`);
  }, 30_000);
  /** A hang on a loaded machine may be a slow case: it counts only if it hangs again with thrice the time. */
  async function confirmHang(job: Job, first: CaseResult): Promise<CaseResult> {
    const c = await generateCase(job.target, seed, job.index);
    let again: CaseResult = first;
    await runJobs([{ ...job, message: { type: 'replay', case: c } }], { ...options, jobs: 1, timeCapMs: options.timeCapMs * 3 }, (_, r) => {
      again = r;
    });
    return again.outcome === 'hang'
      ? first
      : { ...again, note: `${again.note ?? ''} (took over ${options.timeCapMs} ms once, under load)` };
  }
  const { peakRssMb } = await runJobs(jobs(), options, async (job, first) => {
    const result = first.outcome === 'hang' ? await confirmHang(job, first) : first;
    done++;
    const now = performance.now();
    if (!firstAt.has(job.target)) firstAt.set(job.target, now);
    lastAt.set(job.target, now);
    addResult(tallies.get(job.target)!, result);
    if (!isBad(result.outcome)) return;
    const key = dedupeKey(job.target, result);
    const known = findings.get(key);
    if (known) {
      known.count++;
      return;
    }
    // The parent regenerates the case (generation is deterministic) to save it.
    let c: FuzzCase;
    try {
      c = await generateCase(job.target, seed, job.index);
    } catch {
      return;
    }
    const dir = saveFinding(findingsRoot, c, result);
    findings.set(key, { key, target: job.target, dir, result, count: 1, firstIndex: job.index });
  });
  clearInterval(progress);
  const seconds = (performance.now() - started) / 1000;
  const list = [...tallies.values()];
  console.log(formatTable(list));
  console.log(
    `seed ${seed}, ${done} cases in ${seconds.toFixed(1)} s (${(done / seconds).toFixed(1)} cases/s over ${options.jobs} workers), peak worker RSS ${peakRssMb.toFixed(0)} MB`,
  );
  console.log(
    `at these per-worker rates, 100,000 cases per target would take ${projectHours(list, 100_000, options.jobs).toFixed(1)} h on ${options.jobs} worker(s)`,
  );
  const found = [...findings.values()];
  if (found.length) {
    console.log(`\n${found.length} distinct finding(s), reproducers under ${findingsRoot}:`);
    for (const f of found)
      console.log(`  ${f.target} ${f.result.outcome} ${f.result.kind ?? ''} ${f.result.frame ?? ''} ×${f.count}  ${f.dir}`);
  }
  const run = {
    seed,
    jobs: options.jobs,
    seconds,
    timeCapMs: options.timeCapMs,
    rssCapMb: options.rssCapMb,
    projectedHoursFor100k: projectHours(list, 100_000, options.jobs),
  };
  if (values.json) {
    mkdirSync(dirname(resolve(values.json)), { recursive: true });
    writeFileSync(values.json, `${JSON.stringify({ run: { ...run, peakRssMb }, tallies: list, findings: found }, null, 2)}\n`);
  }
  if (values['report-md']) {
    mkdirSync(dirname(resolve(values['report-md'])), { recursive: true });
    writeFileSync(values['report-md'], formatMarkdown(list, found, run));
  }
  process.exit(list.some((t) => badCount(t) > 0) ? 1 : 0);
}

await (values.replay ? replay(values.replay) : fuzz());
