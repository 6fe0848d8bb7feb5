/**
 * `kiln bench`: the report's structure, counts and ordering, the JSON file, and clean errors.
 * It is a measuring tool, so nothing here asserts how long anything took.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@kiln-inference/testkit';
import { ErrorCode, KilnError } from 'kiln-inference';
import { describe, expect, it } from 'vitest';
import { type BenchReport, benchModel, formatBench } from '../src/cli/commands/bench.js';
import { latencyStats } from '../src/cli/latency-stats.js';

const root = repoRoot();
const cli = join(root, 'packages/kiln/dist/cli.js');
const model = join(root, 'examples/tiny-cnn/model.onnx'); // image: float32[batch,1,8,8]
const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-'));
const kiln = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root });

/** The report's figures are measured times: finite and non-negative (their order is latencyStats' job, tested below on fixed samples). */
function expectMeasured(r: BenchReport) {
  for (const v of Object.values(r.latencyMs)) {
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThanOrEqual(0);
  }
}

describe('latencyStats', () => {
  it('gives nearest-rank percentiles, each a measured value', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted
    expect(latencyStats(samples)).toEqual({ min: 1, mean: 50.5, p50: 50, p90: 90, p99: 99, max: 100 });
    expect(latencyStats([3])).toEqual({ min: 3, mean: 3, p50: 3, p90: 3, p99: 3, max: 3 });
    expect(() => latencyStats([])).toThrow(RangeError);
  });

  it('orders its figures for any samples: min <= p50 <= p90 <= p99 <= max, the mean within', () => {
    for (let n = 1; n <= 60; n++) {
      // Fixed, uneven samples (no clock): a sawtooth with outliers.
      const samples = Array.from({ length: n }, (_, i) => ((i * 37) % 11) + (i % 7 === 0 ? 100 : 0));
      const l = latencyStats(samples);
      expect([l.min, l.p50, l.p90, l.p99, l.max]).toEqual([l.min, l.p50, l.p90, l.p99, l.max].sort((a, b) => a - b));
      expect(l.mean).toBeGreaterThanOrEqual(l.min);
      expect(l.mean).toBeLessThanOrEqual(l.max);
    }
  });
});

describe('benchModel', () => {
  it('times exactly --iterations runs of random inputs at the --shapes shape', async () => {
    const r = await benchModel(model, { shapes: new Map([['image', [2, 1, 8, 8]]]), warmup: 2, iterations: 7, command: 'kiln bench x' });
    expect(r.iterations).toBe(7);
    expect(r.warmup).toBe(2);
    expect(r.inputs).toEqual([{ name: 'image', dtype: 'float32', shape: [2, 1, 8, 8], source: 'random' }]);
    expect(r.backend).toBe('cpu');
    expect(r.command).toBe('kiln bench x');
    expect(r.machine.cores).toBe(cpus().length);
    expect(Number.isNaN(Date.parse(r.date))).toBe(false);
    expectMeasured(r);
    expect(r.throughput).toBeGreaterThan(0);
    const text = formatBench(r);
    expect(text).toMatch(/latency ms +min +mean +p50 +p90 +p99 +max\n( +\d+\.\d{3}){6}\n/);
    expect(text).toContain('runs        2 warmup, 7 timed in');
    expect(text).toMatch(/throughput {2}\d+\.\d{2} inferences\/s$/);
  });

  it('feeds --input files, and with --duration runs until the time has passed', async () => {
    const r = await benchModel(model, { inputs: [join(root, 'examples/tiny-cnn/input.npy')], warmup: 0, duration: 0.05 });
    expect(r.inputs).toEqual([{ name: 'image', dtype: 'float32', shape: [1, 1, 8, 8], source: 'file' }]);
    expect(r.iterations).toBeGreaterThanOrEqual(1);
    expect(r.totalMs).toBeGreaterThanOrEqual(50);
    expectMeasured(r);
  });

  it('refuses a symbolic input without --shapes, and --shapes for an input that does not exist, naming them', async () => {
    await expect(benchModel(model, { iterations: 1 })).rejects.toSatisfy(
      (e) => e instanceof KilnError && e.code === ErrorCode.INVALID_SHAPE && /input 'image'.*--shapes image:1x1x8x8/.test(e.message),
    );
    await expect(benchModel(model, { shapes: new Map([['img', [1, 1, 8, 8]]]), iterations: 1 })).rejects.toThrow(
      /'img', which is not an input/,
    );
  });
});

describe('kiln bench from the command line', () => {
  it('prints the table and writes the JSON report', () => {
    expect(existsSync(cli), `${cli} is missing: run pnpm build`).toBe(true);
    const json = join(dir, 'bench.json');
    const r = kiln('bench', model, '--shapes', 'image:1x1x8x8', '--warmup', '1', '--iterations', '5', '--json', json);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('runs        1 warmup, 5 timed');
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(Object.keys(report).sort()).toEqual(
      ['backend', 'command', 'date', 'inputs', 'iterations', 'latencyMs', 'machine', 'model', 'throughput', 'totalMs', 'warmup'].sort(),
    );
    expect(report.model).toBe(model);
    expect(report.iterations).toBe(5);
    expect(report.command).toBe(`kiln bench ${model} --shapes image:1x1x8x8 --warmup 1 --iterations 5 --json ${json}`);
    expect(Object.keys(report.machine).sort()).toEqual(['cores', 'cpu', 'os']);
    expect(Object.keys(report.latencyMs)).toEqual(['min', 'mean', 'p50', 'p90', 'p99', 'max']);
    expectMeasured(report);
  });

  it('fails cleanly: a bad model path exits 1, bad flags exit 2 naming the flag, never a stack trace', () => {
    const missing = kiln('bench', join(dir, 'absent.onnx'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^kiln: error \[[A-Z_]+\]: .*absent\.onnx/);
    for (const [args, message] of [
      [['--shapes', 'image:1xx8'], /--shapes 'image:1xx8' should look like NAME:1x3x48x192/],
      [['--iterations', '0'], /--iterations takes a whole number ≥ 1, got '0'/],
      [['--backend', 'tpu'], /argument 'tpu' is invalid. Allowed choices are cpu, cuda/],
    ] as const) {
      const r = kiln('bench', model, ...args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
