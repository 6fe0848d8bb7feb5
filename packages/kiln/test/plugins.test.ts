/**
 * Plugins through the umbrella: InferenceSession.create's `plugins` option (package paths or
 * plugin objects) and `kiln build|run|partition --plugin`, with the fixture plugin package of
 * @kiln-inference/plugin-sdk and an ONNX model whose custom-domain node (acme::Clip) only it
 * converts. The CLI runs from the sources with tsx, so no build is needed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode, Graph, isKilnError, parseNpy, serializeNpy, Tensor } from '@kiln-inference/core';
import { exportOnnx } from '@kiln-inference/onnx';
import { definePlugin, field } from '@kiln-inference/plugin-sdk';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { inspectModel } from '../src/cli/commands/inspect.js';
import { createInferenceGraph, InferenceSession, planFor, serializePlan } from '../src/index.js';

const root = resolve(__dirname, '../../..');
const FIXTURE = join(root, 'packages/plugin-sdk/test/fixtures/kiln-plugin-clip');
const dir = mkdtempSync(join(tmpdir(), 'kiln-plugins-'));

/** x[2,3] → Relu → acme::Clip(max 2) → y, as ONNX model bytes. */
function clipModel(): Uint8Array {
  return exportOnnx(
    new Graph({
      format: 'onnx',
      nodes: [
        { name: 'relu', op: 'Relu', domain: '', inputs: ['x'], outputs: ['r'], attributes: {} },
        { name: 'clip', op: 'Clip', domain: 'acme', inputs: ['r'], outputs: ['y'], attributes: { max: { kind: 'float', value: 2 } } },
      ],
      inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [2, 3] } }],
      outputs: [{ name: 'y', type: { kind: 'tensor', dtype: 'float32', shape: [2, 3] } }],
      opsetImports: [
        { domain: '', version: 17 },
        { domain: 'acme', version: 1 },
      ],
    }),
  );
}

const X = new Tensor('float32', [2, 3], new Float32Array([-3, 0.5, 1, 2, 2.5, 9]));
const EXPECTED = new Tensor('float32', [2, 3], new Float32Array([0, 0.5, 1, 2, 2, 2]));

function kiln(...args: string[]) {
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  return spawnSync(tsx, ['--tsconfig', 'tsconfig.dev.json', 'packages/kiln/src/cli/main.ts', ...args], { encoding: 'utf8', cwd: root });
}

describe('InferenceSession.create({ plugins })', () => {
  it('loads a plugin package by path, converts its op and runs it', async () => {
    const session = await InferenceSession.create(clipModel(), { plugins: [FIXTURE] });
    try {
      expectTensorClose((await session.run({ x: X })).y!, EXPECTED, { rtol: 0, atol: 0 });
    } finally {
      await session.dispose();
    }
  });

  it('takes plugin objects too, and reports a model whose custom op no plugin converts', async () => {
    const Clip = definePlugin({
      namespace: 'acme',
      name: 'Clip',
      version: '1',
      fields: { min: field.float({ default: 0 }), max: field.float({ default: 6 }) },
      outputs: ({ inputs }) => [{ dtype: 'float32', shape: inputs[0]!.shape }],
      cpu: ({ inputs, fields }) =>
        new Tensor(
          'float32',
          inputs[0]!.shape,
          Float32Array.from(inputs[0]!.data as Float32Array, (v) => Math.min(fields.max, Math.max(fields.min, v))),
        ),
    });
    const session = await InferenceSession.create(clipModel(), { plugins: [Clip] });
    expectTensorClose((await session.run({ x: X })).y!, EXPECTED, { rtol: 0, atol: 0 });
    await session.dispose();
    const e = await InferenceSession.create(clipModel()).catch((error: unknown) => error);
    expect(isKilnError(e, ErrorCode.UNSUPPORTED_OP)).toBe(true);
    expect((e as Error).message).toContain("node 'clip' (Clip)");
  });

  it('loads a plan only with the plugin it records', async () => {
    const plan = serializePlan(await planFor(clipModel(), { plugins: [FIXTURE] }));
    const e = await InferenceSession.create(plan).catch((error: unknown) => error);
    expect(isKilnError(e, ErrorCode.PLAN_MISSING_PLUGIN)).toBe(true);
    expect((e as Error).message).toContain('acme::Clip@1 from @acme/kiln-plugin-clip@1.2.0');
    const session = await InferenceSession.create(plan, { plugins: [FIXTURE] });
    expectTensorClose((await session.run({ x: X })).y!, EXPECTED, { rtol: 0, atol: 0 });
    await session.dispose();
  });
});

