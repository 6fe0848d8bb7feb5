/**
 * A script that uses the umbrella, bundled with esbuild (ESM and CJS output) into a folder
 * outside the repository, as an application would ship it. The bundle must run correctly and
 * either find its natives — through KILN_CPU_NATIVE_PATH / KILN_ENGINE_WORKER_PATH, or through
 * a node_modules beside it that holds the packages — or say loudly why not. Runs the built
 * packages; run `pnpm build` (and `pnpm build:native` for the native cases) before this file alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { prebuiltPackageName } from '@kiln-inference/cpu-runtime';
import { expectTensorClose, nativeRequired, readNpyFile } from '@kiln-inference/testkit';
import { buildSync } from 'esbuild';
import { Tensor } from 'kiln-inference';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const umbrella = join(root, 'packages/kiln/dist/index.js');
const cpuAddon = join(root, 'packages/cpu-runtime/build/Release/kiln_cpu.node');
const workerScript = join(root, 'packages/engine/dist/engine-worker.js');
const example = (f: string) => join(root, 'examples/tiny-cnn', f);
const input = readNpyFile(example('input.npy'));
const expected = readNpyFile(example('expected_output.npy'));

// No top-level await, so the same source bundles to CJS too.
const app = `
import { InferenceSession, Tensor } from 'kiln-inference';
async function main() {
  const session = await InferenceSession.create(process.argv[2]);
  const input = Tensor.fromValues('float32', ${JSON.stringify(input.shape)}, ${JSON.stringify([...input.data])});
  const outputs = await session.run({ [session.inputNames[0]]: input });
  console.log(JSON.stringify([...Object.values(outputs)[0].data]));
  await session.release();
}
main();
`;

// Asks for CUDA where @kiln-inference/cuda-runtime is not installed: a status that says so, and a KilnError.
const cudaApp = `
import { cudaStatus, InferenceSession } from 'kiln-inference';
async function main() {
  const status = cudaStatus();
  const error = await InferenceSession.create(process.argv[2], { executionProviders: ['cuda'] }).then(() => null, (e) => e);
  console.log(JSON.stringify({ addonLoaded: status.addonLoaded, reason: status.reason, name: error?.name, code: error?.code, message: error?.message }));
}
main();
`;

/** Bundles the app into a fresh folder; the umbrella is found by alias, as if installed where esbuild ran. */
function bundle(format: 'esm' | 'cjs', source = app): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bundle-'));
  writeFileSync(join(dir, 'app.mjs'), source);
  const outfile = join(dir, 'dist', format === 'esm' ? 'app.mjs' : 'app.cjs');
  buildSync({
    entryPoints: [join(dir, 'app.mjs')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format,
    outfile,
    alias: { 'kiln-inference': umbrella },
    // The packages' ESM builds read import.meta.url, empty in CJS output by design (see tsup configs).
    logOverride: { 'empty-import-meta': 'silent' },
    logLevel: 'error',
  });
  return outfile;
}

function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const vars: NodeJS.ProcessEnv = { ...process.env };
  // The bundle without its natives is expected to fall back; CI's KILN_REQUIRE_NATIVE=1 would refuse.
  delete vars.KILN_REQUIRE_NATIVE;
  // pnpm's script shims put the workspace's hoisted packages on NODE_PATH; a shipped bundle has none.
  delete vars.NODE_PATH;
  return Object.assign(vars, env);
}

function run(bundled: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bundled, example('model.onnx')], { encoding: 'utf8', env: childEnv(env) });
  expect(r.status, r.stderr).toBe(0);
  expectTensorClose(Tensor.fromValues('float32', expected.shape, JSON.parse(r.stdout) as number[]), expected, { rtol: 1e-5, atol: 1e-6 });
  return r.stderr
    .split('\n')
    .filter((l) => l.includes('KilnPerformanceWarning'))
    .map((l) => /\[(KILN_\w+)\]/.exec(l)?.[1]);
}

const nativeBuilt = existsSync(cpuAddon);
// The per-platform package of a prebuilt kiln_cpu.node for this machine, where the repository has one.
const platformPackage = prebuiltPackageName().replace('@kiln-inference/', '');
const hasPlatformPackage = existsSync(join(root, 'packages', platformPackage, 'package.json'));

describe.each(['esm', 'cjs'] as const)('an esbuild bundle (%s)', (format) => {
  it('is built', () => {
    expect(existsSync(umbrella), `${umbrella} is missing: run pnpm build`).toBe(true);
  });

  it('runs without its natives and says so loudly, once each', () => {
    expect(run(bundle(format))).toEqual(['KILN_REFERENCE_KERNELS', 'KILN_MAIN_THREAD']);
  });

  it.skipIf(!nativeBuilt && !nativeRequired())(
    `finds its natives through KILN_CPU_NATIVE_PATH and KILN_ENGINE_WORKER_PATH${nativeBuilt ? '' : ' (skipped: kiln_cpu.node not built)'}`,
    () => {
      expect(run(bundle(format), { KILN_CPU_NATIVE_PATH: cpuAddon, KILN_ENGINE_WORKER_PATH: workerScript })).toEqual([]);
    },
  );

  it.skipIf(!nativeBuilt && !nativeRequired())(
    `finds its natives through a node_modules beside it${nativeBuilt ? '' : ' (skipped: kiln_cpu.node not built)'}`,
    () => {
      const bundled = bundle(format);
      const scope = join(bundled, '../../node_modules/@kiln-inference');
      mkdirSync(scope, { recursive: true });
      for (const pkg of ['core', 'cpu-runtime', 'engine']) symlinkSync(join(root, 'packages', pkg), join(scope, pkg), 'dir');
      expect(run(bundled)).toEqual([]);
    },
  );

  it.skipIf((!nativeBuilt && !nativeRequired()) || !hasPlatformPackage)(
    `finds kiln_cpu.node in the per-platform package beside it${nativeBuilt && hasPlatformPackage ? '' : ' (skipped: kiln_cpu.node not built, or no platform package for this machine)'}`,
    () => {
      const bundled = bundle(format);
      // As npm installs it: only the platform package, holding the addon (linked here, not copied).
      const pkg = join(bundled, '../../node_modules/@kiln-inference', platformPackage);
      mkdirSync(pkg, { recursive: true });
      symlinkSync(join(root, 'packages', platformPackage, 'package.json'), join(pkg, 'package.json'));
      symlinkSync(cpuAddon, join(pkg, 'kiln_cpu.node'));
      expect(run(bundled, { KILN_ENGINE_WORKER_PATH: workerScript })).toEqual([]);
    },
  );

  it('without @kiln-inference/cuda-runtime installed, CUDA requests say what to install', () => {
    const r = spawnSync(process.execPath, [bundle(format, cudaApp), example('model.onnx')], { encoding: 'utf8', env: childEnv({}) });
    expect(r.status, r.stderr).toBe(0);
    const answer = JSON.parse(r.stdout) as { addonLoaded: boolean; reason: string; name: string; code: string; message: string };
    expect(answer.addonLoaded).toBe(false);
    expect(answer.reason).toBe(
      'the CUDA backend needs @kiln-inference/cuda-runtime, which is not installed Hint: install it beside kiln (npm install @kiln-inference/cuda-runtime), or use the CPU backend',
    );
    expect(answer.name).toBe('KilnError');
    expect(answer.code).toBe('NATIVE_UNAVAILABLE');
    expect(answer.message).toContain('cuda (device 0): the CUDA backend needs @kiln-inference/cuda-runtime, which is not installed');
  });
});
