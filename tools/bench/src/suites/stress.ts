/**
 * `pnpm bench --suite stress [--cycles N] [--source plan|model] [--models test_add,mnist_cnn]
 * [--sample-every N]`: create → run → dispose cycles of `InferenceSession` with default options
 * (a worker thread per session, reused from the engine's pool of idle workers), alternating a tiny ONNX model (onnx-node `test_add`) and a real
 * CNN (the corpus MNIST GraphDef). The cycles run in a child process so that a crash is counted,
 * not fatal to the report; the child samples its memory (RSS, V8 heap, external and ArrayBuffer
 * bytes, thread count, after a forced GC, before and after ending the idle workers) at the start, after the warm-up, every `sampleEvery`
 * cycles and at the end, so growth can be attributed; checks every run's outputs against the
 * first run of its model (garbage counts as an error); and counts errors by code and message.
 * Allocator settings are compared from outside: the child inherits the environment, and the
 * report records MALLOC_ARENA_MAX (e.g. `MALLOC_ARENA_MAX=2 pnpm bench --suite stress`).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isKilnError, type Tensor } from '@kiln-inference/core';
import { decodeTensorProto } from '@kiln-inference/onnx';
import { compareTensors, randomTensor } from '@kiln-inference/testkit';
import { InferenceSession, releaseIdleWorkers } from 'kiln-inference';
import { type ResidentRegions, residentRegions } from './memory-map.js';

export interface StressOptions {
  corpus: string;
  cycles: number;
  /** Cycles before the baseline RSS sample (allocator pools and JIT settle). */
  warmup: number;
  /** 'plan': each session loads its model's built plan (the serving path); 'model': parses and builds each time. */
  source: 'plan' | 'model';
  /** Model names to cycle through (default: every stress model). */
  models?: readonly string[];
  /** Cycles between memory samples after the warm-up. */
  sampleEvery: number;
  log: (line: string) => void;
}

export interface StressSample {
  cycle: number;
  label: string;
  /** After a forced GC, with the execution workers kept idle for reuse ended (releaseIdleWorkers). */
  rss_mb: number;
  /** The same moment before those workers ended: memory a long-lived reused worker holds. */
  rss_with_idle_worker_mb: number;
  /** process.memoryUsage() of the main thread after a forced GC. */
  heap_mb: number;
  /**
   * Capacity of V8's young generation (new space) on the main thread, which V8 grows under
   * allocation pressure and keeps after a full GC: the part of "other anon" that rises and falls.
   */
  new_space_mb: number;
  /** Resident pages of the main thread's V8 heap, all spaces (garbage-free after the GC). */
  v8_resident_mb: number;
  external_mb: number;
  array_buffers_mb: number;
  /** OS threads of the process (/proc/self/status), or -1 where unknown. */
  threads: number;
  /** Resident memory by region (malloc arenas, other anonymous, files); null off Linux. */
  regions: ResidentRegions | null;
  elapsed_s: number;
}

export interface StressReport {
  cycles_requested: number;
  cycles_done: number;
  /** Ended early (SIGINT/SIGTERM): the figures cover cycles_done, up to the last sample. */
  interrupted: boolean;
  warmup: number;
  source: 'plan' | 'model';
  models: string[];
  seconds: number;
  /** MALLOC_ARENA_MAX as set for the run (glibc's arena cap), or null when unset. */
  malloc_arena_max: string | null;
  crashes: { cycle: number; signal: string | null; code: number | null }[];
  /** Failed cycles counted by `CODE: message` (`non-KilnError: message` for anything else). */
  errors: Record<string, number>;
  samples: StressSample[];
  rss_start_mb: number;
  rss_warm_mb: number;
  rss_end_mb: number;
  /** (end − after warm-up) / after warm-up, in percent: the acceptance figure (≤ 5). */
  rss_growth_pct: number;
}

interface StressModel {
  name: string;
  path: string;
  feeds: () => Record<string, Tensor>;
}

function allStressModels(corpus: string): StressModel[] {
  const add = join(corpus, 'onnx-backend/node/test_add');
  const pb = (i: number) => decodeTensorProto(new Uint8Array(readFileSync(join(add, 'test_data_set_0', `input_${i}.pb`)))).tensor;
  const [x, y] = [pb(0), pb(1)];
  const digit = randomTensor('float32', [1, 28, 28, 1], 11, 0, 1);
  return [
    { name: 'test_add', path: join(add, 'model.onnx'), feeds: () => ({ x, y }) },
    { name: 'mnist_cnn', path: join(corpus, 'tf/frozen/mengwanguc-mnist-cnn.pb'), feeds: () => ({ x: digit }) },
  ];
}

const STRESS_MODEL_NAMES = ['test_add', 'mnist_cnn'];

function stressModels(corpus: string, names: readonly string[] | undefined): StressModel[] {
  const all = allStressModels(corpus);
  return names ? all.filter((m) => names.includes(m.name)) : all;
}

/** Names in `models` that are not stress models (the CLI refuses them). */
export function unknownStressModels(models: readonly string[]): string[] {
  return models.filter((m) => !STRESS_MODEL_NAMES.includes(m));
}

