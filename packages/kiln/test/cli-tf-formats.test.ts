/**
 * The built CLI on the TensorFlow-family formats of the corpus: a frozen GraphDef (.pb), a
 * TensorFlow.js model.json and a UFF file, each inspected or run and compared with the corpus'
 * kiln-corpus-reference/1 outputs. Run `pnpm --filter kiln-inference build` before running this file alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DType } from '@kiln-inference/core';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose, readNpyFile, readRawFile } from '@kiln-inference/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const cli = join(root, 'packages/kiln/dist/cli.js');
const corpus = corpusDir();
const outDirs: string[] = [];
afterAll(() => {
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

interface RefTensor {
  name: string;
  dtype?: DType;
  shape: number[];
  file: string;
  argmax?: number;
}
interface Reference {
  tolerance: { rtol: number; atol: number };
  cases: { dir: string; feeds: RefTensor[]; outputs: RefTensor[] }[];
}

function kiln(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root });
}

function reference(folder: string): { dir: string; ref: Reference } {
  const dir = join(corpus!, folder);
  return { dir, ref: JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as Reference };
}

/** `--input NAME=FILE.bin:DTYPE:D0xD1…` for every feed of a case (all feeds here come from files). */
function inputFlags(dir: string, c: Reference['cases'][number]): string[] {
  return c.feeds.flatMap((f) => ['--input', `${f.name}=${join(dir, c.dir, f.file)}:${f.dtype ?? 'float32'}:${f.shape.join('x')}`]);
}

function argmaxOfFirstRow(values: Float32Array, rowLength: number): number {
  let best = 0;
  for (let i = 1; i < rowLength; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** Runs `kiln run MODEL` on every case of a reference folder and checks each written output. */
function runAndCompare(model: string, folder: string, extraFlags: string[] = []): void {
  const { dir, ref } = reference(folder);
  for (const c of ref.cases) {
    const out = mkdtempSync(join(tmpdir(), 'kiln-cli-tf-'));
    outDirs.push(out);
    const r = kiln('run', join(corpus!, model), ...inputFlags(dir, c), ...extraFlags, '--output-dir', out);
    expect(r.status, r.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(out, 'outputs.json'), 'utf8')) as { outputs: { name: string; file: string }[] };
    for (const o of c.outputs) {
      const written = index.outputs.find((w) => w.name === o.name);
      expect(written, `output '${o.name}' of case ${c.dir} was not written`).toBeDefined();
      const actual = readNpyFile(join(out, written!.file));
      expectTensorClose(actual, readRawFile(join(dir, c.dir, o.file), o.dtype ?? 'float32', o.shape), ref.tolerance);
      if (o.argmax !== undefined) expect(argmaxOfFirstRow(actual.toFloat32(), o.shape[o.shape.length - 1]!)).toBe(o.argmax);
    }
  }
}

describe.skipIf(!corpus)('the built kiln CLI on TensorFlow, TensorFlow.js and UFF models', () => {
  it('is built', () => {
    expect(existsSync(cli), `${cli} is missing: run pnpm --filter kiln-inference build`).toBe(true);
  });

  it('inspects a frozen GraphDef: format, its open batch dimension and fully supported ops', () => {
    const r = kiln('inspect', join(corpus!, 'tf/frozen/mengwanguc-mnist-cnn.pb'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.format).toBe('tf-graphdef');
    expect(report.inputs).toEqual([{ name: 'x', type: 'float32[?,28,28,1]' }]);
    expect(report.outputs.map((o: { name: string }) => o.name)).toEqual(['output']);
    const ops = report.ops.map((o: { op: string }) => o.op);
    expect(ops).toEqual(expect.arrayContaining(['tf::Conv2D', 'tf::MatMul', 'tf::Softmax']));
    expect(report.unsupportedNodes).toEqual([]);
  });

  it('runs a frozen GraphDef on raw float32 inputs, matching the TensorFlow.js reference', () => {
    runAndCompare('tf/frozen/mengwanguc-mnist-cnn.pb', 'tf/frozen-reference/mengwanguc-mnist-cnn', ['--outputs', 'output']);
  });

  it('runs TensorFlow.js model.json files, one and four outputs', () => {
    runAndCompare('tf/tfjs/models/emotion.json', 'tf/tfjs/reference/emotion');
    runAndCompare('tf/tfjs/models/blazeface.json', 'tf/tfjs/reference/blazeface');
  }, 30_000);

  it('runs the UFF LeNet-5 with --input-shape and classifies both digits', () => {
    runAndCompare('uff/tensorrt-sample-lenet5.uff', 'uff/tensorrt-sample-lenet5-reference', ['--input-shape', 'in=1x28x28x1']);
  });

  it('asks for the UFF input shape the file leaves out, naming the input', () => {
    const r = kiln('inspect', join(corpus!, 'uff/tensorrt-sample-lenet5.uff'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^kiln: error \[INVALID_SHAPE\]: .*input 'in' has no shape/);
  });
});

if (!corpus) it.skip(CORPUS_MISSING_MESSAGE, () => {});
