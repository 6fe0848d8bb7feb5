/**
 * The TF/UFF suites on the real corpus (skipped when it is absent): every case is listed and
 * passes, and a reference with wrong values or a wrong argmax makes a case fail.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS_MISSING_MESSAGE, corpusDir, modelPath, type Reference, readReference } from '@kiln-inference/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { runTestCase } from '../src/case-worker.js';
import { listSelectedCases } from '../src/run-conformance.js';
import type { TestCase } from '../src/suite.js';

const corpus = corpusDir();
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function cases(suite: string): TestCase[] {
  return listSelectedCases({ corpus: corpus!, suites: [suite] }).cases;
}

/** A copy of the UFF LeNet reference whose first case's output is rewritten by `tamper`. */
function tamperedUffReference(tamper: (ref: Omit<Reference, 'folder'>, values: Float32Array) => void): TestCase {
  const source = join(corpus!, 'uff', 'tensorrt-sample-lenet5-reference');
  const ref = readReference(source);
  const dir = mkdtempSync(join(tmpdir(), 'kiln-tf-suite-'));
  temps.push(dir);
  const c = ref.cases[0]!;
  mkdirSync(join(dir, c.dir));
  copyFileSync(join(source, c.dir, c.feeds[0]!.file!), join(dir, c.dir, c.feeds[0]!.file!));
  const outFile = c.outputs[0]!.file!;
  const buf = readFileSync(join(source, c.dir, outFile));
  const values = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  // Written elsewhere: the model path becomes absolute, and the folder is wherever it lands.
  const copy = { schema: ref.schema, format: ref.format, tolerance: ref.tolerance, model: modelPath(ref), cases: [structuredClone(c)] };
  tamper(copy, values);
  writeFileSync(join(dir, c.dir, outFile), new Uint8Array(values.buffer));
  writeFileSync(join(dir, 'reference.json'), JSON.stringify(copy));
  return { suite: 'uff', name: 'tampered', data: { referenceDir: dir } };
}

describe.skipIf(!corpus)('TF and UFF suites on the corpus', () => {
  it('list one case per reference folder and per SavedModel check', () => {
    expect(cases('tf-frozen').map((c) => c.name)).toEqual([
      'chaow94-mnist',
      'mengwanguc-mnist-cnn',
      'tf2onnx-fc-layers',
      'tf2onnx-lstm',
      'tf2onnx-regression',
      'zhucheng725-lenet5',
    ]);
    expect(cases('tfjs').map((c) => c.name)).toEqual(['antispoof', 'blazeface', 'emotion', 'facemesh', 'liveness', 'movenet-lightning']);
    expect(cases('uff').map((c) => c.name)).toEqual(['tensorrt-sample-lenet5']);
    expect(cases('tf-savedmodel').map((c) => c.name)).toEqual([
      'half_plus_two/00000123/signature-and-variables',
      'half_plus_two/00000123/run-signature',
    ]);
  });

  for (const suite of ['tf-frozen', 'tf-savedmodel', 'tfjs', 'uff']) {
    it(`passes every ${suite} case`, async () => {
      for (const c of cases(suite)) {
        const outcome = await runTestCase(c);
        expect({ name: c.name, ...outcome, ops: undefined }).toEqual({ name: c.name, status: 'pass', ops: undefined });
      }
    }, 60_000);
  }

  it('fails a case whose reference values are off by more than the tolerance', async () => {
    const outcome = await runTestCase(tamperedUffReference((_, values) => (values[3] = values[3]! + 0.5)));
    expect(outcome.status).toBe('fail');
    expect(outcome.category).toBe('numeric-mismatch');
    expect(outcome.reason).toMatch(/case case_0: output 'out'/);
  });

  it('fails a case whose stated argmax differs from the output', async () => {
    const outcome = await runTestCase(tamperedUffReference((ref) => (ref.cases[0]!.outputs[0]!.argmax = 5)));
    expect(outcome).toMatchObject({ status: 'fail', reason: expect.stringMatching(/argmax 0, expected 5/) });
  });

  it('skips a case whose model file is absent', async () => {
    const outcome = await runTestCase(tamperedUffReference((ref) => (ref.model = '/nonexistent/model.uff')));
    expect(outcome).toMatchObject({ status: 'skip', reason: expect.stringMatching(/model \/nonexistent\/model.uff .* absent/) });
  });

  it('fails a SavedModel check whose stated variable value or signature is wrong', async () => {
    const check = cases('tf-savedmodel')[0]!;
    const wrongValue = await runTestCase({ ...check, data: { ...check.data, variables: { Variable: 0.25 } } });
    expect(wrongValue).toMatchObject({
      status: 'fail',
      category: 'numeric-mismatch',
      reason: expect.stringMatching(/variable 'Variable'/),
    });
    const wrongSignature = await runTestCase({ ...check, data: { ...check.data, signature: 'nope' } });
    expect(wrongSignature).toMatchObject({ status: 'fail', reason: expect.stringMatching(/no signature 'nope'/) });
  });

  it('fails a case whose reference names an output the model does not produce', async () => {
    const outcome = await runTestCase(tamperedUffReference((ref) => (ref.cases[0]!.outputs[0]!.name = 'missing')));
    expect(outcome).toMatchObject({ status: 'fail', category: 'other', reason: expect.stringMatching(/'missing' was not produced/) });
  });
});

if (!corpus) it.skip(CORPUS_MISSING_MESSAGE, () => {});