describe('createInferenceGraph({ plugins })', () => {
  it('converts the plugin node and runs it on the CPU fallback beside an engine', async () => {
    const graph = await createInferenceGraph({ onnxModel: clipModel(), minimumSegmentSize: 1, plugins: [FIXTURE] });
    try {
      expect(graph.report.segments.map((s) => s.nodes)).toEqual([['relu']]);
      expect(graph.report.fallback.map((f) => [f.domain, f.op, f.reasons.map((r) => r.category)])).toEqual([
        ['acme', 'Clip', ['unsupported-layer']],
      ]);
      expectTensorClose((await graph.run({ x: X })).y!, EXPECTED, { rtol: 0, atol: 0 });
    } finally {
      await graph.dispose();
    }
  });
});

describe('kiln --plugin', () => {
  it('builds a plan with the plugin, runs it with the plugin and refuses to run it without', () => {
    const model = join(dir, 'clip.onnx');
    const plan = join(dir, 'clip.plan');
    writeFileSync(model, clipModel());
    writeFileSync(join(dir, 'x.npy'), serializeNpy(X));
    const build = kiln('build', model, '-o', plan, '--no-tune', '--plugin', FIXTURE);
    expect(build.status, build.stderr).toBe(0);
    const run = kiln('run', plan, '--input', `x=${join(dir, 'x.npy')}`, '--output-dir', join(dir, 'out'), '--plugin', FIXTURE);
    expect(run.status).toBe(0);
    expectTensorClose(parseNpy(new Uint8Array(readFileSync(join(dir, 'out', 'y.npy')))), EXPECTED, { rtol: 0, atol: 0 });
    const inspect = kiln('inspect', plan);
    expect(inspect.stdout).toContain('plugins     acme::Clip@1 (@acme/kiln-plugin-clip@1.2.0)');
    const without = kiln('run', plan, '--input', `x=${join(dir, 'x.npy')}`, '--output-dir', join(dir, 'out2'));
    expect(without.status).not.toBe(0);
    expect(without.stderr).toContain('acme::Clip@1 from @acme/kiln-plugin-clip@1.2.0');
    expect(without.stderr).toContain('--plugin @acme/kiln-plugin-clip');
  });

  it('inspects a model with the plugin: its op counts as supported', async () => {
    const model = join(dir, 'clip-inspect.onnx');
    writeFileSync(model, clipModel());
    expect((await inspectModel(model, { plugins: [FIXTURE] })).unsupportedNodes).toEqual([]);
    expect((await inspectModel(model)).unsupportedNodes.map((n) => n.op)).toEqual(['acme::Clip']);
  });

  it('partitions with the plugin: its node converts and falls back to the CPU with the reason', () => {
    const model = join(dir, 'clip-partition.onnx');
    const json = join(dir, 'partition.json');
    writeFileSync(model, clipModel());
    const withPlugin = kiln('partition', model, '--target', 'cuda', '--min-segment-size', '1', '--json', json, '--plugin', FIXTURE);
    expect(withPlugin.status).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.segments.map((s: { nodes: string[] }) => s.nodes)).toEqual([['relu']]);
    // Converted (no 'unsupported-op'), then kept off the GPU by the layer table: plugins run on the CPU.
    expect(report.fallback).toEqual([
      expect.objectContaining({
        op: 'Clip',
        domain: 'acme',
        reasons: [expect.objectContaining({ category: 'unsupported-layer', nodes: ['clip'] })],
      }),
    ]);
    const without = kiln('partition', model, '--target', 'cuda', '--json', json);
    expect(without.status).toBe(0);
    expect(JSON.parse(readFileSync(json, 'utf8')).fallback[0].reasons[0].category).toBe('unsupported-op');
  });
});
