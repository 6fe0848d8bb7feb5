/**
 * `pnpm bench --suite cpu|build|partition|stress|event-loop [--json FILE] [--models a,b]
 * [--iterations N] [--warmup N] [--target cpu|cuda] [--cycles N] [--source plan|model] [--sample-every N] [--duration-ms N]`:
 * runs a benchmark suite, prints a table, writes JSON. Timings are medians.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type BenchReport, formatTable, writeJson } from './report.js';
import { formatBuildTable, runBuildSuite } from './suites/build.js';
import { runCpuSuite } from './suites/cpu.js';
import { formatEventLoopTable, runEventLoopSuite } from './suites/event-loop.js';
import { formatPartitionTable, runPartitionSuite } from './suites/partition.js';
import { formatStressTable, isStressChild, runStressChild, runStressSuite, unknownStressModels } from './suites/stress.js';

function reportHeader(suite: string): Omit<BenchReport, 'rows'> {
  return {
    suite,
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    command: `pnpm bench ${process.argv.slice(2).join(' ')}`.trim(),
  };
}

async function main(): Promise<number> {
  if (isStressChild()) {
    await runStressChild();
    return 0;
  }
  const { values } = parseArgs({
    options: {
      suite: { type: 'string', default: 'cpu' },
      json: { type: 'string' },
      models: { type: 'string' },
      iterations: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      threads: { type: 'string' },
      corpus: { type: 'string' },
      target: { type: 'string', default: 'cuda' },
      cycles: { type: 'string', default: '10000' },
      source: { type: 'string', default: 'plan' },
      'sample-every': { type: 'string', default: '1000' },
      'duration-ms': { type: 'string', default: '2000' },
    },
  });
  const corpus = resolve(values.corpus ?? process.env.KILN_CORPUS ?? '../shared/corpus');
  if (!existsSync(corpus)) {
    process.stderr.write(`bench: corpus not found at ${corpus}; set KILN_CORPUS or pass --corpus\n`);
    return 1;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const models = values.models ? values.models.split(',') : undefined;
  if (values.suite === 'build') {
    const rows = await runBuildSuite(corpus, models, log);
    process.stdout.write(`${formatBuildTable(rows)}\n`);
    if (values.json) writeJson(values.json, { ...reportHeader(values.suite), rows });
    return 0;
  }
  if (values.suite === 'partition') {
    const rows = await runPartitionSuite(corpus, values.target, models, log);
    process.stdout.write(`${formatPartitionTable(rows)}\n`);
    if (values.json) writeJson(values.json, { ...reportHeader(values.suite), target: values.target, rows });
    return 0;
  }
  if (values.suite === 'event-loop') {
    const rows = await runEventLoopSuite(Number(values['duration-ms']), log);
    process.stdout.write(`${formatEventLoopTable(rows)}\n`);
    if (values.json) writeJson(values.json, { ...reportHeader(values.suite), rows });
    return 0;
  }
  if (values.suite === 'stress') {
    if (values.source !== 'plan' && values.source !== 'model') {
      process.stderr.write(`bench: --source is 'plan' or 'model', not '${values.source}'\n`);
      return 1;
    }
    const unknown = unknownStressModels(models ?? []);
    if (unknown.length > 0) {
      process.stderr.write(`bench: the stress suite has no model ${unknown.join(', ')} (available: test_add, mnist_cnn)\n`);
      return 1;
    }
    const sampleEvery = Number(values['sample-every']);
    if (!Number.isInteger(sampleEvery) || sampleEvery < 1) {
      process.stderr.write(`bench: --sample-every is a whole number of cycles >= 1, not '${values['sample-every']}'\n`);
      return 1;
    }
    const cycles = Number(values.cycles);
    const report = await runStressSuite({
      corpus,
      cycles,
      // The baseline is taken once V8 has sized the main thread's young generation for this
      // load, which it grows over the first ~2,000 sessions (docs/reliability.md).
      warmup: Math.min(2000, Math.ceil(cycles / 5)),
      source: values.source,
      ...(models ? { models } : {}),
      sampleEvery,
      log,
    });
    process.stdout.write(`${formatStressTable(report)}\n`);
    if (values.json) writeJson(values.json, { ...reportHeader(values.suite), ...report, rows: report.samples });
    return report.crashes.length === 0 ? 0 : 1;
  }
  if (values.suite !== 'cpu') {
    process.stderr.write(`bench: unknown suite '${values.suite}' (available: cpu, build, partition, stress, event-loop)\n`);
    return 1;
  }
  const rows = await runCpuSuite({
    corpus,
    ...(models ? { models } : {}),
    iterations: Number(values.iterations),
    warmup: Number(values.warmup),
    threads: Number(values.threads ?? cpus().length),
    log,
  });
  const report: BenchReport = { ...reportHeader(values.suite), rows };
  process.stdout.write(`${formatTable(rows)}\n`);
  if (values.json) writeJson(values.json, report);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
