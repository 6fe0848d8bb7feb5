// InferenceSession with onnxruntime-node's calls: model bytes, session options, metadata, fetches, release().
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectTensorClose, readNpyFile, repoRoot } from '@kiln-inference/testkit';
import { build, InferenceSession, KilnError, type ModelInput, type SessionOptions, serializePlan, Tensor } from 'kiln-inference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../src/ort-compat/execution-providers.js';
import { rulesForLevel } from '../src/ort-compat/graph-optimization-level.js';
import { checkIntraOpNumThreads, cpuThreadCount } from '../src/ort-compat/intra-op-threads.js';
import { modelSource } from '../src/ort-compat/model-source.js';

const example = (f: string) => join(repoRoot(), 'examples/tiny-cnn', f);
const MODEL = example('model.onnx');
const TOL = { rtol: 1e-5, atol: 1e-6 };
const tmp = mkdtempSync(join(tmpdir(), 'kiln-ort-session-'));

function image(): Tensor {
  return readNpyFile(example('input.npy'));
}

async function kilnError(p: Promise<unknown> | (() => unknown)): Promise<KilnError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof KilnError) return e;
    throw e;
  }
  throw new Error('expected a KilnError');
}

async function runOnce(model: ModelInput, options: SessionOptions = {}): Promise<Tensor> {
  const session = await InferenceSession.create(model, options);
  try {
    return (await session.run({ image: image() })).probabilities!;
  } finally {
    await session.release();
  }
}

describe('create() tells plans from models by their bytes', () => {
  const expected = readNpyFile(example('expected_output.npy'));
  let planBytes: Uint8Array;
  beforeAll(async () => {
    planBytes = serializePlan(await build(MODEL));
  });

  it('ONNX bytes as a Uint8Array, an ArrayBuffer, and (buffer, byteOffset, byteLength)', async () => {
    const bytes = new Uint8Array(readFileSync(MODEL));
    expectTensorClose(await runOnce(bytes), expected, TOL);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    expectTensorClose(await runOnce(buffer), expected, TOL);
    const padded = new Uint8Array(bytes.length + 16);
    padded.set(bytes, 8);
    const session = await InferenceSession.create(padded.buffer, 8, bytes.length, { execution: 'inline' });
    expectTensorClose((await session.run({ image: image() })).probabilities!, expected, TOL);
    await session.release();
  });

  it('plan bytes and plan files, whatever the file is called', async () => {
    expect(modelSource(planBytes).kind).toBe('plan');
    expectTensorClose(await runOnce(planBytes), expected, TOL);
    const planFile = join(tmp, 'model.bin');
    writeFileSync(planFile, planBytes);
    expect(modelSource(planFile).kind).toBe('plan');
    expectTensorClose(await runOnce(planFile), expected, TOL);
  });

  it('an ONNX file whose name says nothing is read by its bytes', async () => {
    const renamed = join(tmp, 'model.weights');
    copyFileSync(MODEL, renamed);
    expect(modelSource(renamed)).toMatchObject({ kind: 'model-bytes', format: 'onnx' });
    expectTensorClose(await runOnce(renamed), expected, TOL);
  });

  it('bytes that are neither: UNSUPPORTED_FORMAT with a hint, not "plan is corrupted"', async () => {
    const e = await kilnError(InferenceSession.create(new TextEncoder().encode('hello, this is not a model')));
    expect(e.code).toBe('UNSUPPORTED_FORMAT');
    expect(e.message).toMatch(/neither a Kiln plan .* nor an ONNX model/);
    expect(e.hint).toMatch(/path/);
    expect((await kilnError(InferenceSession.create(42 as never))).message).toMatch(/path, a Uint8Array or an ArrayBuffer/);
  });
});

describe('metadata, run(feeds, fetches, options), release()', () => {
  let session: InferenceSession;
  beforeAll(async () => {
    session = await InferenceSession.create(MODEL, { execution: 'inline' });
  });
  afterAll(() => session.release());

  it("inputMetadata/outputMetadata in onnxruntime's shape, symbolic dims as strings", () => {
    expect(session.inputMetadata).toEqual([{ name: 'image', isTensor: true, type: 'float32', shape: ['batch', 1, 8, 8] }]);
    expect(session.outputMetadata).toEqual([{ name: 'probabilities', isTensor: true, type: 'float32', shape: ['batch', 3] }]);
  });

  it('fetches as names or as an object with null; run options beside them', async () => {
    const all = await session.run({ image: image() });
    const byName = await session.run({ image: image() }, ['probabilities'], { signal: new AbortController().signal });
    expect(Object.keys(byName)).toEqual(['probabilities']);
    expectTensorClose(byName.probabilities!, all.probabilities!, TOL);
    const byObject = await session.run({ image: image() }, { probabilities: null });
    expectTensorClose(byObject.probabilities!, all.probabilities!, TOL);
    expect(Object.keys(await session.run({ image: image() }, { signal: new AbortController().signal }))).toEqual(['probabilities']);
  });

  it('a tensor given as a fetch receives the output in place', async () => {
    const into = new Tensor('float32', [1, 3]);
    const out = await session.run({ image: image() }, { probabilities: into });
    expect(out.probabilities).toBe(into);
    expectTensorClose(into, readNpyFile(example('expected_output.npy')), TOL);
    const wrong = await kilnError(session.run({ image: image() }, { probabilities: new Tensor('float32', [3]) }));
    expect(wrong.message).toMatch(/fetch 'probabilities' is a Tensor<float32>\[3\], but the output is a Tensor<float32>\[1,3\]/);
  });

  it('unknown fetch names and run options are errors naming them', async () => {
    const e = await kilnError(session.run({ image: image() }, ['probabilities', 'logits', 'nope']));
    expect(e.message).toMatch(/fetches name 'logits', 'nope', which are not outputs/);
    expect(e.hint).toMatch(/outputs are: probabilities/);
    expect((await kilnError(session.run({ image: image() }, { logits: null }))).message).toMatch(/'logits'/);
    expect((await kilnError(session.run({ image: image() }, ['probabilities'], { logSeverityLevel: 0 } as never))).message).toMatch(
      /run options logSeverityLevel/,
    );
  });

  it('runs refuse a disposed feed tensor', async () => {
    const t = image();
    await t.getData(true);
    expect((await kilnError(session.run({ image: t }))).message).toMatch(/'image' was disposed/);
  });
});

