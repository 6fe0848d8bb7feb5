/**
 * `kiln partition`: the report it computes for a corpus model on the cpu and cuda targets, the
 * JSON and HTML files it writes, its summary table, and the command line itself (run from the
 * sources with tsx, so no build is needed).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CORPUS_MISSING_MESSAGE, corpusDir } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { formatPartition, partitionModel } from '../src/cli/commands/partition.js';

const root = resolve(__dirname, '../../..');
const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);
const model = corpus ? join(corpus, 'onnx-backend', 'light', 'light_inception_v1.onnx') : '';
const dir = mkdtempSync(join(tmpdir(), 'kiln-partition-'));

function kiln(...args: string[]) {
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  return spawnSync(tsx, ['--tsconfig', 'tsconfig.dev.json', 'packages/kiln/src/cli/main.ts', ...args], { encoding: 'utf8', cwd: root });
}

describe.skipIf(!corpus)('kiln partition', () => {
  it('writes the JSON report with node counts, coverage and segments, and the HTML picture', async () => {
    const json = join(dir, 'inception.json');
    const html = join(dir, 'inception.html');
    const report = await partitionModel(model, { target: 'cpu', minimumSegmentSize: 3, json, html });
    const written = JSON.parse(readFileSync(json, 'utf8'));
    expect(written).toMatchObject({
      target: 'cpu',
      format: 'onnx',
      nodesBefore: 237,
      nodesAfter: report.nodesAfter,
      coverage: report.coverage,
    });
    expect(written.segments.length).toBe(report.segments.length);
    expect(report.nodesAfter).toBeLessThan(10);
    expect(report.coverage).toBeGreaterThan(95);
    // Every node is in exactly one engine or on the fallback list.
    const inSegments = report.segments.reduce((a, s) => a + s.size, 0);
    const fallback = report.fallback.reduce((a, f) => a + f.count, 0);
    expect(inSegments + fallback).toBe(report.nodesBefore);
    expect(report.nodesAfter).toBe(report.segments.length + fallback);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/i);
    expect(page).toContain('<svg');
  });

  it('answers the cuda target from the same native support table', async () => {
    const cpu = await partitionModel(model, { target: 'cpu', minimumSegmentSize: 3 });
    const cuda = await partitionModel(model, { target: 'cuda', minimumSegmentSize: 3 });
    expect(cuda.segments.map((s) => s.nodeIndices)).toEqual(cpu.segments.map((s) => s.nodeIndices));
    for (const f of cuda.fallback) for (const r of f.reasons) expect(r.reason).not.toMatch(/\bcpu\b/);
  });

  it('honours --min-segment-size: a larger minimum never keeps a smaller segment', async () => {
    const big = await partitionModel(model, { target: 'cpu', minimumSegmentSize: 50 });
    expect(big.segments.every((s) => s.size >= 50)).toBe(true);
    expect(big.dropped.every((d) => d.size < 50)).toBe(true);
  });

  it('prints a summary table', async () => {
    const report = await partitionModel(model, { target: 'cpu', minimumSegmentSize: 3 });
    const text = formatPartition(report);
    expect(text).toContain(`nodes       237 → ${report.nodesAfter}`);
    expect(text).toMatch(/coverage {4}\d+\.\d% of nodes in engines/);
    expect(text).toMatch(/kiln_engine_0 +\d+/);
  });

  it('runs from the command line and rejects bad arguments with a usage error', () => {
    const json = join(dir, 'cli.json');
    const ok = kiln('partition', model, '--target', 'cuda', '--min-segment-size', '3', '--json', json);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('target      cuda');
    expect(JSON.parse(readFileSync(json, 'utf8'))).toHaveProperty('nodesBefore', 237);
    const badTarget = kiln('partition', model, '--target', 'tpu');
    expect(badTarget.status).toBe(1);
    expect(badTarget.stderr).toMatch(/unknown target 'tpu'/);
    const badSize = kiln('partition', model, '--min-segment-size', 'three');
    expect(badSize.stderr).toMatch(/--min-segment-size takes a whole number/);
    expect(kiln('--help').stdout).toContain('partition MODEL --target cpu|cuda');
  }, 60_000);
});