/** The error's code and message (with its cause's, where the message does not already say it). */
function errorKey(e: unknown): string {
  if (!(e instanceof Error)) return `non-KilnError: ${String(e)}`;
  const cause = e.cause instanceof Error && !e.message.includes(e.cause.message) ? ` (cause: ${e.cause.message})` : '';
  return `${isKilnError(e) ? e.code : 'non-KilnError'}: ${e.message}${cause}`;
}

function threadCount(): number {
  try {
    const match = /^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) : -1;
  } catch {
    return -1;
  }
}

/** Messages from the child to the parent. */
type ChildMessage =
  | { kind: 'sample'; sample: StressSample }
  | { kind: 'cycle'; cycle: number; errors: Record<string, number> }
  | { kind: 'done'; errors: Record<string, number> };

const CHILD_ENV = 'KILN_BENCH_STRESS_CHILD';

export function isStressChild(): boolean {
  return process.env[CHILD_ENV] !== undefined;
}

/** The child: runs cycles [from, to) and reports through IPC. */
export async function runStressChild(): Promise<void> {
  const options = JSON.parse(process.env[CHILD_ENV]!) as StressOptions & { from: number };
  // Without its parent nobody reads the figures: stop.
  process.once('disconnect', () => process.exit(0));
  const send = (m: ChildMessage) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  // GC before each sample, without --expose-gc on the command line (a Worker refuses that flag in execArgv).
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as (options?: { type: string; execution: string; flavor: string }) => void;
  // V8's memory-reducing collection (what it runs under memory pressure): besides the garbage,
  // it releases the pages V8 keeps for allocation bursts (new-space capacity grown under load),
  // so that a sample measures what is retained, not how recently the heap was busy.
  const gc = () => collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  const t0 = performance.now();
  const mb = (bytes: number) => bytes / 2 ** 20;
  const sample = async (cycle: number, label: string) => {
    gc();
    const withIdleWorker = mb(process.memoryUsage.rss());
    // What stays once no session is alive: the workers kept idle for reuse are ended first.
    await releaseIdleWorkers();
    gc();
    const m = process.memoryUsage();
    await send({
      kind: 'sample',
      sample: {
        cycle,
        label,
        rss_mb: mb(m.rss),
        rss_with_idle_worker_mb: withIdleWorker,
        heap_mb: mb(m.heapUsed),
        new_space_mb: mb(getHeapSpaceStatistics().find((h) => h.space_name === 'new_space')?.space_size ?? 0),
        v8_resident_mb: mb(getHeapStatistics().total_physical_size),
        external_mb: mb(m.external),
        array_buffers_mb: mb(m.arrayBuffers),
        threads: threadCount(),
        regions: residentRegions(),
        elapsed_s: (performance.now() - t0) / 1000,
      },
    });
  };
  const models = stressModels(options.corpus, options.models);
  // The plan each session loads, built once the way `kiln build` would.
  const sources: (string | Uint8Array)[] = [];
  for (const m of models) {
    if (options.source === 'model') {
      sources.push(m.path);
      continue;
    }
    const built = await InferenceSession.create(m.path);
    sources.push(built.engine.serialize());
    await built.dispose();
  }
  const reference: (Record<string, Tensor> | undefined)[] = models.map(() => undefined);
  const errors: Record<string, number> = {};
  if (options.from === 0) await sample(0, 'start');
  for (let cycle = options.from; cycle < options.cycles; cycle++) {
    const i = cycle % models.length;
    try {
      const session = await InferenceSession.create(sources[i]!);
      try {
        const outputs = await session.run(models[i]!.feeds());
        const want = reference[i];
        if (!want) reference[i] = outputs;
        else {
          for (const [name, t] of Object.entries(want)) {
            if (!compareTensors(outputs[name]!, t, { rtol: 0, atol: 0 }).pass) throw new Error(`output '${name}' changed between runs`);
          }
        }
      } finally {
        await session.dispose();
      }
    } catch (e) {
      const key = errorKey(e);
      errors[key] = (errors[key] ?? 0) + 1;
    }
    const done = cycle + 1;
    if (done === options.warmup) await sample(done, 'after warm-up');
    else if (done > options.warmup && done % options.sampleEvery === 0 && done !== options.cycles) await sample(done, `${done} cycles`);
    if (done % 10 === 0) await send({ kind: 'cycle', cycle: done, errors });
  }
  await sample(options.cycles, 'end');
  await send({ kind: 'done', errors });
  // The 'disconnect' listener holds the IPC channel open: close it so the child exits.
  process.disconnect();
}

