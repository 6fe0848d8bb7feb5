/**
 * An empty batch (0 rows fed to a model whose batch is symbolic) once killed the process with
 * SIGFPE in the native GEMM; it must give empty outputs of the right shape, inline and in the
 * execution Worker, through the API and `kiln run`. Each case runs in a fresh process, as the
 * crash did. Uses the built package: run `pnpm build` before running this file alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serializeNpy, Tensor } from '@kiln-inference/core';
import { CORPUS_MISSING_MESSAGE, corpusDir, readNpyFile } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const dist = join(root, 'packages/kiln/dist');
const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);

const MODELS = [
  { name: 'MNIST CNN (frozen GraphDef)', file: 'tf/frozen/mengwanguc-mnist-cnn.pb', input: [0, 28, 28, 1], output: [0, 10] },
  { name: 'TF.js liveness', file: 'tf/tfjs/models/liveness.json', input: [0, 32, 32, 3], output: [0, 2] },
];

// Creates a session, feeds a zero-row batch, prints each output's shape and length as JSON.
const CHILD = `
import { InferenceSession, Tensor } from ${JSON.stringify(join(dist, 'index.js'))};
const [model, shape, execution] = [process.argv[2], JSON.parse(process.argv[3]), process.argv[4]];
const session = await InferenceSession.create(model, execution === 'inline' ? { execution: 'inline' } : {});
const outputs = await session.run({ [session.inputNames[0]]: new Tensor('float32', shape) });
console.log(JSON.stringify(Object.values(outputs).map((t) => ({ shape: t.shape, length: t.toArray().length }))));
await session.dispose();
`;

// A file, not --eval: the execution Worker inherits process.execArgv, and --input-type is
// refused by a Worker started from a file.
const childFile = join(mkdtempSync(join(tmpdir(), 'kiln-empty-batch-child-')), 'child.mjs');
writeFileSync(childFile, CHILD);

function runChild(model: string, shape: number[], execution: string) {
  return spawnSync(process.execPath, [childFile, model, JSON.stringify(shape), execution], {
    encoding: 'utf8',
    cwd: root,
  });
}

describe.skipIf(!corpus)(`an empty batch${corpus ? '' : ' (skipped: corpus not found)'}`, () => {
  it('the package is built', () => {
    expect(existsSync(join(dist, 'cli.js')), `${dist} is missing: run pnpm build`).toBe(true);
  });

  for (const m of MODELS) {
    for (const execution of ['worker', 'inline']) {
      it(`${m.name}, ${execution}: empty outputs of shape [${m.output}]`, () => {
        const r = runChild(join(corpus!, m.file), m.input, execution);
        expect([r.status, r.signal, r.stderr]).toEqual([0, null, '']);
        expect(JSON.parse(r.stdout)).toEqual([{ shape: m.output, length: 0 }]);
      });
    }
  }

  it('kiln run with a 0-row .npy writes an empty output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-empty-batch-'));
    const input = join(dir, 'x.npy');
    writeFileSync(input, serializeNpy(new Tensor('float32', [0, 28, 28, 1])));
    const out = join(dir, 'out');
    const r = spawnSync(
      process.execPath,
      [join(dist, 'cli.js'), 'run', join(corpus!, MODELS[0]!.file), '--input', `x=${input}`, '--output-dir', out],
      {
        encoding: 'utf8',
        cwd: root,
      },
    );
    expect([r.status, r.signal], r.stderr).toEqual([0, null]);
    const index = JSON.parse(readFileSync(join(out, 'outputs.json'), 'utf8'));
    expect(index.outputs).toEqual([{ name: 'output', file: 'output.npy', dtype: 'float32', shape: [0, 10] }]);
    const written = readNpyFile(join(out, 'output.npy'));
    expect(written.shape).toEqual([0, 10]);
    expect(written.toArray()).toEqual([]);
  });
});
