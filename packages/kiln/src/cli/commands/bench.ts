/**
 * `kiln bench MODEL`: trtexec's measurement for Kiln. Loads the model (or plan) once, feeds
 * random inputs (or --input files), runs --warmup untimed inferences, then times each `run()`
 * awaited with performance.now() for --iterations runs or --duration seconds, whichever asks
 * for more. Reports latency percentiles and throughput as a table and, with --json, a file.
 */
import { writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { ErrorCode, KilnError, type Tensor } from '@kiln-inference/core';
import { InferenceSession, type SessionOptions } from '../../session.js';
import { readFeeds } from '../feed-files.js';
import { type LatencyStats, latencyStats } from '../latency-stats.js';
import { randomFeeds } from '../random-feeds.js';

export interface BenchOptions {
  session?: SessionOptions;
  /** --input NAME=FILE specs; random inputs when empty. */
  inputs?: readonly string[];
  /** Shapes for inputs with symbolic dims (from --shapes). */
  shapes?: ReadonlyMap<string, readonly number[]>;
  warmup?: number;
  iterations?: number;
  /** Seconds: keep running until this much time has passed (and --iterations runs, if given). */
  duration?: number;
  /** The command line, recorded in the report. */
  command?: string;
  /** Where to write the report as JSON. */
  json?: string;
}

export interface BenchReport {
  model: string;
  backend: string;
  command: string;
  date: string;
  machine: { os: string; cpu: string; cores: number };
  inputs: { name: string; dtype: string; shape: number[]; source: 'random' | 'file' }[];
  warmup: number;
  iterations: number;
  /** Wall time of the timed runs, in ms. */
  totalMs: number;
  latencyMs: LatencyStats;
  /** Inferences per second over the timed runs. */
  throughput: number;
}

const DEFAULT_WARMUP = 10;
const DEFAULT_ITERATIONS = 100;

export async function benchModel(model: string, options: BenchOptions = {}): Promise<BenchReport> {
  const warmup = options.warmup ?? DEFAULT_WARMUP;
  const minimumRuns = options.iterations ?? (options.duration !== undefined ? 1 : DEFAULT_ITERATIONS);
  const session = await InferenceSession.create(model, options.session ?? {});
  try {
    const fromFiles = (options.inputs?.length ?? 0) > 0;
    const feeds: Record<string, Tensor> = fromFiles
      ? readFeeds(options.inputs!, session.inputs)
      : randomFeeds(session.inputs, options.shapes ?? new Map());
    for (let i = 0; i < warmup; i++) await session.run(feeds);
    const latencies: number[] = [];
    const deadline = options.duration !== undefined ? options.duration * 1000 : 0;
    const start = performance.now();
    while (latencies.length < minimumRuns || performance.now() - start < deadline) {
      const t0 = performance.now();
      await session.run(feeds);
      latencies.push(performance.now() - t0);
    }
    const totalMs = performance.now() - start;
    return {
      model,
      backend: options.session?.backend ?? 'cpu',
      command: options.command ?? '',
      date: new Date().toISOString(),
      machine: { os: `${platform()} ${release()}`, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
      inputs: Object.entries(feeds).map(([name, t]) => ({
        name,
        dtype: t.dtype,
        shape: [...t.shape],
        source: fromFiles ? ('file' as const) : ('random' as const),
      })),
      warmup,
      iterations: latencies.length,
      totalMs,
      latencyMs: latencyStats(latencies),
      throughput: latencies.length / (totalMs / 1000),
    };
  } finally {
    await session.dispose();
  }
}

export function writeBenchJson(path: string, report: BenchReport): void {
  try {
    writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  } catch (e) {
    throw new KilnError(ErrorCode.IO_ERROR, `cannot write '${path}': ${(e as Error).message}`, {
      hint: 'check that the folder exists and is writable',
      cause: e,
    });
  }
}

export function formatBench(r: BenchReport): string {
  const ms = (v: number) => v.toFixed(3).padStart(10);
  const l = r.latencyMs;
  return [
    `model       ${r.model} (${r.backend})`,
    ...r.inputs.map((i) => `input       ${i.name}: ${i.dtype}[${i.shape.join('x')}] (${i.source})`),
    `runs        ${r.warmup} warmup, ${r.iterations} timed in ${(r.totalMs / 1000).toFixed(2)} s`,
    '',
    `latency ms  ${['min', 'mean', 'p50', 'p90', 'p99', 'max'].map((h) => h.padStart(10)).join('')}`,
    `            ${[l.min, l.mean, l.p50, l.p90, l.p99, l.max].map(ms).join('')}`,
    `throughput  ${r.throughput.toFixed(2)} inferences/s`,
  ].join('\n');
}