function startChild(options: StressOptions, from: number): ChildProcess {
  return fork(process.argv[1]!, process.argv.slice(2), {
    env: { ...process.env, [CHILD_ENV]: JSON.stringify({ ...options, log: undefined, from }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Runs the cycles in a child process; a crashed child is counted and replaced for the remaining cycles. */
export async function runStressSuite(options: StressOptions): Promise<StressReport> {
  const t0 = performance.now();
  const samples: StressSample[] = [];
  const crashes: StressReport['crashes'] = [];
  const errors: Record<string, number> = {};
  let done = 0;
  // Ctrl-C ends the run early with a report of the cycles done so far.
  let interrupted = false;
  let current: ChildProcess | undefined;
  const interrupt = () => {
    interrupted = true;
    current?.kill('SIGTERM');
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  while (done < options.cycles && !interrupted) {
    const child = startChild(options, done);
    current = child;
    let lastCycle = done;
    let childErrors: Record<string, number> = {};
    const finished = await new Promise<boolean>((resolve) => {
      let ok = false;
      child.on('message', (m: ChildMessage) => {
        if (m.kind === 'sample') {
          samples.push(m.sample);
          options.log(
            `stress: ${m.sample.label}: RSS ${m.sample.rss_mb.toFixed(1)} MiB${m.sample.regions ? ` (malloc arenas ${m.sample.regions.mallocArenasMb.toFixed(1)}, other anon ${m.sample.regions.otherAnonMb.toFixed(1)})` : ''} (${m.sample.elapsed_s.toFixed(0)} s)`,
          );
          return;
        }
        childErrors = m.errors;
        if (m.kind === 'cycle') lastCycle = m.cycle;
        else ok = true;
      });
      child.on('exit', (code, signal) => {
        if (!interrupted && (!ok || code !== 0)) crashes.push({ cycle: lastCycle, signal, code });
        resolve(ok && code === 0);
      });
    });
    for (const [k, n] of Object.entries(childErrors)) errors[k] = (errors[k] ?? 0) + n;
    if (finished) done = options.cycles;
    else if (interrupted) done = lastCycle;
    else {
      options.log(`stress: the child died after cycle ${lastCycle}; continuing in a new process`);
      // Progress is reported per 10 cycles: resume after the last report, at least one cycle on.
      done = Math.max(lastCycle, done + 1);
    }
  }
  process.off('SIGINT', interrupt);
  process.off('SIGTERM', interrupt);
  const find = (label: string) => samples.find((s) => s.label === label)?.rss_mb ?? Number.NaN;
  const warm = find('after warm-up');
  // An interrupted run ends at its last sample.
  const end = (interrupted ? samples.at(-1) : samples.filter((s) => s.label === 'end').at(-1))?.rss_mb ?? Number.NaN;
  return {
    cycles_requested: options.cycles,
    cycles_done: done,
    interrupted,
    warmup: options.warmup,
    source: options.source,
    models: stressModels(options.corpus, options.models).map((m) => m.name),
    malloc_arena_max: process.env.MALLOC_ARENA_MAX ?? null,
    seconds: (performance.now() - t0) / 1000,
    crashes,
    errors,
    samples,
    rss_start_mb: find('start'),
    rss_warm_mb: warm,
    rss_end_mb: end,
    rss_growth_pct: ((end - warm) / warm) * 100,
  };
}

export function formatStressTable(r: StressReport): string {
  const lines = [
    '| cycle | sample | RSS MiB | with idle worker MiB | malloc main / arenas MiB | other anon MiB | V8 new space MiB | V8 resident MiB | heap MiB | external MiB | arrayBuffers MiB | threads | elapsed s |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of r.samples) {
    const g = s.regions;
    const regions = g ? `${g.mallocMainMb.toFixed(1)} / ${g.mallocArenasMb.toFixed(1)} | ${g.otherAnonMb.toFixed(1)}` : '– | –';
    lines.push(
      `| ${s.cycle} | ${s.label} | ${s.rss_mb.toFixed(1)} | ${s.rss_with_idle_worker_mb.toFixed(1)} | ${regions} | ${s.new_space_mb.toFixed(1)} | ${s.v8_resident_mb.toFixed(1)} | ${s.heap_mb.toFixed(1)} | ${s.external_mb.toFixed(1)} | ` +
        `${s.array_buffers_mb.toFixed(1)} | ${s.threads} | ${s.elapsed_s.toFixed(1)} |`,
    );
  }
  const errors = Object.entries(r.errors).filter(([, n]) => n > 0);
  const failed = errors.reduce((sum, [, n]) => sum + n, 0);
  lines.push(
    '',
    `cycles ${r.cycles_done}/${r.cycles_requested}${r.interrupted ? ' (interrupted)' : ''} (${r.models.join(' / ')} alternating, from ${r.source}` +
      `${r.malloc_arena_max === null ? '' : `, MALLOC_ARENA_MAX=${r.malloc_arena_max}`}) in ${r.seconds.toFixed(0)} s; ` +
      `crashes ${r.crashes.length}; failed cycles ${failed}; ` +
      `RSS start ${r.rss_start_mb.toFixed(1)} MiB, after warm-up ${r.rss_warm_mb.toFixed(1)} MiB, end ${r.rss_end_mb.toFixed(1)} MiB ` +
      `(${r.rss_growth_pct >= 0 ? '+' : ''}${r.rss_growth_pct.toFixed(1)}% since warm-up)`,
  );
  for (const [message, n] of errors.sort((a, b) => b[1] - a[1])) lines.push(`  ${n}× ${message}`);
  return lines.join('\n');
}
