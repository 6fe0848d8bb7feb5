/**
 * The umbrella session's run-time contract: feeds checked before anything runs (the same
 * KilnErrors in every execution mode), pending runs rejected on dispose, the session's limits in
 * force while it runs, and an idle session that never holds its process open.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { withoutFallbackWarnings } from '@kiln-inference/testkit';
import { ErrorCode, KilnError, Tensor } from 'kiln-inference';
import { describe, expect, it } from 'vitest';
import { InferenceSession } from '../src/index.js';

const root = resolve(import.meta.dirname, '../../..');
const modelPath = join(root, 'examples/tiny-cnn/model.onnx');
const builtKiln = join(root, 'packages/kiln/dist/index.js');
const builtWorker = join(root, 'packages/engine/dist/engine-worker.js');

const image = () =>
  Tensor.fromValues(
    'float32',
    [1, 1, 8, 8],
    Array.from({ length: 64 }, (_, i) => (i % 5) / 5),
  );
const isError = (code: string, pattern: RegExp) => (e: unknown) => e instanceof KilnError && e.code === code && pattern.test(e.message);

describe('InferenceSession feeds and lifetime', () => {
  it('refuses feeds that are not named, intact tensors', async () => {
    const session = await InferenceSession.create(modelPath, { execution: 'inline' });
    try {
      await expect(session.run(null as never)).rejects.toSatisfy(isError(ErrorCode.INVALID_ARGUMENT, /got null/));
      await expect(session.run(image() as never)).rejects.toSatisfy(isError(ErrorCode.INVALID_ARGUMENT, /got a Tensor/));
      const moved = image();
      structuredClone(moved.data, { transfer: [(moved.data as Float32Array).buffer as ArrayBuffer] });
      await expect(session.run({ image: moved })).rejects.toSatisfy(isError(ErrorCode.INVALID_ARGUMENT, /'image' has a detached buffer/));
      const view = image();
      Object.defineProperty(view, 'data', { value: new DataView(new ArrayBuffer(256)) });
      await expect(session.run({ image: view })).rejects.toSatisfy(isError(ErrorCode.INVALID_ARGUMENT, /'image' is backed by a DataView/));
      const out = await session.run({ image: image() });
      expect(Object.keys(out)).toEqual(session.outputNames);
    } finally {
      await session.dispose();
    }
  });

  it('rejects the runs still pending when it is disposed, and refuses later runs', async () => {
    const session = await InferenceSession.create(modelPath, { execution: 'inline' });
    const pending = Promise.allSettled([session.run({ image: image() }), session.run({ image: image() })]);
    await session.dispose();
    for (const s of await pending) {
      expect(s.status).toBe('rejected');
      if (s.status === 'rejected') expect(s.reason).toSatisfy(isError(ErrorCode.ABORTED, /disposed/));
    }
    await expect(session.run({ image: image() })).rejects.toSatisfy(isError(ErrorCode.INVALID_ARGUMENT, /disposed/));
  });

  it('runs under its limits: an output over maxTensorBytes is RESOURCE_LIMIT naming the layer', async () => {
    const built = await InferenceSession.create(modelPath, { execution: 'inline' });
    const plan = built.engine.serialize();
    const layers = new Set(built.engine.plan.network.layers.map((l) => l.name));
    await built.dispose();
    // 256 bytes: the 8×8 input fits, the first multi-channel activation does not.
    const session = await InferenceSession.create(plan, { execution: 'inline', limits: { maxTensorBytes: 256 } });
    try {
      await expect(session.run({ image: image() })).rejects.toSatisfy(
        (e: unknown) =>
          e instanceof KilnError &&
          e.code === ErrorCode.RESOURCE_LIMIT &&
          layers.has(e.layer?.name ?? '') &&
          /maxTensorBytes/.test(e.message),
      );
    } finally {
      await session.dispose();
    }
  });

  it.skipIf(!existsSync(builtKiln) || !existsSync(builtWorker))(
    'a script that creates a session (worker mode, default options) and never runs it exits by itself',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'kiln-idle-'));
      const script = join(dir, 'idle.mjs');
      writeFileSync(
        script,
        `import { InferenceSession } from ${JSON.stringify(builtKiln)};
         const session = await InferenceSession.create(${JSON.stringify(modelPath)});
         process.stdout.write(session.inputNames.length > 0 ? 'created\\n' : 'no inputs\\n');`,
      );
      const child = spawnSync(process.execPath, [script], {
        encoding: 'utf8',
        // Only a guard so a regression fails instead of hanging the suite; nothing is timed.
        timeout: 120_000,
        killSignal: 'SIGKILL',
      });
      expect(withoutFallbackWarnings(child.stderr)).toBe('');
      expect(child.signal).toBeNull();
      expect(child.status).toBe(0);
      expect(child.stdout).toBe('created\n');
    },
  );
});
