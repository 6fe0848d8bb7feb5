/**
 * The built CLI and package, as users get them. `pnpm test` builds first; run `pnpm build`
 * before running this file alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expectTensorClose, readNpyFile } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const cli = join(root, 'packages/kiln/dist/cli.js');
const example = (f: string) => join(root, 'examples/tiny-cnn', f);

function kiln(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root });
}

describe('the built kiln CLI', () => {
  it('is built', () => {
    expect(existsSync(cli), `${cli} is missing: run pnpm build`).toBe(true);
  });

  it('prints its version and help', () => {
    expect(kiln('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = kiln('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('inspect MODEL');
  });

  it('doctor reports native addons and CUDA devices ("none" without a GPU)', () => {
    const r = kiln('doctor', '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.node).toBe(process.version);
    expect(Array.isArray(report.cuda.devices)).toBe(true);
    expect(kiln('doctor').stdout).toMatch(/cuda devices\n {4}(none|\[0\])/);
  });

  it('inspects the example model', () => {
    const r = kiln('inspect', example('model.onnx'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.format).toBe('onnx');
    expect(report.ops.map((o: { op: string }) => o.op).sort()).toEqual(['Conv', 'Flatten', 'Gemm', 'MaxPool', 'Relu', 'Softmax']);
    expect(report.parameters).toBe(4 * 9 + 4 + 3 * 64 + 3);
    expect(report.unsupportedNodes).toEqual([]);
  });

  it('runs the example model and writes .npy outputs with an index', () => {
    const out = mkdtempSync(join(tmpdir(), 'kiln-run-'));
    const r = kiln('run', example('model.onnx'), '--input', `image=${example('input.npy')}`, '--output-dir', out);
    expect(r.status, r.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(out, 'outputs.json'), 'utf8'));
    expect(index.outputs[0].name).toBe('probabilities');
    expectTensorClose(readNpyFile(join(out, index.outputs[0].file)), readNpyFile(example('expected_output.npy')), {
      rtol: 1e-5,
      atol: 1e-6,
    });
  });

  it('builds for --shapes, says so, and the plan refuses a shape outside them', () => {
    expect(kiln('build', '--help').stdout).toMatch(/--shapes x:1x3x48x192[\s\S]*--min-shapes\/--opt-shapes\/--max-shapes/);
    const plan = join(mkdtempSync(join(tmpdir(), 'kiln-shapes-')), 'tiny.plan');
    const built = kiln('build', example('model.onnx'), '-o', plan, '--shapes', 'image:2x1x8x8');
    expect(built.status, built.stderr).toBe(0);
    expect(built.stdout).toContain('profile: image 2x1x8x8');
    const r = kiln('run', plan, '--input', `image=${example('input.npy')}`, '--output-dir', mkdtempSync(join(tmpdir(), 'kiln-run-')));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^kiln: error \[FEED_SHAPE_MISMATCH\]: input 'image' was fed shape \[1,1,8,8\], outside .*\[2x1x8x8\]/);
    const unknown = kiln('build', example('model.onnx'), '-o', plan, '--shapes', 'img:1x1x8x8');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^kiln: error \[INVALID_ARGUMENT\]: optimization profile names 'img', which is not an input/m);
  });

  it('fails with one readable line and exit code 1 on bad input', () => {
    const r = kiln('run', example('model.onnx'), '--input', `nosuch=${example('input.npy')}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^kiln: error \[UNKNOWN_FEED\]: .*nosuch/);
  });
});

describe('the built package from a scratch project', () => {
  it('works with both import and require', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-scratch-'));
    // The published name, from the manifest, so a rename of the package needs no edit here.
    const name: string = JSON.parse(readFileSync(join(root, 'packages/kiln/package.json'), 'utf8')).name;
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, dependencies: { [name]: `file:${join(root, 'packages/kiln')}` } }),
    );
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(root, 'packages/kiln'), join(dir, 'node_modules', name), 'dir');
    const code =
      "const t = k.Tensor.fromValues('float16', [2], [1, 2]); console.log(typeof k.InferenceSession, t.toArray().join(','), k.KILN_VERSION);";
    writeFileSync(join(dir, 'esm.mjs'), `import * as k from '${name}';\n${code}\n`);
    writeFileSync(join(dir, 'cjs.cjs'), `const k = require('${name}');\n${code}\n`);
    for (const file of ['esm.mjs', 'cjs.cjs']) {
      const out = execFileSync(process.execPath, [join(dir, file)], { encoding: 'utf8', cwd: dir });
      expect(out.trim()).toMatch(/^function 1,2 \d+\.\d+\.\d+$/);
    }
  });
});