describe('session options', () => {
  const expected = () => readNpyFile(example('expected_output.npy'));

  it("executionProviders: the first available wins ('cpu' always is); unknown names are refused", async () => {
    const s = await InferenceSession.create(MODEL, { executionProviders: [{ name: 'cpu' }], execution: 'inline' });
    expect(s.engine.plan.manifest.backend).toBe('cpu');
    await s.release();
    const noGpu = () => ({ ok: false as const, reason: 'no driver' });
    expect(chooseBackend(['cuda', 'cpu'], noGpu)).toEqual({ backend: 'cpu' });
    expect(chooseBackend([{ name: 'cuda', deviceId: 1 }, 'cpu'], () => ({ ok: true }))).toEqual({ backend: 'cuda', device: 1 });
    const none = await kilnError(() => chooseBackend(['cuda'], noGpu));
    expect(none.code).toBe('NATIVE_UNAVAILABLE');
    expect(none.message).toMatch(/^none of the execution providers can run here: cuda \(device 0\): no driver/);
    expect(none.hint).toMatch(/add 'cpu'/);
    const unknown = await kilnError(InferenceSession.create(MODEL, { executionProviders: ['cpu', 'webgpu'] }));
    expect(unknown.message).toMatch(/execution provider 'webgpu' is not one Kiln has/);
    expect(unknown.hint).toMatch(/'cpu', 'cuda'/);
    expect((await kilnError(() => chooseBackend([{ name: 'cpu', useArena: true }]))).message).toMatch(
      /settings Kiln does not apply: useArena/,
    );
    expect((await kilnError(() => chooseBackend([]))).message).toMatch(/non-empty array/);
    expect((await kilnError(InferenceSession.create(MODEL, { executionProviders: ['cpu'], backend: 'cpu' }))).message).toMatch(
      /both executionProviders .* and backend/,
    );
  });

  it('onnxruntime options Kiln has no counterpart for are refused by name, not dropped', async () => {
    const e = await kilnError(InferenceSession.create(MODEL, { interOpNumThreads: 2, logSeverityLevel: 3 } as never));
    expect(e.message).toMatch(/session options interOpNumThreads, logSeverityLevel are onnxruntime's and have no effect in Kiln/);
    expect(e.hint).toMatch(/logSeverityLevel: Kiln reports through KilnError/);
  });

  it("intraOpNumThreads: 0 or the pool's size; another count says how to set it", async () => {
    const threads = cpuThreadCount(undefined);
    expectTensorClose(await runOnce(MODEL, { intraOpNumThreads: threads, execution: 'inline' }), expected(), TOL);
    expect(() => checkIntraOpNumThreads(0, threads)).not.toThrow();
    const e = await kilnError(InferenceSession.create(MODEL, { intraOpNumThreads: threads + 1 }));
    expect(e.message).toMatch(/cannot be set per session: .*process-wide pool/);
    expect(e.hint).toMatch(new RegExp(`KILN_CPU_THREADS=${threads + 1}`));
    expect((await kilnError(() => checkIntraOpNumThreads(1.5, threads))).message).toMatch(/integer ≥ 0/);
    expect(cpuThreadCount('reference')).toBe(1);
  });

  it('graphOptimizationLevel: nested rule sets, same outputs at every level, other values refused', async () => {
    expect(['disabled', 'basic', 'extended', 'layout', 'all'].map((l) => rulesForLevel(l).length)).toEqual([0, 5, 11, 12, 14]);
    for (const level of ['disabled', 'basic', 'all'] as const) {
      expectTensorClose(await runOnce(MODEL, { graphOptimizationLevel: level, execution: 'inline' }), expected(), TOL);
    }
    const e = await kilnError(InferenceSession.create(MODEL, { graphOptimizationLevel: 'max' as never }));
    expect(e.message).toMatch(/graphOptimizationLevel "max" is not a level/);
    expect(e.hint).toMatch(/'disabled', 'basic', 'extended', 'layout', 'all'/);
  });
});
